"""Scale benchmark (not a test): newsqa's index at 100,000 and 1,000,000 passages on each engine.

For each engine the index grows to each size in turn (bench/scale_worker.py grow, its own process),
and at each size a new reader process loads the embedding model, opens the index and searches
(scale_worker.py read): how long until its first search is answered, search latency p50/p95 without
filters and with the filters a question usually has (as_of and one outlet), its resident memory
(and that of milvus-lite's engine process beside it), and the data directory's size on disk.
Passages: real 2025 texts repeated with new ids and dates; stored vectors random (see
scale_worker.py). Prints a Markdown table and saves it to bench/results/scale.md.

Targets (the issue): search p95 at most 50 ms at 1M on the Chroma default; a new reader ready in at
most 2 s; a reader without the LLM at most 1.5 GB where the vectors live in a server.

Run: .venv/bin/python bench/scale.py [--sizes 100000 1000000] [--engines chroma milvus]
     [--home DIR (kept: a later run grows it further)] [--queries 200] [--table scale]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import RTQA_2025, run_child, write_table  # noqa: E402

HEADER = ["engine", "passages", "ingest passages/s", "disk MB", "search p50 / p95 ms", "with as_of p50 / p95 ms",
          "with as_of + outlet p50 / p95 ms", "new reader ready s (model load s)", "server's first search s",
          "reader RSS MB", "engine process RSS MB", "legs alone p95 ms: dense / lexical (with as_of + outlet)"]


READINGS = {"chroma": "Chroma, embedded", "chroma-server": "Chroma, `chroma run` server",
            "milvus": "Milvus, milvus-lite file", "milvus-server": "Milvus, milvus-lite server over TCP"}


def row(name: str, grown: dict, reader: dict) -> list[str]:
    rate = grown["passages_per_s"]
    engine_rss = reader["engine_process_rss_mb"]
    return [name, f"{reader['passages']:,}", "–" if rate is None else f"{rate:,.0f}", f"{grown['disk_mb']:,.0f}",
            *(f"{reader[f'{kind}p50_ms']:.1f} / {reader[f'{kind}p95_ms']:.1f}" for kind in ("", "as_of_", "filtered_")),
            f"{reader['ready_s']:.2f} ({reader['model_s']:.2f})",
            "–" if reader["engine_s"] is None else f"{reader['engine_s']:.1f}", f"{reader['rss_mb']:,.0f}",
            f"{engine_rss:,.0f}" if engine_rss else "–", legs(reader)]


def legs(reader: dict) -> str:
    if "dense_p95_ms" not in reader:
        return "–"
    return (f"{reader['dense_p95_ms']:.1f} / {reader['lexical_p95_ms']:.1f} "
            f"({reader['filtered_dense_p95_ms']:.1f} / {reader['filtered_lexical_p95_ms']:.1f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", type=int, default=[100_000, 1_000_000])
    parser.add_argument("--engines", nargs="+", default=["chroma", "milvus"], choices=["chroma", "milvus"])
    parser.add_argument("--home", type=Path, default=Path.home() / ".cache" / "newsqa-scale")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--table", default="scale", help="the table's name in bench/results")
    args = parser.parse_args()
    if not RTQA_2025.is_dir():
        raise SystemExit(f"RealTime QA data not found at {RTQA_2025}")
    rows = []
    for engine in args.engines:
        home = args.home / engine
        for size in sorted(args.sizes):
            grown = run_child("scale_worker", "grow", engine, str(home), str(size))
            # read in the process (embedded Chroma, a milvus-lite file), and through the engine's
            # server (the vectors in the server's memory), by a data directory of its own
            for reading in [engine, f"{engine}-server"]:
                reader = run_child("scale_worker", "read", reading, str(home), str(args.queries))
                rows.append(row(READINGS[reading], grown, reader))
                print(rows[-1], flush=True)
    sizes = " and ".join(f"{size:,}" for size in sorted(args.sizes))
    write_table(args.table, f"The index at scale: each engine at {sizes} passages", HEADER, rows, [
        "Passages: RealTime QA 2025's article texts in pieces of 800 characters (one passage each), repeated "
        "with new URLs and dates a year earlier per repeat; syndicated copies not looked for. Stored vectors: "
        "random unit vectors (384-d, the default model's size); questions and their embeddings real.",
        "Ingest passages/s: the growth to that size, through NewsIndex.ingest without the embedding model "
        "(the model's own rate: bench/results/ingest.md).",
        f"Search: NewsIndex.search, k 8, learned ranker, over {args.queries} RealTime QA 2025 questions; then with "
        "the question's date as as_of; then with as_of and one of the three largest outlets (about 50%, 8% and 1% "
        "of the passages).",
        "Legs alone: the engine's dense search and the lexical search, each taking the search's candidates "
        "(search.candidates), without the ranker or the rest of the search.",
        "New reader ready: a new process opens the index and answers its first search (the embedding model "
        "loaded before, its time in brackets). Server's first search: a server started over the data answers "
        "its first search (it loads the index then; once per server, before any reader comes). Reader RSS: "
        "that process after the searches; engine process: the `chroma run` server or milvus-lite's server "
        "(the one a milvus-lite file starts, or one serving TCP). A reader through a server has a data "
        "directory of its own (a copy of the manifest, and for Chroma of the lexical index), as a second "
        "machine would.",
        f"Command: .venv/bin/python bench/scale.py --sizes {' '.join(map(str, args.sizes))} "
        f"--engines {' '.join(args.engines)} --queries {args.queries} --home {args.home} --table {args.table}",
    ])


if __name__ == "__main__":
    main()
