"""The answers do not change with the engine: the test-week evaluation on Chroma and on Milvus.

Each engine gets its own evaluation index of the same corpus (built on first use and cached;
Milvus as a milvus-lite file), then the same `newsqa eval run` of RealTime QA 2025's test weeks
(plain variant, as of each question's date, the learned ranker, the default local model), same
build, one engine after the other. Prints a Markdown table and saves it to
bench/results/engine_parity.md. Not a test: about 15 minutes on 2 cores, most of it the model.

Run: .venv/bin/python bench/engine_parity.py [--from 2025-06-06 --to 2025-06-27] [--llm local] [--runs DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import RTQA_2025, run_eval, write_table  # noqa: E402
from bench.eval_realtimeqa import fmt, right_answers  # noqa: E402

ENGINES = ("chroma", "milvus")


def agreement(first: Path, second: Path) -> tuple[int, int, int]:
    """(questions given the same 8 passages on both engines, in any order; questions given the same
    answer text; questions)."""
    def read(run: Path) -> dict[str, dict]:
        rows = [json.loads(line) for line in (run / "results.jsonl").read_text().splitlines() if line.strip()]
        return {row["id"]: row.get("answer") or {} for row in rows}

    def passages(answer: dict) -> set[str]:
        return {r["chunk_id"] for r in answer.get("retrieved", [])}

    a, b = read(first), read(second)
    same_passages = sum(passages(a[q]) == passages(b.get(q, {})) for q in a)
    same_text = sum(a[q].get("answer") == b.get(q, {}).get("answer") for q in a)
    return same_passages, same_text, len(a)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="first", default="2025-06-06")
    parser.add_argument("--to", dest="last", default="2025-06-27")
    parser.add_argument("--llm", default="local")
    parser.add_argument("--runs", type=Path, default=Path("eval-runs/engines"))
    parser.add_argument("--beside", help="what else ran on the machine meanwhile (said in the table: its "
                        "latencies are then not comparable with other tables)")
    args = parser.parse_args()
    rows, outs = [], []
    for engine in ENGINES:
        out = args.runs / f"{args.first}-{args.last}-{engine}-{args.llm}"
        outs.append(out)
        s = run_eval(out, str(RTQA_2025), "--from", args.first, "--to", args.last, "--llm", args.llm, "--fresh",
                     settings={"NEWSQA_ENGINE": engine})
        stages = s["latency_by_stage"]
        rows.append([engine, str(s["n"]), fmt(s, "answer_in_passages"), fmt(s, "answer_in_evidence_with_titles"),
                     right_answers(s), f"{s['answered_precision']:.2f}" if s.get("answered_precision") else "–",
                     fmt(s, "f1"), fmt(s, "containment"), f"{stages['search']['p50'] * 1000:.0f}",
                     f"{s['latency_p50_s']:.1f}"])
        print(rows[-1], flush=True)
    same_passages, same_text, n = agreement(*outs)
    write_table(
        "engine_parity", "The answers on each engine: Chroma and Milvus, the same test weeks",
        ["engine", "questions", "answer in the 8 passages", "answer in evidence (with titles)", "right answers",
         "answered precision", "F1", "containment", "search p50 ms", "answer p50 s"],
        rows, [
            f"RealTime QA 2025 test weeks {args.first} to {args.last} (plain variant; never tuned or trained on), "
            f"`newsqa eval run --llm {args.llm}` with `engine` set to each, the learned ranker, same build, one run "
            "after the other.",
            "Chroma: embedded, with newsqa's BM25 index (tantivy) beside it. Milvus: a milvus-lite 2.5 file "
            "(pymilvus 2.6), BM25 by Milvus's full-text function over the words newsqa's own index reads (k1 1.2, "
            "b 0.75, as tantivy) and dense search inside it. Each engine's index is built from the same corpus by "
            "the same embedding model (its default backend).",
            f"Both engines gave the same 8 passages (in any order) for {same_passages} of {n} questions, and the "
            f"same answer text for {same_text}.",
            "95% bootstrap intervals in brackets. Search p50: the search stage alone (both legs, fusion, ranker).",
            *([f"Run beside {args.beside}: the latencies compare the two rows, not other tables."]
              if args.beside else []),
            f"Command: .venv/bin/python bench/engine_parity.py --from {args.first} --to {args.last} --llm {args.llm}"
            + (f" --beside '{args.beside}'" if args.beside else ""),
        ])


if __name__ == "__main__":
    main()
