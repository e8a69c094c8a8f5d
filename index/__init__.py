"""newsqa's index: sources → Article → chunks → embeddings → Chroma + lexical index, and search.

The answering core (`newsqa.bot`) retrieves through `NewsRetriever`, the LangChain adapter of
`NewsIndex.search`; nothing here imports the core or a face (an import-linter contract). Names
are imported on first use: reading the settings does not load Chroma, torch or LangChain.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from newsqa.errors import BadQuery, LoadError, ModelMismatch, NewsqaError, StoreUnavailable

_LAZY = {
    "Article": "newsqa.index.article",
    "Filters": "newsqa.index.filters",
    "IngestReport": "newsqa.index.newsindex",
    "NewsIndex": "newsqa.index.newsindex",
    "SearchHit": "newsqa.index.search",
    "IndexSettings": "newsqa.index.settings",
    "Problem": "newsqa.index.sources",
    "load": "newsqa.index.sources",
    "NewsRetriever": "newsqa.index.retriever",
}

__all__ = [
    "Article", "BadQuery", "Filters", "IndexSettings", "IngestReport", "LoadError",
    "ModelMismatch", "NewsIndex", "NewsRetriever", "NewsqaError", "Problem", "SearchHit", "StoreUnavailable", "load",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'newsqa.index' has no attribute {name!r}")
    return getattr(import_module(_LAZY[name]), name)


if TYPE_CHECKING:
    from newsqa.index.article import Article
    from newsqa.index.filters import Filters
    from newsqa.index.newsindex import IngestReport, NewsIndex
    from newsqa.index.retriever import NewsRetriever
    from newsqa.index.search import SearchHit
    from newsqa.index.settings import IndexSettings
    from newsqa.index.sources import Problem, load
