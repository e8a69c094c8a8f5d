"""Which milvus-lite the Milvus engine ships with: 2.5 (Milvus's own engine in a 170 MB wheel, with
pymilvus 2.6) or 3.x (a pure-Python rewrite with faiss inside, with pymilvus 3.0), measured on the
searches newsqa makes.

Each version runs in its own virtual environment (2.5: the project's .venv; 3.x: a temporary one
made here from PyPI) over the same 20,000 passages: real RealTime QA 2025 article texts cut into
pieces of about 800 characters, each with its outlet (the URL's host) and date, and a synthetic
384-d unit vector (seeded), as the engine lays them out (the words newsqa's BM25 reads, Milvus's
BM25 function over them, dense AUTOINDEX, cosine; the words are split by the standard tokenizer,
which both versions have). 100 questions of the same year are searched with the filters a question
carries (as_of, and an outlet for every other one): BM25 alone, dense alone, both legs one after the
other (what newsqa does: it fuses them itself, so the ranker sees each leg's score), and Milvus's
own `hybrid_search` with RRF. Prints a Markdown table and saves it to
bench/studies/results/milvus_lite_versions.md. A study: it chose the dependency, once.

Run: .venv/bin/python bench/studies/milvus_lite_versions.py [--passages 20000] [--queries 100]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

VERSIONS = {"2.5.1": None, "3.2.2": ["pymilvus==3.0.2", "milvus-lite==3.2.2", "numpy"]}
DIM = 384


def worker(args: argparse.Namespace) -> None:
    """Runs in the environment under test: build the collection, time the searches, print JSON."""

    import numpy as np
    from pymilvus import AnnSearchRequest, DataType, Function, FunctionType, MilvusClient, RRFRanker

    rng = np.random.default_rng(7)
    prepared = json.loads(Path(args.corpus).read_text())
    rows, asked = prepared["passages"], prepared["questions"]
    vectors = rng.standard_normal((len(rows), DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    client = MilvusClient(str(Path(args.dir) / "study.db"))
    schema = client.create_schema(auto_id=True)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("lexical", DataType.VARCHAR, max_length=65_535, enable_analyzer=True,
                     analyzer_params={"tokenizer": "standard"})
    schema.add_field("source", DataType.VARCHAR, max_length=1024)
    schema.add_field("published", DataType.DOUBLE)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=DIM)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25,
                                 input_field_names=["lexical"], output_field_names=["sparse"]))
    indexes = client.prepare_index_params()
    indexes.add_index("dense", index_type="AUTOINDEX", metric_type="COSINE")
    indexes.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    client.create_collection("study", schema=schema, index_params=indexes, consistency_level="Strong")
    started = time.perf_counter()
    for i in range(0, len(rows), 1000):
        client.insert("study", [{"lexical": r["text"], "source": r["source"], "published": r["published"],
                                 "dense": v.tolist()} for r, v in zip(rows[i:i + 1000], vectors[i:i + 1000])])
    ingest_s = time.perf_counter() - started
    outlets = sorted({r["source"] for r in rows})
    timings: dict[str, list[float]] = {"bm25": [], "dense": [], "both legs": [], "hybrid_search (RRF)": []}
    for n, question in enumerate(asked):
        as_of = question["as_of"]
        where = f"published <= {as_of!r}"
        if n % 2:
            where = f"source in {json.dumps(outlets[n % len(outlets):][:3])} and {where}"
        query = rng.standard_normal(DIM).astype(np.float32)
        query = (query / np.linalg.norm(query)).tolist()
        bm25 = {"data": [question["text"]], "anns_field": "sparse", "limit": 50, "filter": where,
                "search_params": {"metric_type": "BM25"}}
        dense = {"data": [query], "anns_field": "dense", "limit": 50, "filter": where,
                 "search_params": {"metric_type": "COSINE"}}
        for name, call in (
            ("bm25", lambda: client.search("study", **bm25)),
            ("dense", lambda: client.search("study", **dense)),
            ("both legs", lambda: (client.search("study", **bm25), client.search("study", **dense))),
            ("hybrid_search (RRF)", lambda: client.hybrid_search(
                "study", [AnnSearchRequest(q["data"], q["anns_field"], q["search_params"], 50, expr=q["filter"])
                          for q in (bm25, dense)], RRFRanker(60), limit=50)),
        ):
            t = time.perf_counter()
            call()
            timings[name].append(time.perf_counter() - t)
    client.close()
    print(json.dumps({"passages": len(rows), "ingest_s": ingest_s, "timings": timings}))


def prepared(n_passages: int, n_questions: int) -> dict:
    """The passages and questions as newsqa's Milvus engine writes and asks them: the words its own
    BM25 reads (lower case, stop words out, Snowball stems), read by the project's tokenizer here so
    that the worker of either version needs nothing of newsqa."""
    from bench.common import article_pieces, rtqa_questions
    from newsqa.index.words import tokenize

    pieces, asked = article_pieces()[:n_passages], rtqa_questions(n_questions)
    return {"passages": [{"text": " ".join(words), "source": source, "published": published}
                         for (_, source, published), words in zip(pieces, tokenize([p[0] for p in pieces]))],
            "questions": [{"text": " ".join(words), "as_of": asked_on + 86_400}
                          for (_, asked_on), words in zip(asked, tokenize([q for q, _ in asked])) if words]}


def environment(version: str, packages: list[str] | None, folder: Path) -> str:
    """The Python to run the worker with: the project's own, or a new venv with `packages`."""
    if packages is None:
        return sys.executable
    venv = folder / f"venv-{version}"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", *packages], check=True)
    return str(venv / "bin" / "python")


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000 if len(values) > 1 else values[0] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    from bench.common import write_table

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.json"
        corpus.write_text(json.dumps(prepared(args.passages, args.queries)))
        for version, packages in VERSIONS.items():
            python = environment(version, packages, Path(tmp))
            run_dir = Path(tmp) / f"run-{version}"
            run_dir.mkdir()
            done = subprocess.run([python, __file__, "--worker", "--dir", str(run_dir), "--corpus", str(corpus)],
                                  capture_output=True, text=True, env=dict(os.environ))
            if done.returncode:
                sys.exit(f"milvus-lite {version} failed: {done.stderr.strip().splitlines()[-1]}")
            result = json.loads(done.stdout.strip().splitlines()[-1])
            cells = [f"{pct(t, 50):.1f} / {pct(t, 95):.1f}" for t in result["timings"].values()]
            rows.append([version, f"{result['passages']:,}", f"{result['passages'] / result['ingest_s']:,.0f}",
                         *cells])
            print(rows[-1], flush=True)
    write_table("milvus_lite_versions", "milvus-lite 2.5 against 3.x on newsqa's searches",
                ["milvus-lite", "passages", "insert passages/s", *(f"{n} p50 / p95 ms" for n in
                                                                   ("BM25", "dense", "both legs", "hybrid_search"))],
                rows, [
                    "Real RealTime QA 2025 article texts in pieces of about 800 characters, synthetic unit vectors "
                    "(384-d, seeded); 50 results a search; filters: as_of always, three outlets every other question.",
                    "milvus-lite 2.5.1 with pymilvus 2.6 (the project's .venv); 3.2.2 with pymilvus 3.0.2 in a "
                    "virtual environment of its own. One process each, one after the other, same machine.",
                    "Both legs: BM25 then dense, the two searches newsqa makes (it fuses them itself, so the ranker "
                    "reads each leg's score); hybrid_search: Milvus's own fusion of the same two, for comparison.",
                    f"Command: .venv/bin/python bench/studies/milvus_lite_versions.py --passages {args.passages} "
                    f"--queries {args.queries}",
                ])


if __name__ == "__main__":
    main()
