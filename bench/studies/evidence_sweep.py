"""Evidence budget sweep (not a test): how much of the retrieved text must the LLM read for the
answer to be in it? Each variant is a retrieval-only `newsqa eval` over the same cached index
(no LLM), scored by answer-in-evidence and the evidence size; `--llm local` also runs the chosen
variants end to end to see what the answers and the latency make of it.
Prints a Markdown table and saves it to bench/studies/results/evidence_sweep.md.

Run: .venv/bin/python bench/studies/evidence_sweep.py [--from 2025-01-03 --to 2025-01-24] [--llm local]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import RTQA_2025, run_eval, write_table  # noqa: E402

# (evidence tokens, sentences at most, relative score floor)
VARIANTS = [(220, 4, 0.8), (220, 4, 0.6), (300, 6, 0.8), (300, 6, 0.7), (400, 8, 0.7), (400, 8, 0.0),
            (800, 16, 0.0)]


def run(args, variant: tuple[int, int, float], llm: str | None) -> dict:
    tokens, sentences, floor = variant
    out = args.runs / f"evidence-{tokens}-{sentences}-{floor}-{llm or 'retrieval'}"
    settings = {"NEWSQA_ANSWER__EVIDENCE_TOKENS": str(tokens), "NEWSQA_ANSWER__MAX_EVIDENCE_SENTENCES": str(sentences),
                "NEWSQA_ANSWER__EVIDENCE_MIN_RELATIVE_SCORE": str(floor)}
    return run_eval(out, str(RTQA_2025), "--from", args.first, "--to", args.last,
                    *(["--llm", llm] if llm else ["--retrieval-only"]), settings=settings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="first", default="2025-01-03")
    parser.add_argument("--to", dest="last", default="2025-01-24")
    parser.add_argument("--runs", type=Path, default=Path("eval-runs"))
    parser.add_argument("--llm", help="also answer with this LLM for the variants in --end-to-end")
    parser.add_argument("--end-to-end", nargs="*", type=int, default=[0, 2, 4],
                        help="indexes into the variant list run with --llm")
    args = parser.parse_args()
    rows = []
    for i, variant in enumerate(VARIANTS):
        s = run(args, variant, None)
        row = [str(variant[0]), str(variant[1]), f"{variant[2]:.1f}", f"{s['evidence_tokens']:.0f}",
               f"{s['answer_in_evidence']:.3f}", "", "", "", ""]
        if args.llm and i in args.end_to_end:
            e = run(args, variant, args.llm)
            row[5:] = [f"{e['f1']:.3f}", f"{e['containment']:.3f}", f"{e['false_abstain']:.2f}",
                       f"{e['latency_p50_s']:.1f} / {e['latency_p95_s']:.1f}"]
        rows.append(row)
    write_table("evidence_sweep", f"Evidence budget sweep, RealTime QA 2025 weeks {args.first} to {args.last}",
                ["token budget", "sentences at most", "relative floor", "evidence tokens (mean)",
                 "answer in evidence", f"F1 ({args.llm or '–'})", "containment", "abstained (answerable)",
                 "latency p50 / p95 s"], rows,
                ["Answer in evidence: the right choice's text appears in the evidence sentences given to the LLM.",
                 "Relative floor: sentences scoring below this share of the best one are left out.",
                 f"Command: .venv/bin/python bench/studies/evidence_sweep.py --from {args.first} --to {args.last}"
                 + (f" --llm {args.llm}" if args.llm else "")])


if __name__ == "__main__":
    main()
