"""How well the note "it may report an earlier event" separates wrong answers from right ones (not a test).

An answer whose every cited article predates the time its question names ("this week") carries a
note saying so (bot/ask.py, `older_than_asked`). This reads finished evaluation runs and, for the
answers given, recomputes that note from each stored answer (its citations' dates and the window
its question named) and prints how many carry it and what share of each group is right (the
evaluation's answered precision: containment, EM or F1 >= 0.5); then the same for all answers by
the age of their newest cited article on the question's date. No model is asked, so runs made
before the note are read the same way.

Run: .venv/bin/python bench/studies/older_source_note.py eval-runs/RUN [eval-runs/RUN ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from newsqa.bot.answer import Answer  # noqa: E402
from newsqa.bot.ask import older_than_asked  # noqa: E402

AGES = (("≤ 14 days", 14), ("15–365 days", 365), ("> 1 year", 10**6))  # name, most days old


def split(run: Path) -> dict[str, list[float]]:
    """Right (1.0) or wrong (0.0) for each answer given, by whether the note is on it and by the
    age of its newest cited article."""
    groups: dict[str, list[float]] = {"note": [], "no note": [], "no time named": [], **{a[0]: [] for a in AGES}}
    for line in (run / "results.jsonl").read_text().splitlines():
        row = json.loads(line)
        right = row["metrics"].get("answered_precision")
        if right is None:  # abstained
            continue
        answer = Answer.model_validate(row["answer"])
        if answer.time_window is None or answer.time_window.since is None:
            groups["no time named"].append(right)
        else:
            groups["note" if older_than_asked(answer, answer.time_window) else "no note"].append(right)
        dated = [c.published for c in answer.citations if c.published]
        if dated:
            age = (datetime.fromisoformat(row["as_of"]) - max(dated)).days
            groups[next(name for name, most in AGES if age <= most)].append(right)
    return groups


def cell(values: list[float]) -> str:
    return f"{len(values)}, {sum(values) / len(values):.2f} ({int(sum(values))})" if values else "0"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", type=Path)
    args = parser.parse_args()
    columns = ["note", "no note", "no time named", *(a[0] for a in AGES)]
    print("| run: answers given, right share (right) | with the note | time named, no note | no time named | "
          + " | ".join(f"newest source {a[0]} old" for a in AGES) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for run in args.runs:
        groups = split(run)
        print(f"| {run.name} | " + " | ".join(cell(groups[c]) for c in columns) + " |")


if __name__ == "__main__":
    main()
