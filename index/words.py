"""newsqa's words: how a text is read as words for BM25 and for the learned ranker (lower case,
English stop words out, Snowball stems), in one place for the lexical index, the ranker, the
evidence and the evaluation."""

from __future__ import annotations

import re

import bm25s
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

_STEMMER = Stemmer.Stemmer("english")


_WORD = re.compile(r"(?u)\b\w\w+\b")  # bm25s's own token pattern
_STOPWORDS = frozenset(STOPWORDS_EN)


# Each word stemmed so far: searches bring the same words back, question after question.
_STEMS: dict[str, str] = {}
_MAX_STEMS = 400_000  # about 40 MB; started afresh when full


def stemmed_words(texts: list[str]) -> list[list[str]]:
    """The words `tokenize` gives, read faster for many short texts at once (each distinct word is
    stemmed once a process): the learned ranker reads every candidate's words on every search."""
    global _STEMS
    words = [[w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS] for text in texts]
    if len(_STEMS) > _MAX_STEMS:
        _STEMS = {}
    stems = _STEMS  # this call's view, whatever another thread starts afresh
    unknown = list({w for found in words for w in found if w not in stems})
    stems.update(zip(unknown, _STEMMER.stemWords(unknown)))
    stem = stems.__getitem__
    return [list(map(stem, found)) for found in words]


def tokenize(texts: list[str]) -> list[list[str]]:
    """Lower-cased, English stop words removed, Snowball-stemmed words."""
    return bm25s.tokenize(
        texts, stopwords="en", stemmer=_STEMMER, show_progress=False, return_ids=False
    )
