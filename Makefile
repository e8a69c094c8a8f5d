# Two entry points (see README): `make demo` and `make test`. Both set up what they need first.
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO_HOME ?= .newsqa
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup demo test bench

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml scripts/setup.sh
	bash scripts/setup.sh $(VENV)
	touch $@

demo: setup
	NEWSQA_HOME=$(DEMO_HOME) $(VENV)/bin/newsqa ingest samples/
	NEWSQA_HOME=$(DEMO_HOME) $(VENV)/bin/newsqa ask "When does work on the Ferris Street bridge begin?"

test: setup
	$(PY) -m pytest -q -ra

bench: setup
	$(PY) bench/ingest_bench.py
	$(PY) bench/answer_bench.py
