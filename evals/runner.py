"""Running a question set through a pipeline: resumable, with progress, into a run folder.

A run folder holds `run.json` (what was run), `results.jsonl` (one line per question, appended
as each is answered, so a killed run continues where it stopped), and, at the end,
`summary.json`, `summary.md` and `report.html` (evals.report).
"""

from __future__ import annotations

import json
import logging
import platform
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from newsqa import Settings
from newsqa.errors import NewsqaError
from newsqa.evals.dataset import EvalQuestion, EvalSet
from newsqa.evals.judge import make_judge
from newsqa.evals.metrics import score
from newsqa.evals.pipelines import make_pipeline

log = logging.getLogger(__name__)
RESULTS = "results.jsonl"
ProgressFn = Callable[[int, int], None]  # (done, total)


@dataclass
class RunConfig:
    """What makes two runs the same run (a resumed run must match it)."""

    pipeline: str = "newsqa"
    llm: str = "local"
    judge: str = "overlap"
    retrieval_only: bool = False
    limit: int | None = None
    # The day a question without its own as_of is asked (None: now). The local model reads the
    # date in its prompt, so a fixed day makes its answers repeatable.
    as_of: datetime | None = None

    def describe(self, eval_set: EvalSet, settings: Settings | None = None) -> dict:
        described = {"set": eval_set.name, "corpus_key": eval_set.corpus_key(), "pipeline": self.pipeline,
                     "llm": "none" if self.retrieval_only else self.llm, "judge": self.judge,
                     "retrieval_only": self.retrieval_only}
        if self.as_of is not None:  # recorded only when given: runs made before it stay the same run
            described["as_of"] = self.as_of.isoformat()
        if settings is not None:  # what shapes the answers: a change makes it another run
            if self.pipeline == "newsqa":
                described["settings"] = {"answer": settings.answer.model_dump(),
                                         "search": settings.search.model_dump()}
            else:  # the tutorial chain reads only these of newsqa's settings
                described["settings"] = {"answer": settings.answer.model_dump(include=_TUTORIAL_SETTINGS)}
        return described


# newsqa's settings the LangChain tutorial chain reads (evals/pipelines.py): a change to any other
# (the evidence choice, the search's fusion) leaves its answers as they were.
_TUTORIAL_SETTINGS = {"max_answer_tokens", "extractive_sentences"}


def done_ids(out: Path) -> set[str]:
    """Questions already answered in this run folder."""
    return {row["id"] for row in read_results(out)}


def read_results(out: Path) -> list[dict]:
    """The result lines of a run folder, the last line of each question winning; a torn line (a
    run killed mid-write) is ignored."""
    path = out / RESULTS
    if not path.exists():
        return []
    rows = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
            rows[row["id"]] = row
        except (json.JSONDecodeError, KeyError, TypeError):
            continue
    return list(rows.values())


def differences(earlier: dict, identity: dict) -> list[str]:
    """What makes `identity` another run than `earlier`. Settings are compared on the keys both
    recorded: a setting added to newsqa since then, or one the pipeline no longer records as
    shaping its answers, does not make it another run."""
    differ = sorted(k for k in (set(earlier) | set(identity)) - {"settings"} if earlier.get(k) != identity.get(k))
    before, now = earlier.get("settings"), identity.get("settings") or {}
    if before is not None and any(before[group][k] != now[group][k]
                                  for group in before.keys() & now.keys()
                                  for k in before[group].keys() & now[group].keys()):
        differ.append("settings")
    return differ


def prepare_folder(out: Path, identity: dict, fresh: bool) -> None:
    """Start or resume: a folder holding another run is refused unless `fresh`."""
    out.mkdir(parents=True, exist_ok=True)
    meta = out / "run.json"
    if fresh:
        for name in (RESULTS, "summary.json", "summary.md", "report.html"):
            (out / name).unlink(missing_ok=True)
    elif meta.exists():
        before = json.loads(meta.read_text())
        differ = differences(before.get("identity") or {}, identity)
        if differ:
            raise NewsqaError(f"{out} holds another run (it differs in {', '.join(differ)}); "
                              "use another --out, or --fresh")
    machine = f"{platform.node()} {platform.machine()} Python {platform.python_version()}"
    meta.write_text(json.dumps({"identity": identity, "started": datetime.now(timezone.utc).isoformat(),
                                "machine": machine}, indent=2))


def run(eval_set: EvalSet, config: RunConfig, settings: Settings, out: Path, cache_root: Path,
        fresh: bool = False, on_progress: ProgressFn | None = None) -> list[dict]:
    """Answer every question not yet in `out`, appending its result line; return all results."""
    prepare_folder(out, config.describe(eval_set, settings), fresh)
    questions = eval_set.questions[: config.limit] if config.limit else eval_set.questions
    done = done_ids(out)
    todo = [q for q in questions if q.id not in done]
    judge = make_judge(config.judge)
    if todo:
        pipeline = make_pipeline(config.pipeline, eval_set, settings, cache_root, config.llm)
        if not config.retrieval_only:
            pipeline.warm_up()
        try:
            with (out / RESULTS).open("a", encoding="utf-8") as results:
                for number, question in enumerate(todo, start=1):
                    row = _answer_one(pipeline, question, config, judge)
                    results.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
                    results.flush()
                    if on_progress:
                        on_progress(len(questions) - len(todo) + number, len(questions))
        finally:
            pipeline.close()
    wanted = {q.id for q in questions}
    return [r for r in read_results(out) if r["id"] in wanted]


def _answer_one(pipeline, question: EvalQuestion, config: RunConfig, judge) -> dict:
    dated = question.as_of or config.as_of  # the row records the day only when it was given
    row = {"id": question.id, "question": question.question, "type": question.type, "source": question.source,
           "gold": {"answers": question.answers, "answerable": question.answerable,
                    "evidence": question.gold_evidence},
           "as_of": dated.isoformat() if dated else None}
    as_of = dated or datetime.now(timezone.utc)
    try:
        answer = pipeline.answer(question, as_of, config.retrieval_only)
    except NewsqaError as exc:  # e.g. an over-long question: recorded, the run goes on
        row["error"] = str(exc)
        return row
    except Exception as exc:  # an unexpected failure of one question must not end the run
        log.error("question %s failed:\n%s", question.id, traceback.format_exc())
        row["error"] = f"{type(exc).__name__}: {exc}"
        return row
    row["answer"] = answer.model_dump(mode="json")
    row["metrics"] = score(question, answer, judge, pipeline.passages(answer), pipeline.evidence_read(answer))
    return row
