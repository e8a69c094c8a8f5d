"""The pipelines an evaluation can run, each turning a question into the one `Answer` type.

- `newsqa`: the product itself (`Answerer.invoke`, the Python API), over a newsqa index of the corpus.
- `langchain-baseline`: the LangChain tutorial RAG chain (evals/baseline.py: 1000/200 chunks,
  the same embedding model, Chroma similarity search k=4, the tutorial's "stuff" prompt, the
  same LLM), so that a report can put the two side by side. It cites nothing. Its answer goes
  through newsqa's short-answer step (the phrase of its first sentence that the question lacks)
  before EM and F1, so that like is compared with like.
- `langchain-baseline-as-of`: the same chain searching only articles published by the
  question's date (undated ones kept), the date filter newsqa applies.

Each builds its index for a corpus once, in a cache folder keyed by the corpus and the settings
that shape the index, and reuses it afterwards (an interrupted build continues: ingest is
incremental).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Protocol

import numpy as np

from newsqa import (
    ABSTAIN_TEXT,
    Answer,
    Answerer,
    Article,
    AskRequest,
    EvidenceLine,
    NewsIndex,
    NewsqaError,
    Problem,
    Retrieved,
    Settings,
    load,
    make_llm,
)
from newsqa.bot.short_answer import answer_phrase
from newsqa.bot.verify import is_abstention
from newsqa.evals.baseline import TutorialRAG
from newsqa.evals.dataset import EvalQuestion, EvalSet
from newsqa.index.article import canonical_url
from newsqa.index.chunking import sentence_spans

PIPELINES = ("newsqa", "langchain-baseline", "langchain-baseline-as-of")


class Pipeline(Protocol):
    name: str

    def answer(self, question: EvalQuestion, as_of: datetime, retrieval_only: bool) -> Answer: ...

    def warm_up(self) -> None: ...

    def passages(self, answer: Answer) -> list[tuple[str | None, str]]: ...

    def evidence_read(self, answer: Answer) -> tuple[str, int]:
        """The evidence as the model read it (the titles too where the prompt shows them), and
        its tokens."""
        ...


def corpus_articles(eval_set: EvalSet, settings: Settings) -> Iterator[Article]:
    """The corpus's articles, less the excluded URLs; problems are skipped (logged by ingest)."""
    for item in load(eval_set.corpus, settings.fetch):
        if isinstance(item, Problem):
            continue
        if item.url and canonical_url(item.url) in eval_set.exclude_urls:
            continue
        yield item


def cache_folder(root: Path, kind: str, eval_set: EvalSet, settings: Settings) -> Path:
    shape = {"kind": kind, "corpus": eval_set.corpus_key(), "embedding_model": settings.embedding_model,
             "chunk_tokens": settings.chunk_tokens, "overlap": settings.chunk_overlap_tokens,
             "dedup": settings.dedup.model_dump() if settings.dedup.enabled else None}
    if settings.engine != "chroma":  # the Chroma indexes cached before engines were a setting keep their key
        shape["engine"] = settings.engine
    if settings.embedding_backend == "onnx-int8":  # its vectors differ; ONNX's float32 ones are torch's
        shape["embedding_backend"] = settings.embedding_backend
    key = hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:16]
    return root / f"{kind}-{key}"


class NewsqaPipeline:
    """newsqa's own `ask` over a cached newsqa index of the corpus."""

    name = "newsqa"

    def __init__(self, eval_set: EvalSet, settings: Settings, cache_root: Path, llm: str) -> None:
        home = cache_folder(cache_root, self.name, eval_set, settings)
        self.settings = settings.model_copy(update={"home": home})
        self.llm = llm
        index = NewsIndex(self.settings)
        if not (home / "complete").exists():
            report = index.ingest(corpus_articles(eval_set, self.settings))
            if report.added + report.unchanged + report.updated == 0:
                raise NewsqaError(f"no article of the corpus could be read ({len(report.failed)} failed)")
            (home / "complete").write_text(json.dumps({"articles": report.added + report.unchanged + report.updated}))
        self.answerer = Answerer(self.settings, index)

    def warm_up(self) -> None:
        self.answerer.warm_up(self.llm)  # a failing LLM is measured, and reported, question by question

    def answer(self, question: EvalQuestion, as_of: datetime, retrieval_only: bool) -> Answer:
        request = AskRequest(question=question.question, as_of=as_of, llm="none" if retrieval_only else self.llm)
        return self.answerer.invoke(request)

    def passages(self, answer: Answer) -> list[tuple[str | None, str]]:
        chunks = self.answerer.index.manifest.chunks([r.chunk_id for r in answer.retrieved])
        return [(r.url, chunks[r.chunk_id].text if r.chunk_id in chunks else "") for r in answer.retrieved]

    def evidence_read(self, answer: Answer) -> tuple[str, int]:
        """The lines and their articles' titles, each shown once above its lines (the outlet and
        date beside a title are not counted)."""
        titles = list(dict.fromkeys(e.title for e in answer.evidence if e.title))
        tokenizer = self.answerer.index.embedder.tokenizer
        title_ids = tokenizer(titles, add_special_tokens=False)["input_ids"] if titles else []
        title_tokens = sum(len(ids) for ids in title_ids)
        text = " ".join([*titles, *(e.text for e in answer.evidence)])
        return text, answer.evidence_tokens + title_tokens

    def close(self) -> None:
        self.answerer.index.close()


