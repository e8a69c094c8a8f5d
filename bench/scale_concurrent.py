"""Concurrency benchmark (not a test): one Milvus served to several newsqa processes at once.

Over the index bench/scale.py grew (HOME/milvus, a milvus-lite file), milvus-lite's server serves
the data over TCP, and newsqa processes of the same data directory (one machine) use it at once:

1. two reader processes search, nothing writes (each: the questions without filters, then with
   the question's date as as_of);
2. one writer process adds WRITE passages (real texts, random vectors: bench/scale_worker.py),
   nothing reads;
3. the two readers search again while the writer adds WRITE passages more.

Each reader loads the embedding model before the step starts. Prints a Markdown table and saves it
to bench/results/scale_concurrent.md; the index keeps the passages written (the table says how many
it holds).

Run: .venv/bin/python bench/scale_concurrent.py [--home DIR] [--write 20000] [--queries 100]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil  # noqa: E402

from bench.common import REPO, RTQA_2025, child_env, rtqa_questions, write_table  # noqa: E402
from bench.scale_worker import BATCH, RandomVectors, articles, milvus_lite_server, percentiles, settings  # noqa: E402
from newsqa.index import NewsIndex  # noqa: E402
from newsqa.index.manifest import from_timestamp  # noqa: E402
from newsqa.index.settings import MilvusSettings  # noqa: E402

HEADER = ["processes at once", "passages", "writer passages/s", "searches", "reader search p50 / p95 ms",
          "with as_of p50 / p95 ms", "reader RSS MB", "engine process RSS MB"]


def served_settings(home: Path, uri: str):
    """HOME's data directory with its vectors in the Milvus at `uri`."""
    return settings("milvus", home, milvus=MilvusSettings(uri=uri, timeout_s=600))


# --- the child processes ----------------------------------------------------------------------
def write(uri: str, home: Path, passages: int) -> dict:
    """Add `passages` passages through the server; the rate."""
    index = NewsIndex(served_settings(home, uri))
    index.__dict__["embedder"] = RandomVectors(index.embedder)
    source = articles(index.stats().articles)
    started, added = time.perf_counter(), 0
    while added < passages:
        added += index.ingest([next(source) for _ in range(min(BATCH, passages - added))]).chunks
    seconds = time.perf_counter() - started
    index.close()
    return {"added": added, "passages_per_s": added / seconds}


def search(uri: str, home: Path, n_queries: int, ready: Path, go: Path, stop: Path | None) -> dict:
    """Load the model, say so (`ready`), wait for `go`, then search the questions (without filters,
    then with as_of) once, or over and over until `stop` appears."""
    from newsqa.index.embeddings import Embedder

    chosen = served_settings(home, uri)
    index = NewsIndex(chosen)
    index.__dict__["embedder"] = Embedder.configured(chosen)
    questions = rtqa_questions(n_queries)
    index.search(questions[0][0], k=8)
    ready.touch()
    while not go.exists():
        time.sleep(0.05)
    plain, dated = [], []
    while True:
        for question, day in questions:
            for kind, as_of in ((plain, None), (dated, from_timestamp(day))):
                t = time.perf_counter()
                index.search(question, k=8, as_of=as_of)
                kind.append((time.perf_counter() - t) * 1000)
        if stop is None or stop.exists():
            break
    found = {"searches": len(plain) + len(dated), "rss_mb": psutil.Process().memory_info().rss / 2**20}
    found["p50_ms"], found["p95_ms"] = percentiles(plain)
    found["as_of_p50_ms"], found["as_of_p95_ms"] = percentiles(dated)
    index.close()
    return found


# --- the coordinator --------------------------------------------------------------------------
def child(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=child_env(), cwd=REPO)


def result(process: subprocess.Popen) -> dict:
    out, err = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"a child process failed:\n{err[-3000:]}")
    return json.loads(out.strip().splitlines()[-1])


