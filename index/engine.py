"""The search seam: what newsqa asks of the engine that holds its passages.

Two engines stand behind it and pass one contract test suite (tests/test_index.py):

- Chroma (`index/store.py`), the default: embedded under the data directory or a `chroma run`
  server, with newsqa's own BM25 index (`index/lexical.py`) as the lexical half, since open-source
  Chroma has no lexical search of its own.
- Milvus (`index/milvus.py`): a milvus-lite file on a laptop and in the tests, a Milvus server for a
  team; BM25 (Milvus's built-in full-text function) and dense search both run inside Milvus.

Both legs come back with their own scores: newsqa fuses them and its learned ranker reads each
leg's score and rank, so the answers do not depend on which engine holds the passages.
The manifest (`index/manifest.py`) stays the record of which article versions are visible; an
engine holds chunks and answers searches within the filters.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from newsqa.index.filters import Filters
from newsqa.index.settings import IndexSettings

if TYPE_CHECKING:
    from newsqa.index.lexical import LexicalIndex

# (chunk id, document, metadata): a stored chunk as `chunk_metadata` described it.
StoredChunk = tuple[str, str, dict[str, Any]]


class Engine(Protocol):
    """A store of chunk vectors with dense and lexical search under newsqa's filters."""

    name: str
    """"chroma" or "milvus"."""

    def count(self) -> int:
        """Chunks stored (visible or not: the manifest says which are)."""
        ...

    def upsert(self, ids: list[str], vectors: np.ndarray, documents: list[str],
               metadatas: list[dict[str, Any]]) -> None:
        """Store these chunks (replacing any with the same id)."""
        ...

    def delete_ids(self, ids: Sequence[str]) -> None:
        """Remove these chunks."""
        ...

    def delete_version(self, article_id: str, version: str) -> None:
        """Remove every chunk of one version of an article."""
        ...

    def dense_search(self, vector: np.ndarray, n: int, filters: Filters) -> list[tuple[str, float]]:
        """The n nearest chunks within the filters, with cosine similarity, best first."""
        ...

    def lexical_search(self, query: str, n: int, filters: Filters) -> list[tuple[str, float]]:
        """The n best BM25 matches within the filters, with their scores, best first; only
        chunks that share a word with the query."""
        ...

    def version_parts(self, article_id: str, version: str) -> list[StoredChunk]:
        """One article version's chunks, in no particular order."""
        ...

    def iter_all(self, page: int = 1000) -> Iterator[StoredChunk]:
        """Every stored chunk, page by page."""
        ...

    def close(self) -> None:
        """Let go of connections and files."""
        ...


def open_engine(settings: IndexSettings, lexical: LexicalIndex) -> Engine:
    """The engine `settings.engine` names; StoreUnavailable when it cannot be reached,
    ModelMismatch when it was filled by another embedding model. `lexical` is the Chroma
    engine's BM25 half (the Milvus engine has its own)."""
    if settings.engine == "milvus":
        from newsqa.index.milvus import MilvusEngine

        return MilvusEngine(settings, settings.embedding_model)
    from newsqa.index.store import ChromaEngine

    return ChromaEngine(settings, settings.embedding_model, lexical)
