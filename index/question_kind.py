"""What kind of answer a question asks for, read once for every part that needs it.

Evidence selection favours sentences that can hold that kind of answer, the short answer picks
the phrase of that kind, and the evaluation breaks its figures down by the same kinds.

>>> question_kind("How many U.S. troops are in Iraq?")
QuestionKind(label='how many/much', expects='figure')
>>> question_kind("In what year did the war end?").expects
'figure'
>>> question_kind("The leader of which country said no?")
QuestionKind(label='which/what', expects='name')
>>> question_kind("Name the winner.")
QuestionKind(label='other', expects='')

A question word inside a relative clause is not the one asked, nor is one in a sentence before
the question:

>>> question_kind("Researchers found that children who regularly consume what are kinder?").label
'which/what'
>>> question_kind("She made history when she became the youngest to accomplish which feat?").expects
'name'
>>> question_kind("What had been the largest iceberg is breaking up. How big is it now?").expects
'figure'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from newsqa.index.chunking import sentence_spans

Expects = Literal["figure", "name", ""]

# The question words, longest first where one begins another ("how many" before "how").
_WORDS: list[tuple[str, str]] = [
    ("how many", "how many/much"), ("how much", "how many/much"), ("who", "who"), ("whom", "who"),
    ("whose", "who"), ("which", "which/what"), ("what", "which/what"), ("where", "where"),
    ("when", "when"), ("why", "why"), ("how", "how"),
]
_FIGURE_NOUNS = r"(percentage|percent|share|number|year|date|day|month|time|age|amount|price|cost|rate)"
_FIGURE = re.compile(
    rf"^(how (many|much|long|old|far|big|large|often)|(what|which) {_FIGURE_NOUNS}\b|when)\b")
_NAME = re.compile(r"^(who|whom|whose|where|which|what (name|company|country|city|team|party|state))\b")


@dataclass(frozen=True)
class QuestionKind:
    """`label`: the question word, for breakdowns; `expects`: a figure (counts, amounts, dates),
    a name (people, places, organisations), or "" when the question does not say."""

    label: str
    expects: Expects


# Before a question word these make it the asked one ("the leader of which country", "in what
# year"); after another word it may open a relative clause ("children who … consume what",
# "made history when … accomplished which").
_ASKING_BEFORE = re.compile(r"(^|[:;\"“(]|\b(in|of|to|by|from|with|at|on|for|as|into|about|after|before|"
                            r"during|over|under|than|and|or|but|that)\s)\s*$")


def _relative(text: str, start: int, word: str) -> bool:
    """Whether the question word at `start` may open a relative clause: "who", "which", "when" …
    after a word that does not ask for it ("children who", "Epiphany, which", "history when")."""
    return word in ("who", "whom", "whose", "which", "when", "where") and not _ASKING_BEFORE.search(text[:start])


_ANY_WORD = re.compile(r"\b(" + "|".join(w for w, _ in _WORDS) + r")\b")


def _asked_sentence(text: str) -> str:
    """The last sentence that holds a question word, or the text: "What had been the largest
    iceberg is breaking up. How big is it now?" asks how big."""
    asking = [text[a:b] for a, b in sentence_spans(text) if _ANY_WORD.search(text[a:b])]
    return asking[-1] if asking else text


@lru_cache(maxsize=256)  # asked once for each evidence sentence scored
def question_kind(question: str) -> QuestionKind:
    """The kind of the question's asked question word: the first of its asking sentence that does
    not open a relative clause, else the last."""
    text = _asked_sentence(question.lower())
    found = sorted((m.start(), -len(word), word, label) for word, label in _WORDS
                   for m in re.finditer(rf"\b{word}\b", text))
    found = [f for n, f in enumerate(found) if not any(f[0] == g[0] for g in found[:n])]  # "how many", not "how"
    if not found:
        return QuestionKind("other", "")
    start, _, word, label = next(f for n, f in enumerate(found) if n == len(found) - 1
                                 or not _relative(text, f[0], f[2]))
    rest = text[start:]
    if _FIGURE.match(rest):
        return QuestionKind(label, "figure")
    return QuestionKind(label, "name" if _NAME.match(rest) else "")