def readers(uri: str, home: Path, n_queries: int, signals: Path, step: str, until_stopped: bool):
    """Two reader processes, loaded and waiting; `go()` starts them, `done()` stops them and gives
    their results."""
    go, stop = signals / f"{step}-go", signals / f"{step}-stop"
    procs = [child("search", uri, str(home), str(n_queries), str(signals / f"{step}-ready-{i}"), str(go),
                   str(stop) if until_stopped else "-") for i in range(2)]
    while not all((signals / f"{step}-ready-{i}").exists() for i in range(2)):
        if any(p.poll() is not None for p in procs):
            raise SystemExit(f"a reader failed:\n{procs[0].stderr.read()[-3000:] if procs[0].stderr else ''}")
        time.sleep(0.2)

    def done() -> list[dict]:
        stop.touch()
        return [result(p) for p in procs]

    return go.touch, done


def reading_row(name: str, passages: int, rate: str, found: list[dict], engine_rss: float) -> list[str]:
    def both(key: str) -> str:  # the slower reader's p50 / p95
        return " / ".join(f"{max(r[f'{key}{p}_ms'] for r in found):.1f}" for p in ("p50", "p95"))

    return [name, f"{passages:,}", rate, f"{sum(r['searches'] for r in found):,}", both(""), both("as_of_"),
            f"{max(r['rss_mb'] for r in found):,.0f}", f"{engine_rss:,.0f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path, default=Path.home() / ".cache" / "newsqa-scale")
    parser.add_argument("--write", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    if not RTQA_2025.is_dir():
        raise SystemExit(f"RealTime QA data not found at {RTQA_2025}")
    home = args.home / "milvus"
    if not settings("milvus", home).manifest_path.exists():
        raise SystemExit(f"no Milvus index at {home}: grow one first (bench/scale.py)")
    signals = home / "concurrent-signals"
    signals.mkdir(exist_ok=True)
    for old in signals.iterdir():
        old.unlink()
    uri, server, first_s = milvus_lite_server(home)
    engine = psutil.Process(server.pid)

    def passages() -> int:
        with sqlite3.connect(settings("milvus", home).manifest_path) as db:
            return db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    try:
        rows = []
        start, finish = readers(uri, home, args.queries, signals, "alone", until_stopped=False)
        start()
        rows.append(reading_row("2 readers", passages(), "–", finish(), engine.memory_info().rss / 2**20))
        alone = result(child("write", uri, str(home), str(args.write)))
        rows.append(["1 writer", f"{passages():,}", f"{alone['passages_per_s']:,.0f}", "–", "–", "–", "–",
                     f"{engine.memory_info().rss / 2**20:,.0f}"])
        start, finish = readers(uri, home, args.queries, signals, "together", until_stopped=True)
        start()
        together = result(child("write", uri, str(home), str(args.write)))
        rows.append(reading_row("2 readers while 1 writer writes", passages(),
                                f"{together['passages_per_s']:,.0f}", finish(), engine.memory_info().rss / 2**20))
        for r in rows:
            print(r, flush=True)
    finally:
        server.terminate()
        server.wait(timeout=60)
    write_table("scale_concurrent", "One Milvus served to several newsqa processes at once", HEADER, rows, [
        "Engine: milvus-lite 2.5's server over TCP on this machine, serving bench/scale.py's Milvus index "
        f"(its first search, the index loaded: {first_s:.1f} s); every newsqa process opens the same data "
        "directory (one machine).",
        f"Readers: each loads the embedding model first, then searches {args.queries} RealTime QA 2025 questions "
        "(k 8, learned ranker) without filters and with the question's date as as_of; while the writer writes "
        "they go on until it is done. p50 / p95: the slower reader's.",
        f"Writer: adds {args.write:,} passages (real 2025 texts, new ids and dates, random vectors) through "
        "NewsIndex.ingest without the embedding model, 5,000 articles a call.",
        f"Command: .venv/bin/python bench/scale_concurrent.py --write {args.write} --queries {args.queries}",
    ])


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("write", "search"):
        step, uri, home = sys.argv[1], sys.argv[2], Path(sys.argv[3])
        if step == "write":
            print(json.dumps(write(uri, home, int(sys.argv[4]))))
        else:
            stop = None if sys.argv[7] == "-" else Path(sys.argv[7])
            print(json.dumps(search(uri, home, int(sys.argv[4]), Path(sys.argv[5]), Path(sys.argv[6]), stop)))
    else:
        main()
