"""The learned ranker: which of the search's candidates hold the answer, scored by a LightGBM
lambdarank model trained on labelled news questions and readers' votes (`newsqa train`).

The search gathers its candidate pool as before (the dense and the lexical candidates, fused and
dated); the ranker scores every candidate from features of the question and the passage, and the
pool is re-ordered by that score before the per-article cap takes the first k. With
`search.ranker = "none"` the fused order is kept; "learned", the model shipped with newsqa, is the default.

Features, all cheap (no model beyond the trees; the pool's embeddings and BM25 scores are
already computed by the search; what does not depend on the question, a passage's stemmed words
by sentence, its names and figures, is read when the passage is stored: index/passage_reading.py):
- each leg's score and rank, whether both legs found it, the fused score and rank;
- how much of the question is in the passage and in its title: content words (stemmed), names
  (capitalised words), figures;
- whether the passage holds what the question asks for (a figure, a name) by the question's kind;
- the article's age relative to `as_of`, whether the question names a time, and whether it asks
  what was announced or happened (which leans on recent news);
- the passage's place in its article, its length, how many outlets carried the story, and how
  many of the pool's passages come from the same article.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import numpy as np

from newsqa.errors import NewsqaError
from newsqa.index.passage_reading import FIGURE, NAME, PassageReading, ReadingCache
from newsqa.index.question_kind import question_kind
from newsqa.index.search import SearchHit
from newsqa.index.words import tokenize

# The model shipped with newsqa, trained on the RealTime QA 2025 dev weeks (its card is beside it).
DEFAULT_MODEL = Path(__file__).with_name("models") / "ranker.txt"

FEATURES = [
    "fused_score", "fused_rank", "dense_sim", "dense_gap", "dense_rank", "bm25", "bm25_share",
    "lexical_rank", "both_legs", "words_in_text", "words_in_title", "names_in_text", "names_in_title",
    "figures_in_text", "expects_figure", "expects_name", "text_figures", "text_names", "age_days",
    "undated", "names_time", "asks_event", "ordinal", "length", "copies", "article_in_pool",
    "article_best_rank", "best_sentence_words", "bigrams_in_text", "newer_in_pool",
]

_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december|"
           "jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec")
_TIME = re.compile(rf"\b({_MONTHS}|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
                   r"(19|20)\d\d|week|month|year|today|yesterday|weekend|season|spring|summer|autumn|fall|"
                   r"winter|recent(ly)?|latest|currently|now)\b", re.I)
_EVENT = re.compile(r"\b(announc\w*|happen\w*|unveil\w*|launch\w*|reveal\w*|report\w*|declar\w*|"
                    r"confirm\w*|won|died|killed|elected|named|resign\w*|new)\b", re.I)
# Words of asking, not of the story: left out of the question's content words.
_ASKING = "how many much what which who whom whose when where why according did does was were is are said"
_QUESTION_WORDS = {"who", "what", "which", "when", "where", "why", "how", "whose", "whom", "in", "the", "a",
                   "according", "as", "on", "of", "this", "last", "after", "before", "for", "at", "by"}


@dataclass
class Candidate:
    """One passage of the pool with what the search knows about it."""

    hit: SearchHit
    dense_sim: float | None = None
    bm25: float | None = None
    ordinal: int = 0
    reading: str | None = None  # what the manifest stored of the passage's reading (index/passage_reading.py)


@dataclass(frozen=True)
class _Question:
    words: frozenset[str]
    bigrams: frozenset[tuple[str, str]]
    names: tuple[str, ...]
    figures: tuple[str, ...]
    expects: str
    names_time: bool
    asks_event: bool


@lru_cache(maxsize=256)
def _read_question(question: str) -> _Question:
    names = tuple(dict.fromkeys(m.group(0).lower() for m in NAME.finditer(question)
                                if m.group(0).lower() not in _QUESTION_WORDS))
    stems = [t for t in tokenize([question])[0] if t not in _asking_stems()]
    return _Question(
        words=frozenset(stems),
        bigrams=frozenset(zip(stems, stems[1:])),
        names=names,
        figures=tuple(dict.fromkeys(f.replace(",", "") for f in FIGURE.findall(question))),
        expects=question_kind(question).expects,
        names_time=bool(_TIME.search(question)),
        asks_event=bool(_EVENT.search(question)),
    )


@lru_cache(maxsize=1)
def _asking_stems() -> frozenset[str]:
    return frozenset(tokenize([_ASKING])[0])


@lru_cache(maxsize=256)
def _whole_words(wanted: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern finding any of `wanted` as a whole word (longest first)."""
    alternatives = "|".join(re.escape(w) for w in sorted(wanted, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


# About 25 searches' candidate pools; a few kB each.
_PASSAGES = ReadingCache(4096)


def _share(wanted: tuple[str, ...], text: str) -> float:
    """The share of `wanted` strings found in `text` as whole words; NaN when nothing is wanted."""
    if not wanted:
        return math.nan
    return len(set(_whole_words(wanted).findall(text))) / len(wanted)


def features(question: str, pool: list[Candidate], as_of: datetime | None,
             copies: dict[str, int] | None = None) -> np.ndarray:
    """One row of FEATURES per candidate, in the pool's order (the fused order)."""
    asked = _read_question(question)
    reference = as_of or datetime.now(timezone.utc)
    best_sim = max((c.dense_sim for c in pool if c.dense_sim is not None), default=math.nan)
    best_bm25 = max((c.bm25 for c in pool if c.bm25 is not None), default=math.nan)
    per_article = Counter(c.hit.article_id for c in pool)
    first_rank: dict[str, int] = {}
    for rank, c in enumerate(pool, start=1):
        first_rank.setdefault(c.hit.article_id, rank)
    passages = _PASSAGES.read([c.hit.text for c in pool], [c.reading for c in pool])
    titles = _PASSAGES.read([c.hit.title or "" for c in pool])
    asked_names = set(asked.names)
    ages = sorted(_age_days(c.hit, reference) for c in pool if c.hit.published)
    rows = []
    for rank, (c, passage, headline) in enumerate(zip(pool, passages, titles), start=1):
        hit = c.hit
        age = _age_days(hit, reference)
        word_count = passage.word_count
        rows.append([
            hit.score, rank,
            _nan(c.dense_sim), _nan(None if c.dense_sim is None else best_sim - c.dense_sim), _nan(hit.dense_rank),
            _nan(c.bm25), _nan(None if c.bm25 is None or not best_bm25 else c.bm25 / best_bm25),
            _nan(hit.lexical_rank), float(hit.dense_rank is not None and hit.lexical_rank is not None),
            len(asked.words & passage.words) / len(asked.words) if asked.words else math.nan,
            len(asked.words & headline.words) / len(asked.words) if asked.words else math.nan,
            _share(asked.names, hit.text.lower()) if asked.names else math.nan,
            _share(asked.names, (hit.title or "").lower()) if asked.names else math.nan,
            _share(asked.figures, hit.text.replace(",", "")) if asked.figures else math.nan,
            float(asked.expects == "figure"), float(asked.expects == "name"),
            passage.figures / word_count, len(passage.names - asked_names) / word_count,
            math.log1p(max(age, 0.0)) if not math.isnan(age) else math.nan, float(hit.published is None),
            float(asked.names_time), float(asked.asks_event),
            c.ordinal, len(hit.text), (copies or {}).get(hit.article_id, len(hit.carried_by)),
            per_article[hit.article_id], first_rank[hit.article_id], _best_share(asked.words, passage.sentences),
            _bigram_share(asked.bigrams, passage) if asked.bigrams else math.nan,
            bisect.bisect_left(ages, age) / len(ages) if ages and not math.isnan(age) else math.nan,
        ])
    return np.asarray(rows, dtype=np.float64).reshape(len(pool), len(FEATURES))


def _age_days(hit: SearchHit, reference: datetime) -> float:
    return (reference - hit.published).total_seconds() / 86400.0 if hit.published else math.nan


def _bigram_share(bigrams: frozenset[tuple[str, str]], passage: PassageReading) -> float:
    """The share of the question's word pairs the passage holds side by side; only pairs whose
    both words it holds are looked for (most are not)."""
    wanted = {pair for pair in bigrams if pair[0] in passage.words and pair[1] in passage.words}
    if not wanted:
        return 0.0
    found = {pair for pair in zip(passage.flat, passage.flat[1:]) if pair in wanted}
    return len(found) / len(bigrams)


def _best_share(words: frozenset[str], sentences: tuple[frozenset[str], ...]) -> float:
    """The largest share of the question's content words that one sentence holds (an answer
    usually sits in one sentence that repeats the question's terms); NaN without content words."""
    if not words:
        return math.nan
    return max((len(words.intersection(sentence)) / len(words) for sentence in sentences), default=0.0)


def _nan(value: float | int | None) -> float:
    return math.nan if value is None else float(value)


class Ranker:
    """A trained lambdarank model that orders the search's candidate pool."""

    def __init__(self, booster) -> None:
        self.booster = booster

    @classmethod
    def load(cls, path: Path) -> Ranker:
        import lightgbm  # loaded only where a ranker is used

        if not path.is_file():
            raise NewsqaError(f"no ranker model at {path}; train one (newsqa train) or set search.ranker")
        try:
            booster = lightgbm.Booster(model_file=str(path))
        except lightgbm.basic.LightGBMError as exc:
            raise NewsqaError(f"the ranker model {path} cannot be read: {str(exc).splitlines()[0]}") from None
        if booster.feature_name() != FEATURES:
            raise NewsqaError(f"the ranker model {path} was trained on other features; train it again (newsqa train)")
        return cls(booster)

    def scores(self, question: str, pool: list[Candidate], as_of: datetime | None,
               copies: dict[str, int] | None = None) -> np.ndarray:
        if not pool:
            return np.zeros(0)
        return self.booster.predict(features(question, pool, as_of, copies), num_threads=1)

    def order(self, question: str, pool: list[Candidate], as_of: datetime | None,
              copies: dict[str, int] | None = None) -> list[SearchHit]:
        """The pool's hits, best first by the model; each hit's score is the model's."""
        scores = self.scores(question, pool, as_of, copies)
        for candidate, score in zip(pool, scores):
            candidate.hit.score = float(score)
        ranked = sorted(range(len(pool)), key=lambda i: (-scores[i], i))
        return [pool[i].hit for i in ranked]


@lru_cache(maxsize=4)
def load_ranker(choice: str) -> Ranker | None:
    """The ranker `search.ranker` names: "learned" (the model shipped with newsqa), "none" (the
    fused order), or the path of a model written by `newsqa train`."""
    if choice == "none":
        return None
    return Ranker.load(DEFAULT_MODEL if choice == "learned" else Path(choice).expanduser())
