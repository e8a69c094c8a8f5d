"""Agreement of the citation judges with hand labels (not a test).

`evals/labels/citation_support.jsonl` holds hand-labelled cases: an answer sentence (a claim that
a pipeline produced), the evidence its citation pointed to — given as article ids and character
offsets into the corpus files under ../shared/data, never as copied text — and the label a person
gave: does that evidence support the sentence? This script rebuilds each premise from the corpus,
runs the judges, and reports agreement (accuracy, Cohen's kappa, confusion) beside the hand labels.

Run: .venv/bin/python bench/judge_agreement.py [--judges overlap llm:local]
Sampling new cases from run folders (labels left empty, to be filled by hand):
     .venv/bin/python bench/judge_agreement.py --sample 60 --from-runs eval-runs/RUN ...
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import DATA, write_table  # noqa: E402

LABELS = Path(__file__).resolve().parents[1] / "evals" / "labels" / "citation_support.jsonl"


def corpus_texts(files: set[str]) -> dict[str, str]:
    from newsqa.index import Article, IndexSettings, load

    return {a.id: a.text for a in load([str(DATA / f) for f in sorted(files)], IndexSettings().fetch)
            if isinstance(a, Article)}


def premise(case: dict, texts: dict[str, str]) -> str:
    return " ".join(texts[r["article_id"]][r["start"]:r["end"]] for r in case["premise"])


def questions_of(cases: list[dict]) -> dict[str, str]:
    """Question id → the RealTime QA question the labelled sentences answered (ids are
    "WEEK_NUMBER"), each week's file read once."""
    out: dict[str, str] = {}
    for week in sorted({c["question_id"].split("_")[0] for c in cases}):
        for line in (DATA / "realtimeqa" / "2025" / f"{week}_qa.jsonl").read_text().splitlines():
            if line.strip():
                q = json.loads(line)
                out[q["question_id"]] = q["question_sentence"]
    return out


def checked_today(cases: list[dict], texts: dict[str, str]) -> list[bool]:
    """Whether today's check (`newsqa check`, the rule `ask` runs) keeps each labelled sentence,
    given its question and the evidence lines its citation pointed to (without their headline,
    which the labels do not record)."""
    from newsqa import AnswerChecker, Settings

    checker = AnswerChecker(Settings())
    questions = questions_of(cases)
    out = []
    for case in cases:
        result = checker.check({"id": case["question_id"], "question": questions.get(case["question_id"], ""),
                                "answer": f"{case['claim']} [1]", "sources": [{"n": 1, "text": premise(case, texts)}]})
        out.append(bool(result.sentences and result.sentences[0].supported))
    return out


def sample(runs: list[Path], n: int, seed: int = 0) -> list[dict]:
    """Claims from run folders with the evidence of what they cite: kept sentences, and sentences
    the citation check removed (to have both kinds)."""
    from newsqa.bot.verify import parse_claims

    cases = []
    for run in runs:
        meta = json.loads((run / "run.json").read_text())["identity"]
        for line in (run / "results.jsonl").read_text().splitlines():
            row = json.loads(line)
            answer = row.get("answer")
            if not answer:
                continue
            lines = answer["evidence"]
            by_article = {c["n"]: c["article_id"] for c in answer["citations"]}
            for claim in [] if answer["abstained"] else parse_claims(answer["answer"]):
                articles = [by_article[n] for n in claim.cited if n in by_article]
                if articles:
                    cases.append(_case(meta, row["id"], claim.text, articles, lines, "kept"))
            for flag in answer.get("flags", []):
                if flag["kind"] != "unsupported":
                    continue
                labels = [int(x) for x in flag["detail"].replace("[", " ").replace("]", " ").replace(",", " ").split()
                          if x.isdigit()]
                articles = list(dict.fromkeys(e["article_id"] for e in lines if e["label"] in labels))
                if articles:
                    cases.append(_case(meta, row["id"], flag["sentence"], articles, lines, "removed"))
    random.Random(seed).shuffle(cases)
    return cases[:n]


def _case(meta: dict, question_id: str, claim: str, articles: list[str], lines: list[dict], kind: str) -> dict:
    refs = [{"article_id": e["article_id"], "start": e["start"], "end": e["end"]}
            for e in lines if e["article_id"] in articles]
    return {"run": f"{meta['set']}/{meta['pipeline']}/{meta['llm']}", "question_id": question_id,
            "claim": claim, "premise": refs, "check": kind, "label": None}


