"""Evidence: the few sentences of the retrieved passages that bear on the question.

The local model reads short, exact evidence well and long context badly, and prompt length
dominates its latency, so the LLM never sees whole chunks: each retrieved chunk is split into
sentences, every sentence is scored against the question (embedding similarity, plus the share
of the question's content words it contains, plus a bonus when it holds the kind of answer asked
for: a figure for "how many", a new name for "who"), and the best ones are kept under a token
budget, with the best other sentence of each of the search's first passages (which often hold
the answer in a sentence that restates little of the question). Sentences that ask are never
evidence.
The model sees each sentence on its own numbered line, best first, with its article's title,
outlet and date; it cites those line numbers. The sources a reader sees are numbered by article
(one number per article, as news citations are): the citation check maps a line to its article.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

import numpy as np

from newsqa.index.chunking import sentence_spans
from newsqa.index.embeddings import Embedder
from newsqa.index.question_kind import question_kind
from newsqa.index.search import SearchHit
from newsqa.index.words import tokenize


@dataclass
class EvidenceSentence:
    label: int  # its line number in the prompt
    text: str
    start: int  # character offsets in the article text
    end: int
    chunk_id: str
    score: float
    similarity: float | None  # cosine similarity to the question; None where nothing measured it


@dataclass
class EvidenceSource:
    """One numbered source: an article and its chosen sentences, best first."""

    n: int
    article_id: str
    title: str
    source: str | None
    url: str | None
    published: datetime | None
    sentences: list[EvidenceSentence] = field(default_factory=list)
    # What the retrieved passages hold of the article, its lines and the text around them (the
    # model reads only the lines): where the check looks for a figure the question states.
    passages: str = ""
    from_summary: bool = False  # the article is its feed entry's summary

    @property
    def text(self) -> str:
        """Everything the evidence holds of this article, as one text."""
        return " ".join(s.text for s in self.sentences)

    def describe(self) -> str:
        date = self.published.date().isoformat() if self.published else "undated"
        return f"{self.title} ({self.source or 'unknown outlet'}, {date})"


@dataclass
class Evidence:
    sources: list[EvidenceSource]
    best_similarity: float
    tokens: int
    # Every retrieved article's passages (article id → their text), chosen from or not: the
    # check asks whether an article other than the cited ones states the answer.
    passages: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[tuple[EvidenceSource, EvidenceSentence]]:
        return [(src, s) for src in self.sources for s in src.sentences]

    def render(self) -> str:
        """What the model reads: each article's title, outlet and date once, then its numbered
        sentences; articles in the order of their best sentence, best sentences first."""
        blocks = []
        for src in self.sources:
            lines = "\n".join(f"[{s.label}] {s.text}" for s in src.sentences)
            blocks.append(f"Article: {src.describe()}\n{lines}")
        return "\n\n".join(blocks)

    def narrowed(self, lines: int) -> Evidence:
        """The best `lines` sentences by score alone, numbered afresh (the second try's evidence:
        the model reads short, exact evidence best)."""
        best = sorted(self.lines(), key=lambda pair: -pair[1].score)[:lines]
        sources: dict[str, EvidenceSource] = {}
        for src, sentence in best:
            if src.article_id not in sources:
                sources[src.article_id] = replace(src, n=len(sources) + 1, sentences=[])
            sources[src.article_id].sentences.append(replace(sentence))
        return Evidence(_numbered(list(sources.values())), self.best_similarity, self.tokens, self.passages)

    def by_label(self, label: int) -> tuple[EvidenceSource, EvidenceSentence] | None:
        return next(((src, s) for src, s in self.lines() if s.label == label), None)

    def by_number(self, n: int) -> EvidenceSource | None:
        return next((s for s in self.sources if s.n == n), None)


@dataclass
class _Candidate:
    hit: SearchHit
    text: str
    start: int
    end: int
    rank: int  # the search rank (from 1) of the best passage holding the sentence


_NAME = re.compile(r"(?<![.!?]\s)\b[A-Z][\w'’-]+")


def answer_type_bonus(question: str, sentence: str, bonus: float = 0.15) -> float:
    """A sentence that can hold the kind of answer asked for (a figure, a date, a name not
    already in the question) is more likely to hold the answer than one that only restates it."""
    expects = question_kind(question).expects
    if expects == "figure":
        return bonus if re.search(r"\d", sentence) else 0.0
    if expects == "name":
        asked = {w.lower() for w in re.findall(r"[\w'’-]+", question)}
        names = {m.lower() for m in _NAME.findall(sentence)[1:]} - asked  # skip the sentence's first word
        return bonus if names else 0.0
    return 0.0


def content_terms(text: str) -> set[str]:
    """The text's content words, stemmed, as the lexical index sees them."""
    return set(tokenize([text])[0])


def held_share(terms: set[str], held: set[str]) -> float:
    """Share of `terms` (content words of a question or a claim) among the `held` words."""
    if not terms:
        return 0.0
    return len(terms & held) / len(terms)


