"""Which refused drafts a second try should get (`answer.second_try`), on the dev weeks (not a test).

One evaluation run of the dev weeks with the local model and `answer.second_try = "refused"`
(every draft the check refuses whole is written once more from the evidence's best line): what
the second tries bring (answers kept, right and wrong) and cost (the median question's latency with
and without them, from the run's own timings). "mixed" tries only the drafts that took a figure
from a line they do not cite (`verify.mixed_lines`), read off the same run's drafts and evidence;
an answer the second try kept shows only the evidence it was written from, so each such question
is asked again with "mixed" to see whether it would have been tried. Prints a Markdown table and
saves it to bench/studies/results/second_try.md.

Run: .venv/bin/python bench/studies/second_try.py [--from 2025-01-03 --to 2025-02-21]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import REPO, RTQA_2025, run_eval, write_table  # noqa: E402


def right(result: dict) -> bool:
    """An answer given that is right (containment, EM or F1 >= 0.5), as the evaluation counts it."""
    return bool(result["metrics"].get("answered_precision"))


def evidence_of(answer: dict):
    """The evidence lines an answer's draft was written from, as the check reads them."""
    from newsqa.bot.evidence import Evidence, EvidenceSentence, EvidenceSource

    lines = [EvidenceSentence(e["label"], e["text"], e["start"], e["end"], e["chunk_id"], 0.0, None)
             for e in answer["evidence"]]
    return Evidence([EvidenceSource(1, "evidence", "", None, None, None, lines)], answer["relevance"], 0)


def tried_when_mixed(kept: list[dict], first: str, last: str) -> set[str]:
    """Of the questions whose second try was kept, those "mixed" tries too (asked again)."""
    if not kept:
        return set()
    os.environ["NEWSQA_ANSWER__SECOND_TRY"] = "mixed"
    from newsqa import load_settings
    from newsqa.evals.dataset import load_eval_set
    from newsqa.evals.pipelines import NewsqaPipeline

    settings = load_settings()
    eval_set = load_eval_set(RTQA_2025, start=first, end=last)
    pipeline = NewsqaPipeline(eval_set, settings, settings.home / "eval-indexes", "local")
    wanted = {r["id"] for r in kept}
    tried = {q.id for q in eval_set.questions
             if q.id in wanted and pipeline.answer(q, q.as_of, False).second_draft}
    pipeline.close()
    return tried


def row(name: str, results: list[dict], tried: set[str]) -> list[str]:
    """The figures of the run had only the `tried` questions' second tries counted."""
    given = good = kept = kept_right = 0
    latencies = []
    for r in results:
        a = r["answer"]
        second = a["timings"].get("second_try", 0.0)
        counted = r["id"] in tried
        latencies.append(a["timings"]["total"] - (0.0 if counted else second))
        answered = not a["abstained"] and (counted or not a["second_draft"])
        given += answered
        good += answered and right(r)
        if answered and a["second_draft"]:
            kept += 1
            kept_right += right(r)
    precision = f"{good / given:.2f}" if given else "–"
    return [name, f"{len(tried)} of {len(results)}", str(kept), f"{kept_right} / {kept - kept_right}",
            f"{good} of {given} ({precision})", f"{statistics.median(latencies):.1f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="first", default="2025-01-03")
    parser.add_argument("--to", dest="last", default="2025-02-21")
    args = parser.parse_args()
    out = REPO / "eval-runs" / f"second-try-{args.first}-{args.last}"
    run_eval(out, str(RTQA_2025), "--from", args.first, "--to", args.last, "--llm", "local",
             settings={"NEWSQA_ANSWER__SECOND_TRY": "refused", "NEWSQA_ANSWER__SECOND_TRY_LINES": "1"})
    results = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]

    from newsqa.bot.verify import mixed_lines

    every = {r["id"] for r in results if r["answer"]["second_draft"]}
    kept = [r for r in results if r["id"] in every and not r["answer"]["abstained"]]
    mixed = {r["id"] for r in results if r["id"] in every and r["answer"]["abstained"]
             and mixed_lines(r["answer"]["draft"], evidence_of(r["answer"]), r["answer"]["standalone_question"])}
    mixed |= tried_when_mixed(kept, args.first, args.last)
    rows = [row("off", results, set()), row("mixed (the default)", results, mixed), row("refused", results, every)]
    write_table("second_try", "A second try on a refused draft: what it brings and costs (dev weeks)",
                ["answer.second_try", "questions tried", "answers kept", "kept right / wrong",
                 "answers right, of those given", "latency p50 s"], rows, [
        f"RealTime QA 2025 dev weeks {args.first} to {args.last} (plain variant), default local model and "
        "settings (the learned ranker), one run with every refused draft tried (`answer.second_try = "
        "\"refused\"`, the best evidence line alone); the other rows count only their questions' second tries "
        "in that same run, and leave the others' second-try time out of their latency.",
        "mixed: the draft took a figure (not a year, not one the question states) from an evidence line it does "
        "not cite (`verify.mixed_lines`). Tried: the check refused the whole draft, which was not \"I don't "
        "know\", and the evidence held more than the one line.",
        "Right: containment, EM or F1 >= 0.5 against the right choice. Latency from the run's timings, on 2 "
        "shared cores.",
        f"Command: .venv/bin/python bench/studies/second_try.py --from {args.first} --to {args.last}",
    ])


if __name__ == "__main__":
    main()
