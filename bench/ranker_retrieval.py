"""The learned ranker against the fused order, on what reaches the model (not a test): each week
range is run twice through `newsqa eval run --retrieval-only` (the whole answer path without the
LLM: the question read, its time window, the search, the evidence), once with `search.ranker =
"learned"` and once with `"none"`, same questions, same as_of, same build. Prints a Markdown table
and saves it to bench/results/ranker_retrieval.md.

Weeks: the test weeks (2025-06-06 to 2025-06-27; never used for tuning or training) and, beside
them, the held-out 2025-07-04 to 2025-09-26 weeks (never trained or tuned on either). The model was
trained on the dev weeks (index/models/ranker.md).

Run: .venv/bin/python bench/ranker_retrieval.py [--weeks FIRST:LAST ...] [--runs DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import RTQA_2025, run_eval, write_table  # noqa: E402

METRICS = [("answer_in_passages", "answer in the 8 passages"), ("answer_in_evidence", "answer in evidence"),
           ("answer_in_evidence_with_titles", "… with titles"), ("hit_at_1", "gold snippet at rank 1"),
           ("hit_at_k", "gold snippet in the passages"), ("mrr", "MRR (gold)")]
RANKERS = ("none", "learned")


def cell(summary: dict, key: str) -> str:
    value, interval = summary.get(key), summary.get("intervals", {}).get(key)
    if value is None:
        return "–"
    return f"{value:.3f} ({interval[0]:.2f}–{interval[1]:.2f})" if interval else f"{value:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weeks", nargs="+", default=["2025-06-06:2025-06-27", "2025-07-04:2025-09-26"])
    parser.add_argument("--runs", type=Path, default=Path("eval-runs/ranker"))
    args = parser.parse_args()
    rows = []
    for weeks in args.weeks:
        first, last = weeks.split(":")
        kind = "test" if weeks == "2025-06-06:2025-06-27" else "held out"
        for ranker in RANKERS:
            out = args.runs / f"{first}-{last}-{ranker}"
            summary = run_eval(out, str(RTQA_2025), "--from", first, "--to", last, "--retrieval-only", "--fresh",
                               settings={"NEWSQA_SEARCH__RANKER": ranker})
            name = "learned ranker" if ranker == "learned" else "fused (ranker none)"
            rows.append([f"{first} to {last} ({kind}, {summary['n']} questions)", name,
                         *(cell(summary, key) for key, _ in METRICS),
                         f"{summary['latency_by_stage']['search']['p50'] * 1000:.0f}"])
            print(rows[-1], flush=True)
    write_table("ranker_retrieval", "The learned ranker against the fused order: what reaches the model",
                ["weeks", "order", *(label for _, label in METRICS), "search p50 ms"], rows, [
                    "Each row a `newsqa eval run --retrieval-only` of RealTime QA 2025 (plain variant; every question "
                    "answerable): the answer path without the LLM, as of each question's date.",
                    "Answer in…: the right choice's text appears (in the passages; in the evidence sentences the model "
                    "would read; with their titles). Gold: RealTime QA's evidence snippet, half its content words.",
                    "95% bootstrap intervals in brackets. The model: index/models/ranker.txt, trained on the dev weeks "
                    "2025-01-03 to 2025-02-21 and 2025-03-07 to 2025-04-25 (its card: index/models/ranker.md).",
                    f"Command: .venv/bin/python bench/ranker_retrieval.py --weeks {' '.join(args.weeks)}",
                ])


if __name__ == "__main__":
    main()