def lexical_overlap(terms: set[str], text: str) -> float:
    """Share of `terms` (content words of a question or a claim) that the text contains."""
    return held_share(terms, content_terms(text))


def bearing(similarity: float, question_terms: set[str], text: str, overlap_weight: float = 0.3) -> float:
    """How much a sentence bears on the question: its embedding similarity to it plus
    `overlap_weight` times the share of the question's content words it holds (a sentence's
    evidence score, without the answer-type and search-rank terms)."""
    return similarity + overlap_weight * lexical_overlap(question_terms, text)


# A sentence that asks ("Who is hosting the Tonys?", an article's FAQ heading) states nothing: it
# restates a question closely, so it scores high, and it never holds the answer.
_ASKS = re.compile(r"\?[\s\"'”’)\]]*$")


def asks(text: str) -> bool:
    """Whether the sentence is a question (ends with "?", maybe inside quotes or brackets)."""
    return bool(_ASKS.search(text))


def _candidates(hits: list[SearchHit]) -> list[_Candidate]:
    """Every sentence of the hits that states something, once: overlapping chunks repeat
    sentences, and one story carried by two outlets repeats them word for word (the first
    passage's copy is kept)."""
    seen: set[tuple[str, int] | str] = set()
    out = []
    for rank, hit in enumerate(hits, start=1):
        for s, e in sentence_spans(hit.text):
            text = hit.text[s:e]
            keys = ((hit.article_id, hit.start + s), " ".join(text.lower().split()))
            if any(key in seen for key in keys) or asks(text):
                continue
            seen.update(keys)
            out.append(_Candidate(hit, text, hit.start + s, hit.start + e, rank))
    return out


@dataclass
class ScoredSentences:
    """Every sentence of the retrieved passages, scored against the question once; `choose`
    picks the evidence from them (a benchmark tries many budgets on one scoring)."""

    candidates: list[_Candidate]
    scores: np.ndarray
    similarity: np.ndarray
    lengths: list[int]  # tokens of each sentence
    passages: dict[str, str] = field(default_factory=dict)  # article id → its retrieved passages' text


