"""What the embedding backends cost in what reaches the model (not a test): each week range runs
through `newsqa eval run --retrieval-only` (the whole answer path without the LLM, learned ranker
on) with the passages and the questions embedded by sentence-transformers on torch, by ONNX
Runtime in float32 (the default since this study), and by ONNX Runtime with int8 weights; and once with int8 passages
asked with torch questions, as after a bulk backfill on the fast path read by a default server.
Each backend builds its own cached index of the same corpus. The speed is bench/ingest_bench.py's.

Weeks: the dev weeks (the issue asks for the options measured there). Prints a Markdown table and
saves it to bench/studies/results/embedding_backends.md.

Run: .venv/bin/python bench/studies/embedding_backends.py [--weeks FIRST:LAST ...] [--runs DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import RTQA_2025, per_question, run_eval, write_table  # noqa: E402

WEEKS = ["2025-01-03:2025-02-21"]
ARMS = {"torch": "torch (sentence-transformers)", "onnx": "ONNX Runtime, float32",
        "onnx-int8": "ONNX Runtime, int8 weights", "mixed": "int8 passages, torch questions"}
METRICS = [("answer_in_passages", "answer in the 8 passages"),
           ("answer_in_evidence_with_titles", "in evidence with titles"), ("hit_at_k", "gold snippet in the passages")]


def mixed_child(argv: list[str]) -> None:
    """`newsqa ARGV` on torch, over the index the int8 backend built."""
    from newsqa.cli import main
    from newsqa.evals import pipelines

    own = pipelines.cache_folder

    def int8_index(root, kind, eval_set, settings):
        return own(root, kind, eval_set, settings.model_copy(update={"embedding_backend": "onnx-int8"}))

    pipelines.cache_folder = int8_index
    sys.argv = ["newsqa", *argv]
    main()


def main() -> None:
    if sys.argv[1:2] == ["--mixed-child"]:
        return mixed_child(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weeks", nargs="+", default=WEEKS)
    parser.add_argument("--runs", type=Path, default=Path("eval-runs/embedding"))
    args = parser.parse_args()
    rows = []
    for weeks in args.weeks:
        first, last = weeks.split(":")
        common = [str(RTQA_2025), "--from", first, "--to", last, "--retrieval-only", "--fresh"]
        outs = {arm: args.runs / f"{first}-{last}-{arm}" for arm in ARMS}
        found = {}
        for arm in ARMS:  # int8 before mixed: mixed reads the index int8 built
            # float32 ONNX shares torch's cached index in the harness (the same vectors): here it
            # builds its own, in a data directory of its own
            own = {"NEWSQA_HOME": str(args.runs / "onnx-home")} if arm == "onnx" else {}
            found[arm] = (run_eval(outs[arm], *common, settings={"NEWSQA_EMBEDDING_BACKEND": "torch"},
                                   via=[sys.executable, __file__, "--mixed-child"]) if arm == "mixed"
                          else run_eval(outs[arm], *common, settings={"NEWSQA_EMBEDDING_BACKEND": arm, **own}))
        reference = per_question(outs["torch"], "answer_in_passages")
        for arm, name in ARMS.items():
            s = found[arm]
            now = per_question(outs[arm], "answer_in_passages")
            gained = sum(1 for q in now if now[q] and not reference.get(q))
            lost = sum(1 for q in reference if reference[q] and not now.get(q))
            rows.append([f"{first} to {last} ({s['n']} questions)", name, *(f"{s[key]:.3f}" for key, _ in METRICS),
                         f"{gained} / {lost}" if arm != "torch" else ""])
            print(rows[-1], flush=True)
    write_table("embedding_backends", "The embedding backends: what reaches the model",
                ["weeks", "passages and questions embedded by", *(label for _, label in METRICS),
                 "answer in the 8 passages vs torch: questions gained / lost"], rows, [
                    "Each row a `newsqa eval run --retrieval-only` of RealTime QA 2025 dev weeks (plain variant) with "
                    "the learned ranker, as of each question's date; each backend over an index it built itself "
                    "(the mixed row over the int8 one).",
                    "int8: dynamic quantization of the weights, one scale per output channel (onnxruntime); float32: "
                    "the same export unquantized.",
                    f"Command: .venv/bin/python bench/studies/embedding_backends.py --weeks {' '.join(args.weeks)}",
                ])


if __name__ == "__main__":
    main()
