"""Search latency over ≥50,000 chunks of the real 2025 texts; prints a JSON line of figures.

Building the index embeds nothing: the stored chunk vectors are random unit vectors (the
nearest-neighbour cost does not depend on what they mean), while the chunk texts, the lexical
index and the query embeddings are real. Usage: search_worker.py HOME MIN_CHUNKS QUERIES
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import RTQA_2025, peak_rss_mb  # noqa: E402
from newsqa.index import Article, Filters, IndexSettings, NewsIndex, load  # noqa: E402
from newsqa.index.embeddings import Embedder  # noqa: E402


class SyntheticEmbedder:
    """Random unit vectors for documents; the real tokenizer so chunks are the real ones."""

    def __init__(self, real: Embedder) -> None:
        self.tokenizer = real.tokenizer
        self.dimension = real.dimension
        self.rng = np.random.default_rng(0)

    def encode(self, texts: list[str]) -> np.ndarray:
        v = self.rng.standard_normal((len(texts), self.dimension)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def year_articles() -> list[Article]:
    unique: dict[str, Article] = {}
    for path in sorted(RTQA_2025.glob("*_gcs.jsonl")):
        for item in load([str(path)], IndexSettings().fetch):
            if isinstance(item, Article):
                unique.setdefault(item.id, item)
    return list(unique.values())


def questions(limit: int) -> list[str]:
    out = []
    for path in sorted(RTQA_2025.glob("*_qa.jsonl")):
        out += [json.loads(line)["question_sentence"] for line in path.read_text().splitlines() if line.strip()]
    return out[:limit]


def percentile(values: list[float], p: float) -> float:
    return float(np.percentile(np.array(values), p))


def main(home: Path, min_chunks: int, n_queries: int) -> dict:
    index = NewsIndex(IndexSettings(home=home, write_batch_chunks=4096))
    real = index.embedder
    if index.stats().chunks < min_chunks:
        index.__dict__["embedder"] = SyntheticEmbedder(real)
        corpus = year_articles()
        chunks, take = 0, []
        for article in corpus:
            take.append(article)
            chunks += len(index.chunker.chunk(article))
            if chunks >= min_chunks:
                break
        build_start = time.perf_counter()
        index.ingest(take)
        build_s = time.perf_counter() - build_start
        index.__dict__["embedder"] = real
    else:
        build_s = 0.0
    stats = index.stats()
    qs = questions(n_queries)
    for q in qs[:5]:  # warm caches
        index.search(q)
    hybrid, dense = [], []
    for q in qs:
        start = time.perf_counter()
        index.search(q, k=8)
        hybrid.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        index.store.dense_search(real.encode([q])[0], 8, Filters())
        dense.append((time.perf_counter() - start) * 1000)
    return {
        "chunks": stats.chunks, "articles": stats.articles, "queries": len(qs), "build_s": build_s,
        "hybrid_p50_ms": percentile(hybrid, 50), "hybrid_p95_ms": percentile(hybrid, 95),
        "dense_p50_ms": percentile(dense, 50), "dense_p95_ms": percentile(dense, 95),
        "peak_rss_mb": peak_rss_mb(),
    }


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))))
