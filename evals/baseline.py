"""The LangChain tutorial RAG chain, the one reference newsqa is compared with.

RecursiveCharacterTextSplitter(1000, 200), the same embedding model as newsqa
(HuggingFaceEmbeddings), a Chroma store, similarity search k=4, the tutorial's "stuff" prompt
(prompts/tutorial_rag) and the same LLM. The evaluation's `langchain-baseline` pipeline and the
benchmarks (bench/answer_worker.py, bench/ingest_worker.py) all use this one copy.
Needs `pip install 'newsqa[bench]'`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from newsqa import Article, NewsqaError, prompts

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
K = 4
_ADD_BATCH = 256  # Chroma takes at most a few thousand records a call


class TutorialRAG:
    """The tutorial's store and chain over one persisted Chroma folder."""

    def __init__(self, folder: Path, embedding_model: str, collection: str = "baseline") -> None:
        try:
            from langchain_chroma import Chroma
            from langchain_huggingface import HuggingFaceEmbeddings
        except ImportError:
            raise NewsqaError("the LangChain tutorial baseline needs pip install 'newsqa[bench]'") from None
        from newsqa.index.embeddings import resolve_model_path

        self.embeddings = HuggingFaceEmbeddings(model_name=resolve_model_path(embedding_model))
        self.store = Chroma(collection_name=collection, embedding_function=self.embeddings,
                            persist_directory=str(folder))

    @property
    def tokenizer(self) -> Any:
        """The embedding model's tokenizer, to count tokens as newsqa does."""
        return self.embeddings._client.tokenizer

    @staticmethod
    def split(articles: Iterable[Article]) -> list[Any]:
        """The tutorial's chunks: 1,000 characters with 200 of overlap."""
        from langchain_core.documents import Document
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        docs = [Document(page_content=a.text, metadata={
                    "title": a.title, "url": a.url or "", "article_id": a.id,
                    # for the as_of row: undated articles stay searchable, as in newsqa
                    "published_ts": a.published.timestamp() if a.published else -1.0})
                for a in articles]
        return RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP).split_documents(docs)

    def add(self, articles: Iterable[Article]) -> list[Any]:
        """Split and embed the articles into the store; the chunks."""
        splits = self.split(articles)
        for i in range(0, len(splits), _ADD_BATCH):
            self.store.add_documents(splits[i:i + _ADD_BATCH])
        return splits

    def reset(self) -> None:
        self.store.reset_collection()

    def retrieve(self, question: str, as_of: datetime | None = None) -> list[Any]:
        """The tutorial's retrieval: the k=4 most similar chunks; with `as_of`, only of articles
        published by then (or undated), the date filter newsqa applies."""
        if as_of is None:
            return self.store.similarity_search(question, k=K)
        published_by = {"$or": [{"published_ts": {"$lte": as_of.timestamp()}}, {"published_ts": {"$eq": -1.0}}]}
        return self.store.similarity_search(question, k=K, filter=published_by)

    @staticmethod
    def chain(chat: Any) -> Any:
        """The "stuff" prompt into the chat model; invoke it with `inputs(question, docs)`."""
        return prompts.load("tutorial_rag") | chat

    @staticmethod
    def inputs(question: str, docs: list[Any]) -> dict[str, str]:
        return {"question": question, "context": "\n\n".join(d.page_content for d in docs)}
