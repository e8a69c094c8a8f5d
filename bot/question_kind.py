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
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

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


def question_kind(question: str) -> QuestionKind:
    """The kind of the question's first question word."""
    text = question.lower()
    found = [(m.start(), -len(word), word, label) for word, label in _WORDS
             if (m := re.search(rf"\b{word}\b", text))]
    if not found:
        return QuestionKind("other", "")
    start, _, word, label = min(found)
    rest = text[start:]
    if _FIGURE.match(rest):
        return QuestionKind(label, "figure")
    return QuestionKind(label, "name" if _NAME.match(rest) else "")
