"""newsqa's index: sources → Article → chunks → embeddings → Chroma + lexical index, and search.

The answering layer (`bot`) uses only `NewsIndex.search` (or `NewsRetriever`, its LangChain
adapter); nothing here imports `bot`.
"""

from index.article import Article
from index.errors import BadQuery, LoadError, ModelMismatch, NewsqaError, StoreUnavailable
from index.manifest import Filters
from index.newsindex import IngestReport, NewsIndex
from index.search import SearchHit
from index.settings import IndexSettings
from index.sources import Problem, load

__all__ = [
    "Article", "BadQuery", "Filters", "IndexSettings", "IngestReport", "LoadError",
    "ModelMismatch", "NewsIndex", "NewsqaError", "Problem", "SearchHit", "StoreUnavailable", "load",
]


def __getattr__(name: str):
    # The LangChain adapter is imported on demand: langchain-core is not needed to ingest.
    if name == "NewsRetriever":
        from index.retriever import NewsRetriever

        return NewsRetriever
    raise AttributeError(name)
