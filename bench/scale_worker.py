"""One step of bench/scale.py in its own process (its own memory); prints a JSON line of figures.

  scale_worker.py grow ENGINE HOME PASSAGES   ingest until the index holds PASSAGES chunks
  scale_worker.py read ENGINE HOME QUERIES    a new reader: start-up, searches, resident memory
                                              (ENGINE chroma-server: the Chroma index of HOME served
                                              by `chroma run`, read by a data directory of its own;
                                              milvus-server: HOME's milvus-lite file served over TCP
                                              by milvus-lite's server, likewise)

Passages: the real RealTime QA 2025 texts in pieces of 800 characters, each piece an article of its
own, repeated with new URLs (so new ids) and dates a year earlier per repeat; syndicated copies are
not looked for (the repeats would all be copies). The stored vectors are random unit vectors: the
nearest-neighbour cost does not depend on what they mean, and embedding a million passages here
would take most of a day (bench/ingest_bench.py measures the model). Questions and their
embeddings are real.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import psutil  # noqa: E402

from bench.common import article_pieces, rtqa_questions  # noqa: E402
from newsqa.index import Article, Filters, IndexSettings, NewsIndex  # noqa: E402
from newsqa.index.manifest import from_timestamp  # noqa: E402
from newsqa.index.settings import ChromaSettings, DedupSettings, MilvusSettings  # noqa: E402

YEAR_S = 365 * 86400
BATCH = 5_000  # articles a call to ingest


class RandomVectors:
    """Random unit vectors for the stored passages; the real tokenizer, so the chunks are real."""

    def __init__(self, real=None, dimension: int = 384) -> None:
        self.tokenizer = getattr(real, "tokenizer", None)
        self.dimension = getattr(real, "dimension", dimension)
        self.rng = np.random.default_rng(0)

    def encode_one(self) -> np.ndarray:
        return self.encode([""])[0]

    def encode(self, texts: list[str]) -> np.ndarray:
        v = self.rng.standard_normal((len(texts), self.dimension)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def settings(engine: str, home: Path, **more) -> IndexSettings:
    return IndexSettings(home=home, engine=engine, dedup=DedupSettings(enabled=False), write_batch_chunks=4096,
                         **more)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def reader_home(home: Path, name: str, lexical: bool) -> Path:
    """A data directory of its own for a reader on another machine: a copy of HOME's manifest (and
    lexical index), following the (empty) change log from now."""
    import shutil
    import sqlite3

    reader = home.parent / name
    shutil.rmtree(reader, ignore_errors=True)
    reader.mkdir(parents=True)
    manifest = settings("chroma", home).manifest_path
    with sqlite3.connect(manifest) as db, sqlite3.connect(reader / manifest.name) as copy:
        db.backup(copy)
        copy.execute("INSERT OR REPLACE INTO meta VALUES ('synced_at', ?)", (repr(time.time()),))
    for folder in home.glob("lexical-tantivy-*") if lexical else ():
        shutil.copytree(folder, reader / folder.name)
    return reader


def wait_up(server: subprocess.Popen, ready, what: str):
    """What `ready()` returns once it stops failing."""
    deadline = time.monotonic() + 900
    while True:
        try:
            return ready()
        except Exception:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise SystemExit(f"{what} did not start")
            time.sleep(0.5)


def served(home: Path, engine: str) -> tuple[IndexSettings, subprocess.Popen, float]:
    """HOME's engine data served by its own server (a child of this process, so its memory is
    counted as the engine's): `chroma run`, or milvus-lite's server over TCP; the settings of a
    reader with a data directory of its own; and the seconds until the server answered its first
    search (it loads the index then), as a server that is already up would have done before."""
    if engine == "chroma-server":
        import chromadb

        port, vector = free_port(), RandomVectors().encode_one()
        started = time.perf_counter()
        chroma = Path(sys.executable).with_name("chroma")
        server = subprocess.Popen([str(chroma), "run", "--path", str(settings("chroma", home).chroma_path),
                                   "--host", "127.0.0.1", "--port", str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = wait_up(server, lambda: chromadb.HttpClient(host="127.0.0.1", port=port), "chroma run")
        chosen = settings("chroma", reader_home(home, "chroma-server-reader", lexical=True),
                          chroma=ChromaSettings(mode="server", host="127.0.0.1", port=port))
        client.get_collection(chosen.chroma.collection).query(query_embeddings=[vector], n_results=1)
        return chosen, server, time.perf_counter() - started
    uri, server, first_s = milvus_lite_server(home)
    chosen = settings("milvus", reader_home(home, "milvus-server-reader", lexical=False),
                      milvus=MilvusSettings(uri=uri, timeout_s=600))
    return chosen, server, first_s


def milvus_lite_server(home: Path) -> tuple[str, subprocess.Popen, float]:
    """milvus-lite's server over HOME's file on a free local port (a child of this process): its
    address, the process, and the seconds until it answered its first search (its index loaded)."""
    from milvus_lite.server import Server
    from pymilvus import MilvusClient

    from newsqa.index.milvus import MilvusEngine

    started = time.perf_counter()
    uri = f"http://127.0.0.1:{free_port()}"
    lite = Server(settings("milvus", home).milvus_uri, uri.removeprefix("http://"))
    binary = Path(lite.milvus_bin)  # started as Server.start() does, without the lock TCP mode never reads
    server = subprocess.Popen(lite.args, env={**os.environ, "LD_LIBRARY_PATH": str(binary.parent)}, cwd=home,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_up(server, lambda: MilvusClient(uri=uri, timeout=5).list_collections(), "milvus-lite's server")
    warm = MilvusEngine(settings("milvus", home, milvus=MilvusSettings(uri=uri, timeout_s=600)),
                        settings("milvus", home).embedding_model)
    warm.dense_search(RandomVectors().encode_one(), 1, Filters())
    warm.close()
    return uri, server, time.perf_counter() - started


def articles(start: int):
    """The passages as articles, from the `start`-th on (repeat r: new URL, r years earlier)."""
    pieces = article_pieces(800)
    n = start
    while True:
        repeat, i = divmod(n, len(pieces))
        text, outlet, published = pieces[i]
        title, _, body = text.partition("\n")
        when = None if published < 0 else published - repeat * YEAR_S
        yield Article(title=title, text=body, url=f"https://{outlet}/scale/{repeat}/{i}", source=outlet,
                      published=None if when is None else from_timestamp(when))
        n += 1


def disk_mb(home: Path) -> float:
    return sum(f.stat().st_size for f in home.rglob("*") if f.is_file()) / 2**20


def grow(engine: str, home: Path, passages: int) -> dict:
    index = NewsIndex(settings(engine, home))
    real = index.embedder
    index.__dict__["embedder"] = RandomVectors(real)
    before = index.stats()
    source = articles(before.articles)
    started, chunks = time.perf_counter(), before.chunks
    while chunks < passages:
        batch = [next(source) for _ in range(BATCH)]
        chunks += index.ingest(batch).chunks
        print(f"{chunks:,} passages, {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - started
    index.close()
    record = home / "growth.json"  # the last growth's rate, for a run that finds the size reached
    if chunks == before.chunks and record.exists():
        return {**json.loads(record.read_text()), "disk_mb": disk_mb(home)}
    found = {"passages": chunks, "added": chunks - before.chunks, "seconds": seconds,
             "passages_per_s": (chunks - before.chunks) / seconds if chunks > before.chunks else None}
    record.write_text(json.dumps(found))
    return {**found, "disk_mb": disk_mb(home)}


def percentiles(values: list[float]) -> tuple[float, float]:
    return float(np.percentile(values, 50)), float(np.percentile(values, 95))


def legs(index: NewsIndex, embedder, questions: list[tuple[str, float]], outlets: list[str]) -> dict:
    """p50/p95 ms of each leg of the search alone (the engine's dense search, the lexical search),
    taking the search's candidates, without and with as_of and an outlet."""
    n = index.settings.search.candidates
    vectors = embedder.encode([q for q, _ in questions])
    times: dict[str, list[float]] = {}
    for i, ((question, day), vector) in enumerate(zip(questions, vectors)):
        for name, filters in (("", Filters()), ("filtered_", Filters(sources=[outlets[i % len(outlets)]],
                                                                    as_of=from_timestamp(day)))):
            for leg, call in (("dense", lambda: index.store.dense_search(vector, n, filters)),
                              ("lexical", lambda: index.store.lexical_search(question, n, filters))):
                t = time.perf_counter()
                call()
                times.setdefault(f"{name}{leg}", []).append((time.perf_counter() - t) * 1000)
    found = {}
    for key, values in times.items():
        found[f"{key}_p50_ms"], found[f"{key}_p95_ms"] = percentiles(values)
    return found


def read(engine: str, home: Path, n_queries: int) -> dict:
    """A new reader: load the embedding model, open the index, answer a first search (start-up), then
    every question without filters and with the ones a question usually has (as_of and an outlet)."""
    from newsqa.index.embeddings import Embedder

    server, engine_s = None, None
    if engine.endswith("-server"):
        chosen, server, engine_s = served(home, engine)
    else:
        chosen = settings(engine, home)
    started = time.perf_counter()
    embedder = Embedder.configured(chosen)
    model_s = time.perf_counter() - started
    questions = rtqa_questions(n_queries)
    opened = time.perf_counter()
    index = NewsIndex(chosen)
    index.__dict__["embedder"] = embedder
    index.search(questions[0][0], k=8)
    ready_s = time.perf_counter() - opened
    outlets = [s for s, _ in index.manifest._rows("SELECT source, COUNT(*) FROM articles GROUP BY 1 "
                                                  "ORDER BY 2 DESC LIMIT 3")]
    plain, dated, filtered = [], [], []
    for n, (question, day) in enumerate(questions):
        t = time.perf_counter()
        index.search(question, k=8)
        plain.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        index.search(question, k=8, as_of=from_timestamp(day))
        dated.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        index.search(question, k=8, filters=Filters(sources=[outlets[n % len(outlets)]]), as_of=from_timestamp(day))
        filtered.append((time.perf_counter() - t) * 1000)
    found_legs = legs(index, embedder, questions, outlets)
    process = psutil.Process(os.getpid())
    children = sum(c.memory_info().rss for c in process.children(recursive=True)) / 2**20
    found = {"passages": index.stats().chunks, "model_s": model_s, "ready_s": ready_s, "engine_s": engine_s,
             "rss_mb": process.memory_info().rss / 2**20, "engine_process_rss_mb": children}
    found["p50_ms"], found["p95_ms"] = percentiles(plain)
    found["as_of_p50_ms"], found["as_of_p95_ms"] = percentiles(dated)
    found["filtered_p50_ms"], found["filtered_p95_ms"] = percentiles(filtered)
    found.update(found_legs)
    index.close()
    if server is not None:
        server.terminate()
        server.wait(timeout=60)
    return found


if __name__ == "__main__":
    step, engine, home, number = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
    print(json.dumps((grow if step == "grow" else read)(engine, home, number)))