def kappa(a: list[bool], b: list[bool]) -> float:
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b)) / n
    pa, pb = sum(a) / n, sum(b) / n
    expected = pa * pb + (1 - pa) * (1 - pb)
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--judges", nargs="+", default=["overlap"])
    parser.add_argument("--sample", type=int)
    parser.add_argument("--per-kind", type=int, default=20, help="adversarial claims of each kind")
    parser.add_argument("--table", default="judge_agreement", help="name of the table in bench/results")
    parser.add_argument("--from-runs", nargs="+", type=Path, default=[])
    parser.add_argument("--corpus", nargs="+", default=[],
                        help="corpus files (relative to ../shared/data) for sampling")
    args = parser.parse_args()
    if args.sample:
        cases = sample(args.from_runs, args.sample)
        for case in cases:
            case["corpus"] = args.corpus
        LABELS.parent.mkdir(parents=True, exist_ok=True)
        LABELS.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases))
        print(f"wrote {len(cases)} cases to {LABELS}; label them by hand")
        return
    from newsqa.evals.judge import make_judge

    cases = [json.loads(line) for line in LABELS.read_text().splitlines()]
    cases = [c for c in cases if c["label"] is not None]
    texts = corpus_texts({f for c in cases for f in c["corpus"]})
    gold = [bool(c["label"]) for c in cases]
    rows = []
    verdicts = {spec: (lambda j: [j(premise(c, texts), c["claim"]) for c in cases])(make_judge(spec))
                for spec in args.judges}
    # For reference: newsqa's own citation check, which kept or removed each sentence when the run
    # was made, and today's, with the question.
    verdicts["newsqa citation check (kept = supported)"] = [c["check"] == "kept" for c in cases]
    verdicts["newsqa check today, with the question"] = checked_today(cases, texts)
    for spec in args.judges:  # the check followed by a judge: what a second, stricter check would keep
        if spec != "overlap":
            checked = verdicts["newsqa citation check (kept = supported)"]
            verdicts[f"newsqa citation check, then {spec}"] = [
                kept and said for kept, said in zip(checked, verdicts[spec])]
    for spec, said in verdicts.items():
        rows.append(_agreement_row(f"{spec} · hand labels", gold, said))
    # The adversarial set of bench/claim_set.py (test weeks): supported = a true or paraphrased claim.
    from bench.claim_check import TEST_WEEKS
    from bench.claim_set import CORRUPTIONS
    from bench.claim_set import cases as claim_cases
    from bench.common import RTQA_2025

    adversarial = list(claim_cases(RTQA_2025, TEST_WEEKS, args.per_kind))
    truth = [c.kind not in CORRUPTIONS for c in adversarial]
    for spec in args.judges:
        judge = make_judge(spec)
        rows.append(_agreement_row(f"{spec} · adversarial set", truth, [judge(c.source, c.claim) for c in adversarial]))
    write_table(args.table, "Citation judges against hand labels and the adversarial claim set",
                ["judge · cases", "cases", "accuracy", "Cohen's kappa", "both support", "both not",
                 "judge yes / truth no", "judge no / truth yes"], rows,
                [f"Hand labels: {sum(gold)} supported, {len(gold) - sum(gold)} not ({LABELS.name}); cases are "
                 "answer sentences of newsqa runs (kept by the citation check, and removed by it) with the "
                 "evidence their citations pointed to (first dev weeks 2025-01-03 to 01-24).",
                 "newsqa citation check (kept = supported): the verdict recorded when the run was made, by that "
                 "day's check; newsqa check today: the check `ask` runs now, given the question and the cited "
                 "lines (not their headline, which the labels do not record).",
                 f"Adversarial set: bench/claim_set.py on RealTime QA 2025 weeks {TEST_WEEKS[0]}–{TEST_WEEKS[-1]}, "
                 f"{args.per_kind} claims a kind: true and paraphrased claims are supported, corruptions not.",
                 "Command: .venv/bin/python bench/judge_agreement.py --judges " + " ".join(args.judges)
                 + f" --per-kind {args.per_kind} --table {args.table}"])


def _agreement_row(name: str, gold: list[bool], said: list[bool]) -> list[str]:
    tp = sum(g and s for g, s in zip(gold, said))
    tn = sum(not g and not s for g, s in zip(gold, said))
    fp = sum(not g and s for g, s in zip(gold, said))
    fn = sum(g and not s for g, s in zip(gold, said))
    return [name, str(len(gold)), f"{(tp + tn) / len(gold):.2f}", f"{kappa(gold, said):.2f}",
            str(tp), str(tn), str(fp), str(fn)]


if __name__ == "__main__":
    main()