def passages_by_article(passages: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Article id → the text of its retrieved passages, from (article id, passage text) in the
    order the search returned them."""
    out: dict[str, list[str]] = {}
    for article, text in passages:
        out.setdefault(article, []).append(text)
    return {article: " ".join(texts) for article, texts in out.items()}


def score_sentences(question: str, hits: list[SearchHit], embedder: Embedder,
                    overlap_weight: float = 0.3, rank_weight: float = 0.0) -> ScoredSentences:
    """Each sentence's score: similarity to the question, plus the share of the question's
    content words it holds, plus the answer-type bonus, plus `rank_weight / rank` of the best
    passage it came from: the search ranks whole passages (dense and lexical, with the words
    around the sentence), and the answer often sits in a sentence that restates little of the
    question next to one that restates it all (measured: bench/studies/evidence_curve.py)."""
    candidates = _candidates(hits)
    passages = passages_by_article((hit.article_id, hit.text) for hit in hits)
    if not candidates:
        return ScoredSentences([], np.zeros(0), np.zeros(0), [], passages)
    vectors = embedder.encode([question] + [c.text for c in candidates])
    similarity = vectors[1:] @ vectors[0]
    terms = content_terms(question)
    scores = np.array(
        [bearing(float(sim), terms, c.text, overlap_weight) + answer_type_bonus(question, c.text)
         + rank_weight / c.rank for sim, c in zip(similarity, candidates)]
    )
    lengths = [len(ids) for ids in embedder.tokenizer([c.text for c in candidates], add_special_tokens=False,
                                                     verbose=False)["input_ids"]]
    return ScoredSentences(candidates, scores, similarity, lengths, passages)


# A sentence opening with one of these leans on the one before it for its subject.
_LEANS = re.compile(r"^(?:he|she|it|they|his|her|its|their|this|that|these|those|but|however|the move|the deal)\b",
                    re.IGNORECASE)


def just_before(end: int, start: int) -> bool:
    """Whether a sentence ending at `end` is the one just before a sentence starting at `start` of
    the same article (offsets in the article text; only the space between them apart)."""
    return end <= start and start - end <= 3


def _context_of(candidates: list[_Candidate], i: int) -> int | None:
    """The sentence just before candidate i in its article, when i leans on it."""
    c = candidates[i]
    if not _LEANS.match(c.text):
        return None
    return next((j for j, p in enumerate(candidates)
                 if p.hit.article_id == c.hit.article_id and just_before(p.end, c.start)), None)


def choose(scored: ScoredSentences, token_budget: int = 220, max_sentences: int | None = None,
           min_relative_score: float = 0.0, per_article: int | None = None, context: bool = False,
           top_passages: int = 0, top_passage_floor: float = 0.0) -> Evidence:
    """The best sentences under `token_budget`, at most `per_article` of one article (so that
    the evidence spans several stories), each with the sentence before it when it leans on it
    for its subject (`context`), then the best sentence not yet chosen of each of the search's
    first `top_passages` passages, if it scores at least `top_passage_floor` of the best one (a
    sentence of a passage about something else only distracts); grouped and numbered by article.

    The search ranks whole passages, with the words around each sentence, and its first passages
    often hold the answer in a sentence that restates little of the question — which therefore
    scores below sentences that restate it all (measured: bench/studies/evidence_curve.py)."""
    if not scored.candidates:
        return Evidence([], 0.0, 0, scored.passages)
    picks = _Picks(scored, token_budget, per_article)
    _best(picks, max_sentences, min_relative_score, context)
    order = np.argsort(-scored.scores, kind="stable")
    floor = top_passage_floor * float(scored.scores.max())
    for rank in range(1, top_passages + 1):
        i = next((i for i in order if scored.candidates[i].rank == rank and i not in picks.chosen), None)
        if i is not None and scored.scores[i] >= floor and not picks.full(i) and picks.fits([i]):
            picks.add([i], i)
    sources = _group(scored.candidates, picks.chosen, scored.scores, scored.similarity, scored.passages)
    return Evidence(sources, float(scored.similarity.max()), picks.used, scored.passages)


@dataclass
class _Picks:
    """The sentences `choose` has taken: their indexes, their tokens, how many each article gave."""

    scored: ScoredSentences
    token_budget: int
    per_article: int | None
    chosen: list[int] = field(default_factory=list)
    used: int = 0
    taken: dict[str, int] = field(default_factory=dict)

    def _article(self, i: int) -> str:
        return self.scored.candidates[i].hit.article_id

    def full(self, i: int) -> bool:
        """Whether sentence i's article has given its `per_article` sentences already."""
        return bool(self.per_article) and self.taken.get(self._article(i), 0) >= self.per_article

    def cost(self, indexes: list[int]) -> int:
        return sum(int(self.scored.lengths[j]) for j in indexes)

    def fits(self, indexes: list[int]) -> bool:
        return self.used + self.cost(indexes) <= self.token_budget

    def add(self, indexes: list[int], main: int) -> None:
        """Take `indexes` (sentence `main`, maybe with its context), counted once for its article."""
        self.chosen += indexes
        self.used += self.cost(indexes)
        self.taken[self._article(main)] = self.taken.get(self._article(main), 0) + 1


def _best(picks: _Picks, max_sentences: int | None, min_relative_score: float, context: bool) -> None:
    """The best sentences by score, into `picks` (`choose`)."""
    scores = picks.scored.scores
    best = float(scores.max())
    picked = 0
    for i in np.argsort(-scores, kind="stable"):
        # Weak sentences only distract the model: keep those close to the best one.
        if picked == max_sentences or scores[i] < min_relative_score * best:  # None: no cap
            break
        if i in picks.chosen or picks.full(i):  # already in as another sentence's context, or enough
            continue
        before = _context_of(picks.scored.candidates, i) if context else None
        take = ([before] if before is not None and before not in picks.chosen else []) + [i]
        if not picks.fits(take) and picks.chosen:  # the first sentence is taken whatever its length
            continue
        picks.add(take, i)
        picked += 1


def select_evidence(
    question: str,
    hits: list[SearchHit],
    embedder: Embedder,
    token_budget: int = 220,
    max_sentences: int | None = None,
    overlap_weight: float = 0.3,
    min_relative_score: float = 0.0,
    per_article: int | None = None,
    context: bool = False,
    rank_weight: float = 0.0,
    top_passages: int = 0,
    top_passage_floor: float = 0.0,
) -> Evidence:
    """The best sentences for the question under `token_budget`, grouped and numbered by article."""
    scored = score_sentences(question, hits, embedder, overlap_weight, rank_weight)
    return choose(scored, token_budget, max_sentences, min_relative_score, per_article, context, top_passages,
                  top_passage_floor)


def _group(candidates: list[_Candidate], chosen: list[int], scores, similarity,
           passages: dict[str, str]) -> list[EvidenceSource]:
    sources: dict[str, EvidenceSource] = {}
    for i in chosen:  # best first: sources are numbered by their best sentence
        c = candidates[i]
        source = sources.get(c.hit.article_id)
        if source is None:
            source = sources[c.hit.article_id] = EvidenceSource(
                n=len(sources) + 1, article_id=c.hit.article_id, title=c.hit.title,
                source=c.hit.source, url=c.hit.url, published=c.hit.published, from_summary=c.hit.from_summary,
            )
        source.sentences.append(
            EvidenceSentence(0, c.text, c.start, c.end, c.hit.chunk_id, float(scores[i]), float(similarity[i]))
        )
    for source in sources.values():
        source.passages = passages.get(source.article_id, "")
    return _numbered(list(sources.values()))  # within a source, best sentence first: the model favours the first


def _numbered(sources: list[EvidenceSource]) -> list[EvidenceSource]:
    """The sources with their lines numbered from 1 in the order the model reads them: article by
    article."""
    for label, (_, sentence) in enumerate(((src, s) for src in sources for s in src.sentences), start=1):
        sentence.label = label
    return sources
