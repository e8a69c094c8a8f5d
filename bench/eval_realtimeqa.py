"""RealTime QA evaluation table (not a test): newsqa beside the LangChain tutorial chain in two
rows (as the tutorial has it, and with the as_of date filter newsqa applies), each with the default
local model and with `none`, on the plain variant of the test weeks; newsqa also on the
none-of-the-above variant, each with the fused order (search.ranker "none") and with the learned
ranker ("learned"). A second table is the risk–coverage of each row with the local model.
Every run is a `newsqa eval run` (resumable: re-running continues unfinished runs). The
tutorial's answers go through newsqa's short-answer step before EM and F1.
Prints a Markdown table and saves it to bench/results/eval_realtimeqa.md.

The test weeks (2025-06-06 to 2025-06-27) are never used for tuning; the dev weeks
(2025-01-03 to 2025-02-21) are (bench/studies/dev_tuning.py, bench/studies/evidence_curve.py).

Run: .venv/bin/python bench/eval_realtimeqa.py [--from 2025-06-06 --to 2025-06-27] [--runs DIR]
     [--rankers none learned]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import RTQA_2025, run_eval, summary, write_table  # noqa: E402

PIPELINES = ("newsqa", "langchain-baseline", "langchain-baseline-as-of")
CONFIGS = [(pipeline, llm) for pipeline in PIPELINES for llm in ("local", "none")]
NOTA_CONFIGS = [("newsqa", "local"), ("newsqa", "none")]
COLUMNS = 16  # the main table's figures after variant, pipeline, ranker, LLM


def runs(variants: list[str], rankers: list[str]) -> list[tuple[str, str, str, str]]:
    """(variant, pipeline, ranker, llm) of every run; the ranker is newsqa's alone ("–" for the
    tutorial chain). newsqa's runs come first: they are the shortest."""
    planned = []
    for variant in variants:
        for pipeline, llm in CONFIGS if variant == "plain" else NOTA_CONFIGS:
            for ranker in rankers if pipeline == "newsqa" else ["–"]:
                planned.append((variant, pipeline, ranker, llm))
    return sorted(planned, key=lambda r: r[1] != "newsqa")


def right_answers(s: dict) -> str:
    """Answerable questions answered right, as a count of them."""
    share = s.get("answered_right")
    return "–" if share is None else f"{round(share * s['answerable'])} of {s['answerable']}"


def risk_coverage_row(variant: str, pipeline: str, ranker: str, s: dict) -> list[str]:
    rc = s["risk_coverage"]
    given = rc["curve"][-1] if rc["curve"] else {"answers": 0, "coverage": 0.0, "precision": 0.0}
    floor = rc["floor_at_target"]
    return [variant, pipeline, ranker, str(given["answers"]), f"{given['coverage']:.2f}",
            f"{given['precision']:.2f}", f"{rc['area']:.3f}", f"{rc['coverage_at_target']:.2f}",
            "–" if floor is None else f"{floor:.2f}"]


def fmt(summary: dict, key: str) -> str:
    value = summary.get(key)
    if value is None:
        return "–"
    interval = summary["intervals"].get(key)
    return f"{value:.2f} ({interval[0]:.2f}–{interval[1]:.2f})" if interval else f"{value:.2f}"


