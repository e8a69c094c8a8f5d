"""A LangChain BaseRetriever over NewsIndex.search: how the answering core retrieves, and how
other people's LangChain chains can use the index (`SearchHit.from_json(doc.metadata)` gives the hit back).

>>> retriever = NewsRetriever(index=NewsIndex(settings), k=4)              # doctest: +SKIP
>>> docs = retriever.invoke("Who won the vote?")                           # doctest: +SKIP
>>> docs[0].metadata["title"], docs[0].metadata["score"]                    # doctest: +SKIP
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from newsqa.index.filters import Filters
from newsqa.index.newsindex import NewsIndex


class NewsRetriever(BaseRetriever):
    """Ranked news passages as Documents; metadata holds the SearchHit fields."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Any  # NewsIndex; Any keeps pydantic from inspecting it
    k: int | None = None
    filters: Filters | None = None
    as_of: datetime | None = None
    per_article: int | None = None  # passages of one article it may return (default: the setting)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        index: NewsIndex = self.index
        hits = index.search(query, k=self.k, filters=self.filters, as_of=self.as_of, per_article=self.per_article)
        return [
            Document(page_content=hit.text, metadata=hit.to_json(), id=hit.chunk_id) for hit in hits
        ]
