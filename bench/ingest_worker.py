"""One pipeline of the ingest benchmark, in its own process; prints a JSON line of figures.

Usage: ingest_worker.py KIND HOME WEEK [WEEK...], KIND one of newsqa, newsqa-torch, newsqa-onnx-int8,
model, model64, int8-one-thread, langchain
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import RTQA_2025, peak_rss_mb  # noqa: E402
from newsqa.index import Article, IndexSettings, NewsIndex, load  # noqa: E402
from newsqa.index.embeddings import Embedder  # noqa: E402
from newsqa.index.newsindex import embedding_input  # noqa: E402


def articles(weeks: list[str]) -> list[Article]:
    files = [str(RTQA_2025 / f"{w}_gcs.jsonl") for w in weeks]
    unique: dict[str, Article] = {}
    for item in load(files, IndexSettings().fetch):
        if isinstance(item, Article):
            unique.setdefault(item.id, item)
    return list(unique.values())


def newsqa(home: Path, corpus: list[Article], backend: str = "onnx") -> dict:
    index = NewsIndex(IndexSettings(home=home, embedding_backend=backend))
    index.embedder, index.store  # model load (and ONNX export) and store open are not ingest work
    start = time.perf_counter()
    report = index.ingest(corpus)
    first = time.perf_counter() - start
    start = time.perf_counter()
    again = index.ingest(corpus)
    second = time.perf_counter() - start
    assert again.unchanged == len(corpus) and again.chunks == 0
    tokenizer = index.embedder.tokenizer
    return {"articles": len(corpus), "chunks": report.chunks, "seconds": first, "reingest_seconds": second,
            "tokens": _embedded_tokens(index, corpus, tokenizer), "peak_rss_mb": peak_rss_mb()}


def _embedded_tokens(index: NewsIndex, corpus: list[Article], tokenizer) -> int:
    texts = _inputs(index, corpus)
    return sum(len(x) for x in tokenizer(texts, add_special_tokens=True)["input_ids"])


def _inputs(index: NewsIndex, corpus: list[Article]) -> list[str]:
    return [embedding_input(a, c.text) for a in corpus for c in index.chunker.chunk(a)]


def model_alone(home: Path, corpus: list[Article], batch_size: int) -> dict:
    """The embedding model alone (sentence-transformers, as the tutorial runs it) on newsqa's exact
    chunk inputs, in one call."""
    index = NewsIndex(IndexSettings(home=home))
    texts = _inputs(index, corpus)
    embedder = Embedder(index.settings.embedding_model, batch_size=batch_size, backend="torch")
    start = time.perf_counter()
    embedder.encode(texts)
    seconds = time.perf_counter() - start
    tokens = sum(len(x) for x in embedder.tokenizer(texts, add_special_tokens=True)["input_ids"])
    return {"articles": len(corpus), "chunks": len(texts), "seconds": seconds, "tokens": tokens,
            "peak_rss_mb": peak_rss_mb()}


def int8_one_thread(home: Path, corpus: list[Article]) -> dict:
    """The int8 model alone on one core: what each of two worker processes would have."""
    import onnxruntime

    index = NewsIndex(IndexSettings(home=home, embedding_backend="onnx-int8"))
    texts = _inputs(index, corpus)
    encoder = index.embedder._onnx
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    encoder.session = onnxruntime.InferenceSession(str(encoder.path), options,
                                                   providers=["CPUExecutionProvider"])
    start = time.perf_counter()
    encoder.encode(texts, 64)
    seconds = time.perf_counter() - start
    return {"articles": len(corpus), "chunks": len(texts), "seconds": seconds,
            "tokens": _embedded_tokens(index, corpus, index.embedder.tokenizer), "peak_rss_mb": peak_rss_mb()}


def langchain_tutorial(home: Path, corpus: list[Article]) -> dict:
    """RecursiveCharacterTextSplitter(1000, 200) + HuggingFaceEmbeddings + Chroma.from_documents."""
    from newsqa.evals.baseline import TutorialRAG

    rag = TutorialRAG(home / "lc", "all-MiniLM-L6-v2")
    rag.embeddings.embed_query("warm up")
    start = time.perf_counter()
    splits = rag.add(corpus)
    seconds = time.perf_counter() - start
    tokenizer = rag.tokenizer
    max_len = rag.embeddings._client.max_seq_length
    tokens = sum(min(len(x), max_len) for x in tokenizer([s.page_content for s in splits])["input_ids"])
    return {"articles": len(corpus), "chunks": len(splits), "seconds": seconds, "tokens": tokens,
            "peak_rss_mb": peak_rss_mb()}


if __name__ == "__main__":
    kind, home, weeks = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]
    corpus = articles(weeks)
    run = {"newsqa": newsqa, "newsqa-torch": lambda h, c: newsqa(h, c, "torch"),
           "newsqa-onnx-int8": lambda h, c: newsqa(h, c, "onnx-int8"), "model": lambda h, c: model_alone(h, c, 128),
           "model64": lambda h, c: model_alone(h, c, 64), "int8-one-thread": int8_one_thread,
           "langchain": langchain_tutorial}[kind]
    print(json.dumps(run(home, corpus)))
