"""The citation check replayed on an evaluation run's drafts: the word check alone beside the word
check with the claim rules (bot/claims.py), on the very same model outputs (not a test).

For each question the run generated an answer for, the model's draft is checked again against the
evidence it was written from, once with `check.strict = false` and once with it on. Reports
answered precision (answers given that are right: containment, EM or F1 >= 0.5 against the right
choice; an answer to an unanswerable question is wrong), answered right (answerable questions
answered right) and answers given; prints a Markdown table and saves it to
bench/results/check_replay.md.

Run: .venv/bin/python bench/check_replay.py eval-runs/RUN [eval-runs/RUN ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.calibrate import evidence_of  # noqa: E402
from bench.common import write_table  # noqa: E402


def replay(run: Path, settings: dict, embedder) -> dict[str, float]:
    from newsqa.bot.verify import CheckSettings, CitationChecker
    from newsqa.evals.metrics import contains_answer, exact_match, token_f1

    checker = CitationChecker(embedder, CheckSettings(**settings))
    given = right = answerable = 0
    for line in (run / "results.jsonl").read_text().splitlines():
        row = json.loads(line)
        answer, gold = row.get("answer"), row["gold"]
        if answer is None:
            continue
        answerable += gold["answerable"]
        if not answer.get("draft"):  # abstained before the model was asked: the same either way
            continue
        verified = checker.check(answer["draft"], evidence_of(answer["evidence"]), answer["standalone_question"])
        if verified.abstained:
            continue
        given += 1
        answers = gold["answers"]
        right += gold["answerable"] and bool(contains_answer(verified.answer, answers)
                                             or exact_match(verified.short_answer, answers)
                                             or token_f1(verified.short_answer, answers) >= 0.5)
    return {"given": given, "right": right, "answerable": answerable}


VARIANTS = (
    ({"strict": False}, "word check alone"),
    ({"strict": True}, "word check + claim rules"),
    ({"strict": True, "answer_words_in": "sentence"}, "+ the answer's words in the claim's sentence"),
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("runs", nargs="+", type=Path)
    args = parser.parse_args()
    from newsqa.index.embeddings import Embedder

    embedder = Embedder("all-MiniLM-L6-v2")
    rows = []
    for run in args.runs:
        for settings, name in VARIANTS:
            r = replay(run, settings, embedder)
            precision = r["right"] / r["given"] if r["given"] else 0.0
            rows.append([run.name, name, str(r["given"]), f"{precision:.2f} ({r['right']}/{r['given']})",
                         f"{r['right'] / max(r['answerable'], 1):.2f} ({r['right']}/{r['answerable']})"])
    write_table("check_replay", "The citation check replayed on evaluation drafts (default local model)",
                ["run", "check", "answers given", "answered precision", "answered right (of answerable)"], rows,
                ["Same drafts, same evidence: only the check differs. Right: containment, EM or F1 >= 0.5 "
                 "against the right choice (RealTime QA's own normalisation).",
                 "Command: .venv/bin/python bench/check_replay.py " + " ".join(str(r) for r in args.runs)])


if __name__ == "__main__":
    main()
