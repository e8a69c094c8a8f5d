"""Evidence: the few sentences of the retrieved passages that bear on the question.

The local model reads short, exact evidence well and long context badly, and prompt length
dominates its latency, so the LLM never sees whole chunks: each retrieved chunk is split into
sentences, every sentence is scored against the question (embedding similarity plus the share
of the question's content words it contains), and the best ones are kept under a token budget.
Sources are numbered by article, [1]..[n], in the order of their best sentence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from index.chunking import sentence_spans
from index.embeddings import Embedder
from index.lexical import tokenize
from index.search import SearchHit


@dataclass
class EvidenceSentence:
    text: str
    start: int  # character offsets in the article text
    end: int
    chunk_id: str
    score: float
    similarity: float


@dataclass
class EvidenceSource:
    """One numbered source: an article and its chosen sentences, in text order."""

    n: int
    article_id: str
    title: str
    source: str | None
    url: str | None
    published: datetime | None
    sentences: list[EvidenceSentence] = field(default_factory=list)

    def header(self) -> str:
        date = self.published.date().isoformat() if self.published else "undated"
        return f"[{self.n}] {self.title} ({self.source or 'unknown outlet'}, {date})"

    def render(self) -> str:
        return self.header() + "\n" + " ".join(s.text for s in self.sentences)


@dataclass
class Evidence:
    sources: list[EvidenceSource]
    best_similarity: float
    tokens: int

    def render(self) -> str:
        return "\n\n".join(s.render() for s in self.sources)

    def by_number(self, n: int) -> EvidenceSource | None:
        return next((s for s in self.sources if s.n == n), None)


@dataclass
class _Candidate:
    hit: SearchHit
    text: str
    start: int
    end: int


def lexical_overlap(question_terms: set[str], text: str) -> float:
    """Share of the question's content words (stemmed) that the text contains."""
    if not question_terms:
        return 0.0
    return len(question_terms & set(tokenize([text])[0])) / len(question_terms)


def _candidates(hits: list[SearchHit]) -> list[_Candidate]:
    """Every sentence of the hits, once (overlapping chunks repeat sentences)."""
    seen: set[tuple[str, int]] = set()
    out = []
    for hit in hits:
        for s, e in sentence_spans(hit.text):
            key = (hit.article_id, hit.start + s)
            if key in seen:
                continue
            seen.add(key)
            out.append(_Candidate(hit, hit.text[s:e], hit.start + s, hit.start + e))
    return out


def select_evidence(
    question: str,
    hits: list[SearchHit],
    embedder: Embedder,
    token_budget: int = 220,
    max_sentences: int = 6,
    overlap_weight: float = 0.3,
) -> Evidence:
    """The best sentences for the question under `token_budget`, grouped and numbered by article."""
    candidates = _candidates(hits)
    if not candidates:
        return Evidence([], 0.0, 0)
    vectors = embedder.encode([question] + [c.text for c in candidates])
    similarity = vectors[1:] @ vectors[0]
    terms = set(tokenize([question])[0])
    scores = similarity + overlap_weight * np.array([lexical_overlap(terms, c.text) for c in candidates])
    lengths = [len(ids) for ids in embedder.tokenizer([c.text for c in candidates], add_special_tokens=False,
                                                     verbose=False)["input_ids"]]
    chosen, used = [], 0
    for i in np.argsort(-scores):
        if len(chosen) == max_sentences:
            break
        if used + lengths[i] > token_budget and chosen:
            continue
        chosen.append(i)
        used += lengths[i]
    return Evidence(_group(candidates, chosen, scores, similarity), float(similarity.max()), used)


def _group(candidates: list[_Candidate], chosen: list[int], scores, similarity) -> list[EvidenceSource]:
    sources: dict[str, EvidenceSource] = {}
    for i in chosen:  # best first: sources are numbered by their best sentence
        c = candidates[i]
        source = sources.get(c.hit.article_id)
        if source is None:
            source = sources[c.hit.article_id] = EvidenceSource(
                n=len(sources) + 1, article_id=c.hit.article_id, title=c.hit.title,
                source=c.hit.source, url=c.hit.url, published=c.hit.published,
            )
        source.sentences.append(
            EvidenceSentence(c.text, c.start, c.end, c.hit.chunk_id, float(scores[i]), float(similarity[i]))
        )
    for source in sources.values():
        source.sentences.sort(key=lambda s: s.start)
    return list(sources.values())