class LangchainBaseline:
    """The LangChain tutorial RAG chain, answering into the same Answer type (no citations)."""

    name = "langchain-baseline"

    def __init__(self, eval_set: EvalSet, settings: Settings, cache_root: Path, llm: str,
                 dated: bool = False) -> None:
        self.dated = dated
        self.name = "langchain-baseline-as-of" if dated else "langchain-baseline"
        folder = cache_folder(cache_root, "tutorial", eval_set, settings)  # its chunks carry their dates
        self.rag = TutorialRAG(folder / "chroma", settings.embedding_model)
        if not (folder / "complete").exists():
            self.rag.reset()  # a half-built store is rebuilt whole
            chunks = self.rag.add(corpus_articles(eval_set, settings))
            (folder / "complete").write_text(json.dumps({"chunks": len(chunks)}))
        self.llm_spec = llm
        self._llm = None
        self.settings = settings

    def _chat(self):
        if self._llm is None:
            self._llm = make_llm(self.llm_spec, self.settings.providers, self.settings.answer.max_answer_tokens)
        return self._llm

    def warm_up(self) -> None:
        chat = self._chat().chat
        try:
            if chat is not None:
                chat.invoke("Say OK.", max_tokens=1)  # load the model before anything is timed
        except Exception:  # a failing LLM is measured, and reported, question by question
            pass

    def answer(self, question: EvalQuestion, as_of: datetime, retrieval_only: bool) -> Answer:
        timings: dict[str, float] = {}
        start = time.perf_counter()
        docs = self.rag.retrieve(question.question, as_of if self.dated else None)
        timings["search"] = round(time.perf_counter() - start, 4)
        evidence = [EvidenceLine(label=i, article_id=d.metadata.get("article_id", ""), chunk_id=d.id or str(i),
                                 title=d.metadata.get("title", ""), url=d.metadata.get("url") or None,
                                 text=d.page_content, start=0, end=len(d.page_content))
                    for i, d in enumerate(docs, start=1)]
        llm = self._chat() if not retrieval_only else None
        text, tokens_in, tokens_out = "", 0, 0
        if llm is not None and llm.chat is None and docs:  # `none`: the top passage's opening sentences
            spans = sentence_spans(docs[0].page_content)[: self.settings.answer.extractive_sentences]
            text = " ".join(docs[0].page_content[s:e].strip() for s, e in spans)
        elif llm is not None:
            start = time.perf_counter()
            message = self.rag.chain(llm.chat).invoke(self.rag.inputs(question.question, docs))
            timings["generate"] = round(time.perf_counter() - start, 4)
            text = str(message.content).strip()
            usage = message.usage_metadata or {}
            tokens_in, tokens_out = usage.get("input_tokens", 0), usage.get("output_tokens", 0)
        timings["total"] = round(sum(timings.values()), 4)
        abstained = is_abstention(text) or "don't know" in text.lower() or "do not know" in text.lower()
        first = first_sentence(text)
        return Answer(
            question=question.question, standalone_question=question.question,
            answer=ABSTAIN_TEXT if abstained else text,
            short_answer="" if abstained else answer_phrase(question.question, first),
            abstained=abstained, provider=llm.provider if llm else "none", model=llm.model if llm else "retrieval-only",
            as_of=as_of, timings=timings, tokens_in=tokens_in, tokens_out=tokens_out,
            retrieved=[Retrieved(chunk_id=e.chunk_id, article_id=e.article_id, score=0.0, url=e.url) for e in evidence],
            evidence=evidence,
            evidence_tokens=sum(len(ids) for ids in self.rag.tokenizer([e.text for e in evidence],
                                                                   add_special_tokens=False)["input_ids"]),
            relevance=self._relevance(question.question, docs),
        )

    def _relevance(self, question: str, docs: list) -> float:
        """The question's closeness to the best sentence of its chunks, as newsqa measures its own
        (Answer.relevance): the confidence the evaluation's risk–coverage curve ranks answers by.
        A measurement only: the tutorial chain does not read it, and it is not timed."""
        sentences = [d.page_content[s:e] for d in docs for s, e in sentence_spans(d.page_content)]
        if not sentences:
            return 0.0
        vectors = np.asarray(self.rag.embeddings.embed_documents(sentences))
        query = np.asarray(self.rag.embeddings.embed_query(question))
        cosines = vectors @ query / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(query) + 1e-12)
        return round(float(cosines.max()), 4)

    def passages(self, answer: Answer) -> list[tuple[str | None, str]]:
        return [(e.url, e.text) for e in answer.evidence]

    def evidence_read(self, answer: Answer) -> tuple[str, int]:
        """The chunks alone: the tutorial's prompt shows no titles."""
        return " ".join(e.text for e in answer.evidence), answer.evidence_tokens

    def close(self) -> None:
        pass


def first_sentence(text: str) -> str:
    """The first sentence of a plain answer: what the tutorial chain's short answer is taken from."""
    spans = sentence_spans(text)
    return text[spans[0][0]:spans[0][1]] if spans else text


def make_pipeline(kind: str, eval_set: EvalSet, settings: Settings, cache_root: Path, llm: str) -> Pipeline:
    if kind == "newsqa":
        return NewsqaPipeline(eval_set, settings, cache_root, llm)
    if kind in ("langchain-baseline", "langchain-baseline-as-of"):
        return LangchainBaseline(eval_set, settings, cache_root, llm, dated=kind.endswith("as-of"))
    raise NewsqaError(f"unknown pipeline {kind!r}; use {' or '.join(PIPELINES)}")
