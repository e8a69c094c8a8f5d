"""EM and F1 of finished evaluation runs with today's short-answer step (not a test).

The short answer (the phrase EM and F1 score) is derived when a run is made; when the step
changes, runs made before it score the same answers differently. This re-derives it from each
stored answer as the run's pipeline does (newsqa: from the checked answer's first sentence; the
tutorial chain: from its first sentence) and prints EM and F1 over the answerable questions beside
the stored ones. It reads results only: no model is asked.

Run: .venv/bin/python bench/studies/rescore_short_answers.py eval-runs/RUN [eval-runs/RUN ...]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from newsqa.bot.short_answer import answer_phrase  # noqa: E402
from newsqa.bot.verify import parse_claims  # noqa: E402
from newsqa.evals.metrics import exact_match, token_f1  # noqa: E402
from newsqa.evals.pipelines import first_sentence  # noqa: E402


def short_answer_source(answer: dict) -> str:
    """The sentence the run's pipeline takes the short answer from."""
    text = answer["answer"]
    if answer.get("citations"):  # newsqa's checked answer: its first claim without markers
        claims = parse_claims(text)
        return claims[0].text.rstrip(".!? ") if claims else text
    return first_sentence(text)  # the tutorial chain's


def rescore(run: Path) -> tuple[float, float, float, float]:
    """(stored EM, stored F1, EM now, F1 now) over the run's answerable questions."""
    stored_em, stored_f1, em, f1 = [], [], [], []
    for line in (run / "results.jsonl").read_text().splitlines():
        row = json.loads(line)
        if not row["gold"]["answerable"]:
            continue
        answers, answer = row["gold"]["answers"], row["answer"]
        stored_em.append(row["metrics"]["em"])
        stored_f1.append(row["metrics"]["f1"])
        short = "" if answer["abstained"] else answer_phrase(row["question"], short_answer_source(answer))
        em.append(exact_match(short, answers) if short else 0.0)
        f1.append(token_f1(short, answers) if short else 0.0)
    return tuple(round(statistics.mean(v), 3) for v in (stored_em, stored_f1, em, f1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", type=Path)
    args = parser.parse_args()
    print("| run | EM stored | F1 stored | EM now | F1 now |")
    print("|---|---|---|---|---|")
    for run in args.runs:
        print(f"| {run.name} | " + " | ".join(f"{v:.3f}" for v in rescore(run)) + " |")


if __name__ == "__main__":
    main()
