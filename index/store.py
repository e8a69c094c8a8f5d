"""The Chroma engine: an embedded PersistentClient under the data directory, or a Chroma server.

The collection uses cosine space and records the embedding model that filled it; opening it
with another model is refused, since its vectors would not be comparable. Open-source Chroma has
no lexical search, so the engine's BM25 half is newsqa's own index (`index/lexical.py`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from newsqa.errors import ModelMismatch, StoreUnavailable, one_line
from newsqa.index.engine import StoredChunk
from newsqa.index.filters import Filters
from newsqa.index.lexical import LexicalIndex
from newsqa.index.settings import IndexSettings

# Chroma only stores flat scalars: dates go in as unix seconds, lists as JSON.
UNDATED = -1.0
# A filtered dense search first asks for POST_FILTER_WIDEN times the chunks it needs without the
# filter, then as many as the share that passed says it needs, up to POST_FILTER_MAX (about 15 ms
# at 100,000 passages); then for the nearest among the ids the filter admits, up to ID_LIST_MAX.
POST_FILTER_WIDEN = 4
POST_FILTER_MAX = 1000
ID_LIST_MAX = 50_000


def connect(settings: IndexSettings):
    """A Chroma client for the configured mode; StoreUnavailable when it cannot be reached."""
    import chromadb
    from chromadb.config import Settings as ChromaClientSettings

    chroma = settings.chroma
    client_settings = ChromaClientSettings(anonymized_telemetry=False)
    try:
        if chroma.mode == "server":
            client = chromadb.HttpClient(
                host=chroma.host,
                port=chroma.port,
                ssl=chroma.ssl,
                headers=chroma.headers or None,
                settings=client_settings,
            )
            client.heartbeat()
            return client
        settings.chroma_path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.chroma_path), settings=client_settings)
    except Exception as exc:  # chromadb raises many types; the user needs one line
        where = (
            f"Chroma server at {chroma.url}"
            if chroma.mode == "server"
            else f"embedded Chroma at {settings.chroma_path}"
        )
        raise StoreUnavailable(f"cannot reach the {where}: {chroma_error(exc)}") from None


def chroma_error(exc: BaseException) -> str:
    """What Chroma said, in one line short enough to show (its errors can carry whole requests)."""
    return one_line(exc)[:300]


def chroma_call(what: str, fn, *args, **kwargs):
    """fn(*args, **kwargs), any Chroma failure turned into StoreUnavailable naming `what` failed."""
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # chromadb raises many types; the user needs one line
        raise StoreUnavailable(f"Chroma {what} failed: {chroma_error(exc)}") from None


class ChromaEngine:
    """The Chroma collection of chunk vectors, with the metadata search filters on, and newsqa's
    BM25 index beside it."""

    name = "chroma"

    def __init__(self, settings: IndexSettings, model_name: str, lexical: LexicalIndex) -> None:
        self.settings = settings
        self.lexical = lexical
        self.client = connect(settings)
        name = settings.chroma.collection
        try:
            self.collection = self.client.get_or_create_collection(
                name,
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedding_model": model_name},
            )
        except Exception as exc:
            raise StoreUnavailable(f"cannot open Chroma collection {name!r}: {chroma_error(exc)}") from None
        stored = (self.collection.metadata or {}).get("embedding_model")
        if stored and stored != model_name:
            raise ModelMismatch(
                f"collection {name!r} was built with embedding model {stored!r}, but "
                f"{model_name!r} is configured; use the same model, or another collection "
                "(chroma.collection) or data directory (NEWSQA_HOME)"
            )

    def _call(self, what: str, fn, *args, **kwargs):
        return chroma_call(what, fn, *args, **kwargs)

    def close(self) -> None:
        """Nothing to let go of: Chroma's client lives as long as the process."""

    def count(self) -> int:
        return self._call("count", self.collection.count)

    def upsert(self, ids: list[str], vectors: np.ndarray, documents: list[str],
               metadatas: list[dict[str, Any]]) -> None:
        step = self.client.get_max_batch_size()
        for i in range(0, len(ids), step):
            self._call(
                "write",
                self.collection.upsert,
                ids=ids[i : i + step],
                embeddings=vectors[i : i + step],
                documents=documents[i : i + step],
                metadatas=metadatas[i : i + step],
            )

    def delete_ids(self, ids: Sequence[str]) -> None:
        for i in range(0, len(ids), 1000):
            self._call("delete", self.collection.delete, ids=list(ids[i : i + 1000]))

    def delete_version(self, article_id: str, version: str) -> None:
        where = {"$and": [{"article_id": article_id}, {"version": version}]}
        self._call("delete", self.collection.delete, where=where)

    def dense_search(self, vector: np.ndarray, n: int, filters: Filters) -> list[tuple[str, float]]:
        """Nearest chunk ids within the filters with cosine similarity, best first.

        Chroma's filtered query costs with the passages its `where` admits (0.5 s at 100,000
        passages for an `as_of` that admits nearly all, bench/results/scale.md). So the nearest
        chunks are first asked for without the filter, more of them, and kept when the manifest
        says they pass it; a filter too narrow for that (fewer than n pass among POST_FILTER_MAX)
        gives Chroma the ids the manifest admits, which is quick when they are few; only beyond
        ID_LIST_MAX of them is Chroma's `where` asked."""
        where = where_clause(filters)
        if where is None:
            return self._nearest(vector, n)
        manifest = self.lexical.manifest  # the record of what each chunk's article is
        asked = n * POST_FILTER_WIDEN
        while asked <= POST_FILTER_MAX:
            found = self._nearest(vector, asked)
            passing = manifest.within([cid for cid, _ in found], filters)
            kept = [hit for hit in found if hit[0] in passing]
            if len(kept) >= n or len(found) < asked:  # the first n within the filters, or all there are
                return kept[:n]
            # As many as the share that passed says are needed, with a margin; WIDEN times at least.
            asked = max(asked * POST_FILTER_WIDEN, math.ceil(1.5 * n * asked / max(len(kept), 1)))
        admitted = manifest.chunk_ids_within(filters, limit=ID_LIST_MAX + 1)
        if len(admitted) <= ID_LIST_MAX:
            return self._nearest(vector, n, ids=admitted) if admitted else []
        return self._nearest(vector, n, where=where)

    def _nearest(self, vector: np.ndarray, n: int, where: dict[str, Any] | None = None,
                 ids: list[str] | None = None) -> list[tuple[str, float]]:
        result = self._call("query", self.collection.query, query_embeddings=[vector], n_results=n,
                            where=where, ids=ids, include=["distances"])
        return [(cid, 1.0 - float(d)) for cid, d in zip(result["ids"][0], result["distances"][0])]

    def lexical_search(self, query: str, n: int, filters: Filters) -> list[tuple[str, float]]:
        """BM25 over the manifest's visible chunks (newsqa's own index: Chroma has none)."""
        return self.lexical.search(query, n, filters)

    def version_parts(self, article_id: str, version: str) -> list[StoredChunk]:
        """(id, document, metadata) of one article version's chunks, in no particular order."""
        got = self._call("read", self.collection.get,
                         where={"$and": [{"article_id": article_id}, {"version": version}]},
                         include=["documents", "metadatas"])
        return list(zip(got["ids"], got["documents"], got["metadatas"]))

    def iter_all(self, page: int = 1000) -> Iterator[StoredChunk]:
        """Every (id, document, metadata) in the collection, page by page."""
        offset = 0
        while True:
            got = self._call(
                "read", self.collection.get, limit=page, offset=offset,
                include=["documents", "metadatas"],
            )
            if not got["ids"]:
                return
            yield from zip(got["ids"], got["documents"], got["metadatas"])
            offset += len(got["ids"])


