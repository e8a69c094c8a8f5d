"""newsqa's index: sources → Article → chunks → embeddings → Chroma + lexical index, and search.

The answering core (`newsqa.bot`) retrieves through `NewsRetriever`, the LangChain adapter of
`NewsIndex.search`; nothing here imports the core or a face (an import-linter contract).
"""

from newsqa.errors import BadQuery, LoadError, ModelMismatch, NewsqaError, StoreUnavailable
from newsqa.index.article import Article
from newsqa.index.filters import Filters
from newsqa.index.newsindex import IngestReport, NewsIndex
from newsqa.index.search import SearchHit
from newsqa.index.settings import IndexSettings
from newsqa.index.sources import Problem, load

__all__ = [
    "Article", "BadQuery", "Filters", "IndexSettings", "IngestReport", "LoadError",
    "ModelMismatch", "NewsIndex", "NewsqaError", "Problem", "SearchHit", "StoreUnavailable", "load",
]


def __getattr__(name: str):
    # The LangChain adapter is imported on demand: langchain-core is not needed to ingest.
    if name == "NewsRetriever":
        from newsqa.index.retriever import NewsRetriever

        return NewsRetriever
    raise AttributeError(name)
