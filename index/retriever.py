"""A LangChain BaseRetriever over NewsIndex.search, so LangChain chains can use the index.

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

from index.manifest import Filters
from index.newsindex import NewsIndex


class NewsRetriever(BaseRetriever):
    """Ranked news passages as Documents; metadata holds the SearchHit fields."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Any  # NewsIndex; Any keeps pydantic from inspecting it
    k: int | None = None
    filters: Filters | None = None
    as_of: datetime | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        index: NewsIndex = self.index
        hits = index.search(query, k=self.k, filters=self.filters, as_of=self.as_of)
        return [
            Document(page_content=hit.text, metadata=hit.to_json(), id=hit.chunk_id) for hit in hits
        ]