def chunk_metadata(article, chunk, n_chunks: int, ingested_at: float) -> dict[str, Any]:
    """What Chroma stores beside a chunk: enough to filter on, and to rebuild the manifest."""
    return {
        "article_id": chunk.article_id,
        "version": chunk.version,
        "ordinal": chunk.ordinal,
        "n_chunks": n_chunks,
        "start": chunk.start,
        "end": chunk.end,
        "tokens": chunk.tokens,
        "title": article.title,
        "url": article.url or "",
        "source": article.source or "",
        "published": article.published.timestamp() if article.published else UNDATED,
        "authors": json.dumps(article.authors),
        "extra": json.dumps(article.extra, default=str),
        "ingested_at": ingested_at,
    }


def where_clause(filters: Filters) -> dict[str, Any] | None:
    """The Chroma `where` for search filters (undated chunks pass `as_of` but not since/until;
    the `carried` articles pass the source filter)."""
    parts: list[dict[str, Any]] = []
    by_source = [{"source": {"$in": list(filters.sources)}}] if filters.sources else []
    by_source += [{"article_id": {"$in": list(filters.carried)}}] if filters.carried else []
    if by_source:
        parts.append(by_source[0] if len(by_source) == 1 else {"$or": by_source})
    if filters.since is not None:
        parts.append({"published": {"$gte": filters.since.timestamp()}})
    if filters.until is not None:
        parts.append({"published": {"$lte": filters.until.timestamp()}})
        parts.append({"published": {"$ne": UNDATED}})
    if filters.as_of is not None:
        parts.append({"published": {"$lte": filters.as_of.timestamp()}})
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"$and": parts}
