"""Tuning on the dev weeks (not a test): the answering settings compared end to end with the
default local model, on RealTime QA 2025 dev weeks only (never the test weeks the README
reports). Every variant is a `newsqa eval run` (resumable) with its settings in the environment.
Prints a Markdown table and saves it to bench/studies/results/dev_tuning.md; the rows of variants not
given this time are kept from the saved table (their runs may live on another machine).

Run: .venv/bin/python bench/studies/dev_tuning.py [--limit 80] [--variants A B D]
     [--from 2025-03-07 --to 2025-04-25 --table dev_tuning_check]  (other dev weeks, to check a choice)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import RTQA_2025, run_eval, summary, write_table  # noqa: E402

DEV_FIRST, DEV_LAST = "2025-01-03", "2025-02-21"
TEST_FIRST = "2025-06-06"
# Every variant names all the settings it tunes, so that it means the same whatever the defaults are
# (99 sentences: no cap within the 220-token budget).
OLD = {"ANSWER__PASSAGES": "8", "ANSWER__EVIDENCE_TOKENS": "220", "ANSWER__MAX_EVIDENCE_SENTENCES": "4",
       "ANSWER__EVIDENCE_MIN_RELATIVE_SCORE": "0.8", "ANSWER__EVIDENCE_RANK_WEIGHT": "0",
       "ANSWER__EVIDENCE_SENTENCES_PER_ARTICLE": "99", "ANSWER__TIME_WINDOW": "off", "ANSWER__PROMPT": "answer",
       "ANSWER__EVIDENCE_TOP_PASSAGES": "0", "ANSWER__EVIDENCE_TOP_PASSAGE_FLOOR": "0",
       "SEARCH__RECENCY_WEIGHT": "0.1", "SEARCH__RECENCY_HALF_LIFE_DAYS": "30",
       "ANSWER__RECENT_FIRST_DAYS": "0"}
NEW = {"ANSWER__PASSAGES": "16", "ANSWER__EVIDENCE_TOKENS": "220", "ANSWER__MAX_EVIDENCE_SENTENCES": "99",
       "ANSWER__EVIDENCE_MIN_RELATIVE_SCORE": "0", "ANSWER__EVIDENCE_RANK_WEIGHT": "0.4",
       "ANSWER__EVIDENCE_SENTENCES_PER_ARTICLE": "99", "ANSWER__TIME_WINDOW": "prefer", "ANSWER__PROMPT": "answer",
       "ANSWER__EVIDENCE_TOP_PASSAGES": "0", "ANSWER__EVIDENCE_TOP_PASSAGE_FLOOR": "0",
       "SEARCH__RECENCY_WEIGHT": "0.1", "SEARCH__RECENCY_HALF_LIFE_DAYS": "30",
       "ANSWER__RECENT_FIRST_DAYS": "0"}
DATED = {"ANSWER__PROMPT": "answer_dated"}
H = {**NEW, **DATED, "ANSWER__EVIDENCE_SENTENCES_PER_ARTICLE": "5"}
J = {**OLD, "ANSWER__TIME_WINDOW": "prefer", "ANSWER__MAX_EVIDENCE_SENTENCES": "2",
     "ANSWER__EVIDENCE_TOP_PASSAGES": "2", "ANSWER__EVIDENCE_TOP_PASSAGE_FLOOR": "0.5"}
VARIANTS = {
    "0": ("the defaults before J (A with the time preference)", {**OLD, "ANSWER__TIME_WINDOW": "prefer"}),
    "J": ("today's defaults: as 0, no sentence that asks, the best 2 sentences and the best other one (at least 0.5 "
          "of the best) of each of the first 2 passages",
          J),
    "K": ("as J, the best 3 sentences (the evidence curve's best row under 160 tokens)",
          {**J, "ANSWER__MAX_EVIDENCE_SENTENCES": "3"}),
    "L": ("as J, the prompt that says what this week means (prompts/answer_dated)",
          {**J, **DATED}),
    "M": ("as J, fresher news preferred in the search (recency weight 1, half-life 30 days)",
          {**J, "SEARCH__RECENCY_WEIGHT": "1.0"}),
    "N": ("as J, fresher news preferred more (recency weight 3, half-life 14 days)",
          {**J, "SEARCH__RECENCY_WEIGHT": "3.0", "SEARCH__RECENCY_HALF_LIFE_DAYS": "14"}),
    "O": ("as J, a question naming no time searches the last 14 days first (they fill half the passages)",
          {**J, "ANSWER__RECENT_FIRST_DAYS": "14"}),
    "P": ("as J, the best other sentence of each of the first 3 passages (the evidence curve's gain at +27 tokens)",
          {**J, "ANSWER__EVIDENCE_TOP_PASSAGES": "3"}),
    "Q": ("as J, chunks of 224 tokens (56 repeated) and the best sentences under 160 tokens, no cap (the chunk "
          "sizes' evidence curve: its best row under 160 tokens)",
          {**J, "CHUNK_TOKENS": "224", "CHUNK_OVERLAP_TOKENS": "56", "ANSWER__EVIDENCE_TOKENS": "160",
           "ANSWER__MAX_EVIDENCE_SENTENCES": "99", "ANSWER__EVIDENCE_MIN_RELATIVE_SCORE": "0",
           "ANSWER__EVIDENCE_TOP_PASSAGES": "0", "ANSWER__EVIDENCE_TOP_PASSAGE_FLOOR": "0"}),
    "A": ("the defaults before: 8 passages, best 4 sentences ≤ 220 tokens, floor 0.8, no time", OLD),
    "B": ("16 passages, sentences + passage rank ≤ 220 tokens, time preferred", NEW),
    "C": ("as B, ≤ 300 tokens", {**NEW, "ANSWER__EVIDENCE_TOKENS": "300"}),
    "D": ("as B, the prompt that says what this week means (prompts/answer_dated)", {**NEW, **DATED}),
    "F": ("0 with the prompt that says what this week means (prompts/answer_dated)",
          {**OLD, "ANSWER__TIME_WINDOW": "prefer", **DATED}),
    "G": ("as D, at most 5 sentences (the most that keeps the seed test: 8 of 9)",
          {**NEW, **DATED, "ANSWER__MAX_EVIDENCE_SENTENCES": "5"}),
    "H": ("as D, at most 5 sentences of one article (keeps the seed test; test weeks and latency: README)",
          H),
    "I": ("as H, under 150 tokens (for latency)", {**H, "ANSWER__EVIDENCE_TOKENS": "150"}),
    "E": ("as B, but the best 4 sentences within 0.8 of the best (A's cap and floor)",
          {**NEW, "ANSWER__MAX_EVIDENCE_SENTENCES": "4", "ANSWER__EVIDENCE_MIN_RELATIVE_SCORE": "0.8"}),
}


def run(name: str, settings: dict[str, str], limit: int, runs: Path, first: str, last: str) -> dict:
    """The variant's summary; a finished run folder is read, not run again (delete it to re-run)."""
    out = runs / (f"dev-{name}" if (first, last) == (DEV_FIRST, DEV_LAST) else f"dev-{first}-{last}-{name}")
    if (out / "summary.json").exists():
        return summary(out)
    print("running:", name, flush=True)
    return run_eval(out, str(RTQA_2025), "--from", first, "--to", last, "--limit", str(limit),
                    "--llm", "local", settings={f"NEWSQA_{key}": value for key, value in settings.items()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=80)
    parser.add_argument("--variants", nargs="+", default=["A", "B", "D"])
    parser.add_argument("--runs", type=Path, default=Path("eval-runs"))
    parser.add_argument("--from", dest="first", default=DEV_FIRST, help="dev weeks only, never the test weeks")
    parser.add_argument("--to", dest="last", default=DEV_LAST)
    parser.add_argument("--table", default="dev_tuning", help="bench/studies/results/TABLE.md")
    args = parser.parse_args()
    if args.last >= TEST_FIRST:
        parser.error(f"the test weeks (from {TEST_FIRST}) are never used for tuning")
    rows = []
    for name in args.variants:
        what, settings = VARIANTS[name]
        s = run(name, settings, args.limit, args.runs, args.first, args.last)
        rows.append([name, what, str(s["n"]), f"{s['em']:.3f}", f"{s['f1']:.3f}", f"{s['containment']:.3f}",
                     f"{s['answer_in_passages']:.3f}", f"{s['answer_in_evidence']:.3f}",
                     f"{s['evidence_tokens']:.0f}", f"{s['false_abstain']:.2f}",
                     f"{s.get('answered_precision') or 0:.2f}", f"{s['latency_p50_s']:.1f}"])
    rows = _merged(rows, args.table)
    write_table(args.table, f"Tuning on the dev weeks: RealTime QA 2025 {args.first} to {args.last}, "
                f"first {args.limit} questions, default local model",
                ["variant", "settings", "questions", "EM", "F1", "containment", "answer in passages",
                 "answer in evidence", "evidence tokens", "abstained (answerable)", "answers right",
                 "latency p50 s"], rows,
                ["Dev weeks only: the test weeks (2025-06-06 to 2025-06-27) are never used for tuning.",
                 "Latency here is not a result: other work shared the machine during these runs.",
                 f"Command: .venv/bin/python bench/studies/dev_tuning.py --limit {args.limit} "
                 + ("" if args.table == "dev_tuning" else f"--from {args.first} --to {args.last} --table {args.table} ")
                 + f"--variants {' '.join(row[0] for row in rows)} (each row as run by --variants NAME; rows of "
                 "variants not given are kept from the saved table)"])


def _merged(rows: list[list[str]], table: str) -> list[list[str]]:
    """This run's rows with the saved table's rows of the other variants, in VARIANTS order."""
    path = Path(__file__).resolve().parent / "results" / f"{table}.md"
    saved = {}
    if path.exists():
        for line in path.read_text().splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if line.startswith("| ") and cells[0] in VARIANTS:
                saved[cells[0]] = cells
    saved.update({row[0]: row for row in rows})
    return [saved[name] for name in VARIANTS if name in saved]


if __name__ == "__main__":
    main()
