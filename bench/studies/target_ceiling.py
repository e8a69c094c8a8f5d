"""What issue 13's targets ask of the search, against what evaluation runs show it finds (not a
test).

For each run given (a `newsqa eval run` folder), over its answerable questions: how often the
search's passages hold the right choice's text, how often the evidence the model read holds it,
and how often the model's answer is right where the evidence holds it and where it does not. From
those, two bounds that need no new run:
- containment if the evidence held every answer the passages hold and the model read it as well
  as it reads its evidence now (answer in passages × right where the evidence holds it);
- the answer-in-evidence rate containment 0.35 would need at today's reading (0.35 ÷ right where
  the evidence holds it).
For a none-of-the-above run also: the answerable questions answered right that "wrongly refused
≤ 0.30" needs at the run's own answered precision (0.70 × that precision; 0.70 × 0.70 = 0.49 at
issue 14's precision).

Prints Markdown tables and saves them to bench/studies/results/target_ceiling.md (and, for
none-of-the-above runs, target_ceiling_refusals.md).

Run: .venv/bin/python bench/studies/target_ceiling.py eval-runs/RUN [eval-runs/RUN ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import write_table  # noqa: E402

CONTAINMENT_TARGET = 0.35
MAX_WRONGLY_REFUSED = 0.30
PRECISION_TARGET = 0.70  # answered precision, issue 14's target


def answerable_rows(run: Path) -> list[dict]:
    rows = [json.loads(line) for line in (run / "results.jsonl").read_text().splitlines() if line.strip()]
    return [r for r in rows if r["gold"]["answerable"]]


def share(part: int, whole: int) -> str:
    return f"{part / whole:.2f}" if whole else "–"


def metric(row: dict, key: str) -> bool:
    return bool(row["metrics"].get(key))


def ceiling_row(run: Path) -> list[str]:
    rows = answerable_rows(run)
    in_passages = sum(metric(r, "answer_in_passages") for r in rows)
    held = [r for r in rows if metric(r, "answer_in_evidence")]
    right_held = sum(metric(r, "answered_right") for r in held)
    right_elsewhere = sum(metric(r, "answered_right") for r in rows if not metric(r, "answer_in_evidence"))
    contained = sum(metric(r, "containment") for r in rows)
    reading = right_held / len(held) if held else 0.0
    needed = f"{CONTAINMENT_TARGET / reading:.2f}" if reading else "–"
    return [run.name, str(len(rows)), share(in_passages, len(rows)), share(len(held), len(rows)),
            f"{right_held} of {len(held)} ({reading:.2f})", str(right_elsewhere), share(contained, len(rows)),
            f"{in_passages / len(rows) * reading:.2f}", needed]


def refusal_row(run: Path) -> list[str] | None:
    """For a none-of-the-above run: refusals and answers right now, and the right answers the
    refusal target needs at the run's precision."""
    if "-nota-" not in run.name:
        return None
    rows = answerable_rows(run)
    refused = sum(bool(r["answer"]["abstained"]) for r in rows)
    answered = [r for r in rows if not r["answer"]["abstained"]]
    right = sum(metric(r, "answered_right") for r in answered)
    precision = right / len(answered) if answered else 0.0
    needed = (1 - MAX_WRONGLY_REFUSED) * precision
    return [run.name, str(len(rows)), share(refused, len(rows)), f"{right} of {len(answered)} ({precision:.2f})",
            share(right, len(rows)), f"{needed:.2f}", f"{(1 - MAX_WRONGLY_REFUSED) * PRECISION_TARGET:.2f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", type=Path, nargs="+")
    args = parser.parse_args()
    header = ["run", "answerable", "answer in passages", "answer in evidence", "right where the evidence holds it",
              "right elsewhere", "containment", "containment with every found answer in the evidence",
              f"answer in evidence containment {CONTAINMENT_TARGET} needs"]
    rows = [ceiling_row(run) for run in args.runs]
    refusals = [row for run in args.runs if (row := refusal_row(run))]
    notes = [
        "Right: containment, EM or F1 ≥ 0.5 against the right choice (the evaluation's answered_right).",
        "Containment with every found answer in the evidence: answer in passages × right where the evidence "
        "holds it, a bound on what better evidence choice alone can give with this search and reader.",
        "Where the answer sits deeper in the search: bench/studies/results/search_depth.md.",
    ]
    command = "Command: .venv/bin/python bench/studies/target_ceiling.py " + " ".join(str(r) for r in args.runs)
    write_table("target_ceiling", "What the containment target asks, against what the runs find",
                header, rows, notes + [command])
    if refusals:
        write_table("target_ceiling_refusals", "What the none-of-the-above refusal target asks",
                    ["run", "answerable", "wrongly refused", "answers to answerable questions right",
                     "answerable answered right",
                     f"answerable answered right that wrongly refused ≤ {MAX_WRONGLY_REFUSED} needs at the run's "
                     "precision", f"the same at answered precision {PRECISION_TARGET:.2f}"],
                    refusals, [notes[0], command])


if __name__ == "__main__":
    main()
