# Two entry points (see README): `make demo` and `make test`. Both set up what they need first.
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO_HOME ?= .newsqa
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
# MkDocs and Material print notices about their futures on every build; the build is what matters.
export NO_MKDOCS_2_WARNING := 1
export DISABLE_MKDOCS_2_WARNING := true

SEED := ../shared/data/seed/questions.jsonl

.PHONY: setup demo test lint spec smoke-eval docs bench lock

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock requirements-models.lock scripts/setup.sh scripts/debian_packages.sh
	bash scripts/setup.sh $(VENV)
	touch $@

# Names what is broken (a crashing LLM build, a missing model file) before the first question.
demo: setup
	NEWSQA_HOME=$(DEMO_HOME) $(VENV)/bin/newsqa doctor
	NEWSQA_HOME=$(DEMO_HOME) $(VENV)/bin/newsqa ingest samples/
	NEWSQA_HOME=$(DEMO_HOME) $(VENV)/bin/newsqa ask "When does work on the Ferris Street bridge begin?"

# Fastest first: lint, the spec tests of the pure functions (seconds), the smoke evaluation, the rest.
test: setup
	bash scripts/test_packages.sh
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory spec
	$(MAKE) --no-print-directory smoke-eval
	$(PY) -m pytest -q -ra -m "not spec" --hypothesis-profile=ci

# ruff (pyproject.toml: line length 120); the layering contracts run in tests/test_package.py.
lint: setup
	$(VENV)/bin/ruff check .

spec: setup
	$(PY) -m pytest -q -m spec --hypothesis-profile=ci

# The seed questions with no LLM and with the small test model; thresholds fail CI on a regression.
# The 135M test model is for plumbing, not answers: with the evidence choice of the first passages
# its seed containment is 0.44 (0.56 before; the default model's seed test keeps 8 of 9), so its
# floor, 0.2, catches a collapse with two questions of margin for another CPU's kernels.
# Asked as of a fixed day (the seed article reports December 2023): the model reads the date in its
# prompt, and its answers to the same evidence differ from one date to another.
SEED_AS_OF := 2024-01-15
smoke-eval: setup
	@if [ ! -f $(SEED) ]; then echo "*** SMOKE EVALUATION SKIPPED: $(SEED) is absent (../shared/data missing) ***" >&2; exit 0; fi; \
	home=$$(mktemp -d); runs=$$(mktemp -d); \
	NEWSQA_HOME=$$home $(VENV)/bin/newsqa eval $(SEED) --llm none --as-of $(SEED_AS_OF) --out $$runs/none \
		--require 'containment>=0.85' --require 'answer_in_evidence>=0.85' --require 'abstained_unanswerable>=1' \
		--require 'false_abstain<=0.12' --require 'citation_recall>=0.9' --require 'em>=0.3' --require 'errors<=0' && \
	NEWSQA_HOME=$$home $(VENV)/bin/newsqa eval $(SEED) --llm test --as-of $(SEED_AS_OF) --out $$runs/test \
		--require 'containment>=0.2' --require 'answer_in_evidence>=0.85' --require 'abstained_unanswerable>=1' \
		--require 'errors<=0'; status=$$?; rm -rf $$home $$runs; exit $$status

# The documentation site into site/: offline, every warning an error (open site/index.html, or
# `.venv/bin/mkdocs serve`). `make test` builds it too and checks it (tests/test_docs.py).
docs: setup
	$(VENV)/bin/mkdocs build --strict

bench: setup
	$(PY) bench/ingest_bench.py
	$(PY) bench/answer_bench.py
	$(PY) bench/llm_speed.py

# Re-resolve the lock files to the newest versions pyproject.toml allows (PACKAGE=name: only that one).
lock:
	bash scripts/lock.sh