def with_titles(summary: dict) -> list[str]:
    """Answer in evidence and its tokens counting the titles the model read above the lines."""
    tokens = summary.get("evidence_tokens_with_titles")
    return [fmt(summary, "answer_in_evidence_with_titles"), "–" if tokens is None else f"{tokens:.0f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="first", default="2025-06-06")
    parser.add_argument("--to", dest="last", default="2025-06-27")
    parser.add_argument("--runs", type=Path, default=Path("eval-runs"))
    parser.add_argument("--variants", nargs="+", default=["plain", "nota"])
    parser.add_argument("--configs", nargs="+", metavar="PIPELINE:LLM",
                        help="only these runs, e.g. newsqa:local langchain-baseline:local")
    parser.add_argument("--rankers", nargs="+", default=["none", "learned"], choices=["none", "learned"],
                        help="newsqa's search.ranker in its rows")
    parser.add_argument("--note", action="append", default=[],
                        help="a line added to the table's notes (what the run cannot say for itself)")
    parser.add_argument("--table-only", action="store_true",
                        help="tabulate the finished runs, run nothing (a missing run is listed as not run)")
    args = parser.parse_args()
    rows, curves = {}, {}
    for variant, pipeline, ranker, llm in runs(args.variants, args.rankers):
        if args.configs and f"{pipeline}:{llm}" not in args.configs:
            continue
        learned = "-learned" if ranker == "learned" else ""
        out = args.runs / f"rtqa-{args.first}-{args.last}-{variant}-{pipeline}{learned}-{llm}"
        # the table's order: variant, pipeline, the fused order before the learned one, local first
        key = (variant, PIPELINES.index(pipeline), ("none", "learned", "–").index(ranker), llm != "local")
        if args.table_only and not (out / "summary.json").exists():
            rows[key] = [variant, pipeline, ranker, llm, "not run"] + [""] * (COLUMNS - 1)
            continue
        command = [str(RTQA_2025), "--from", args.first, "--to", args.last, "--pipeline", pipeline, "--llm", llm]
        if variant == "nota":
            command.append("--nota")
        if args.table_only:
            s = summary(out)
        else:
            print("running:", out.name, flush=True)
            # the ranker named, whatever the default: each row is the order it says
            s = run_eval(out, *command, settings={"NEWSQA_SEARCH__RANKER": ranker} if pipeline == "newsqa" else None)
        if llm == "local":
            curves[key] = risk_coverage_row(variant, pipeline, ranker, s)
        rows[key] = [variant, pipeline, ranker, llm, str(s["n"]), fmt(s, "em"), fmt(s, "f1"), fmt(s, "containment"),
                         fmt(s, "answer_in_passages"), fmt(s, "answer_in_evidence"), f"{s['evidence_tokens']:.0f}",
                         *with_titles(s),
                         fmt(s, "abstained_unanswerable"), fmt(s, "false_abstain"), fmt(s, "answered_precision"),
                         right_answers(s),
                         fmt(s, "citation_recall"), fmt(s, "citation_precision"),
                         f"{s['latency_p50_s']:.1f} / {s['latency_p95_s']:.1f}"]
    write_table(
        "eval_realtimeqa",
        f"RealTime QA 2025, weeks {args.first} to {args.last}: newsqa vs the LangChain tutorial chain",
        ["variant", "pipeline", "ranker", "LLM", "questions", "EM", "F1", "containment", "answer in passages",
         "answer in evidence", "evidence tokens", "answer in evidence with titles", "evidence tokens with titles",
         "abstained (unanswerable)", "abstained (answerable)",
         "answers right", "right answers", "citation recall", "citation precision", "latency p50 / p95 s"],
        [rows[k] for k in sorted(rows)],
        ["Test weeks: never used for tuning (nor for training the learned ranker). Means with 95% bootstrap "
         "intervals. EM and F1: the short answer (for the tutorial chain: newsqa's short-answer step on its "
         "first sentence) against the right choice's "
         "text, normalised as RealTime QA does; containment: the right choice's text in the full answer.",
         "langchain-baseline: the tutorial as it is (no date filter); langchain-baseline-as-of: the same chain "
         "searching only articles published by the question's date, as newsqa does. For the tutorial chain "
         "the passages are the evidence. Answers right: of the answers given (not \"I don't know\"), those "
         "that contain the right choice, match it, or reach F1 0.5; right answers: answerable questions so "
         "answered, as a count.",
         "With titles: the evidence lines and the titles the model read above them (newsqa shows each "
         "source's title, outlet and date; the outlet and date are not counted). The tutorial chain's prompt "
         "shows the chunks alone, so its figures are its evidence figures.",
         "nota: questions whose right choice was replaced by \"None of the above\" are unanswerable, and the "
         "articles found for them only are left out of the corpus (evals/dataset.py).",
         "Citations judged by the offline overlap judge (evals/judge.py); the tutorial chain cites nothing, so "
         "its citation scores are 0 by the ALCE definition.",
         "ranker: newsqa's search.ranker, none = the fused order, learned = the ranker in index/models/ (the "
         "default; trained on the dev weeks, bench/results/ranker_retrieval.md).",
         "LLM local = Qwen2.5-Coder-1.5B-Instruct Q4_K_M on 2 CPU threads; none = no LLM (extractive).",
         *args.note,
         f"Command: .venv/bin/python bench/eval_realtimeqa.py --from {args.first} --to {args.last}"],
    )
    write_table(
        "eval_realtimeqa_risk_coverage",
        f"Risk–coverage, RealTime QA 2025, weeks {args.first} to {args.last}, local model",
        ["variant", "pipeline", "ranker", "answers given", "coverage", "precision", "area",
         "coverage at precision 0.70", "confidence floor there"],
        [curves[k] for k in sorted(curves)],
        ["Answers ranked by confidence: the question's closeness (cosine) to its best evidence sentence, "
         "Answer.relevance for newsqa, the same measure over the tutorial chain's 4 chunks. Raising "
         "newsqa's answer.min_relevance to a floor keeps the answers above it: each row's curve is in its "
         "run's report.html and summary.md.",
         "Coverage: answerable questions answered; precision: answers given that are right. The "
         "first two figures are those of every answer given.",
         "Area: precision integrated over coverage, from 0 to the coverage of every answer given "
         "(higher is better; at most that coverage).",
         "Coverage at precision 0.70: the widest point of the curve whose answers are right at least "
         "0.70 of the time, with the confidence floor that gives it (0: no floor reaches it).",
         "Same runs as bench/results/eval_realtimeqa.md.",
         f"Command: .venv/bin/python bench/eval_realtimeqa.py --from {args.first} --to {args.last}"],
    )


if __name__ == "__main__":
    main()
