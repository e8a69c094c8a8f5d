"""The citation check on its own: any LLM's cited answer held to the sources it cites.

`newsqa check FILE.jsonl` and `check_answer` run the very rule `Answerer` runs on its own answers
(`CitationChecker.support`), sentence by sentence: a sentence survives when a source it cites
states it. Unlike an answer of newsqa's own, an uncited sentence is not given a citation here: it
is refused ("cites no source"), since the point is to test what the answer claims. With a
question, the sentence a claim rests on must also bear on it (`check.min_bearing`).

Input, one JSON object a line: {"id", "question" (optional), "answer" (text with [n] markers),
"sources": [{"n", "text", "title" (optional), "published" (optional)}]}. Output, a line each:
{"id", "sentences": [{"text", "sources": [n], "supported", "reason"}], "answer"}, where `answer`
is what survives (markers kept as given; "I don't know." when nothing does).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime

from pydantic import BaseModel, Field, ValidationError

from newsqa.bot.answer import ABSTAIN_TEXT
from newsqa.bot.config import Settings
from newsqa.bot.evidence import EvidenceSentence, EvidenceSource
from newsqa.bot.verify import CitationChecker, cite, gives_no_answer, is_abstention, markers, parse_claims
from newsqa.errors import BadQuery
from newsqa.index.chunking import sentence_spans
from newsqa.index.embeddings import Embedder


class CheckSource(BaseModel):
    """A numbered source the answer cites."""

    n: int
    text: str = Field(min_length=1)
    title: str = ""
    published: datetime | None = None


class CheckRequest(BaseModel):
    """A cited answer and its sources."""

    id: str
    question: str = ""
    answer: str
    sources: list[CheckSource] = Field(default_factory=list)


class CheckedSentence(BaseModel):
    text: str
    sources: list[int]  # the sources it cites
    supported: bool
    reason: str  # the rule that decided, and the supporting sentence when one does


class CheckResult(BaseModel):
    id: str
    sentences: list[CheckedSentence]
    answer: str  # what survives


class AnswerChecker:
    """`newsqa check` in Python: the embedding model is loaded once, on the first check.

    >>> checker = AnswerChecker(load_settings())                          # doctest: +SKIP
    >>> checker.check({"id": "1", "answer": "It costs $48 million [1].",
    ...                "sources": [{"n": 1, "text": "The bridge will cost $48 million."}]}).answer   # doctest: +SKIP
    'It costs $48 million [1].'
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._checker: CitationChecker | None = None

    @property
    def checker(self) -> CitationChecker:
        if self._checker is None:
            self._checker = CitationChecker(Embedder.configured(self.settings), self.settings.check)
        return self._checker

    def check(self, request: CheckRequest | dict) -> CheckResult:
        if isinstance(request, dict):
            request = CheckRequest.model_validate(request)
        return check_answer(request, self.checker)

    def check_lines(self, lines: Iterable[str]) -> Iterator[CheckResult | BadQuery]:
        return check_lines(lines, self.checker)


def check_answer(request: CheckRequest, checker: CitationChecker) -> CheckResult:
    """Every sentence of the answer held to the sources it cites."""
    if is_abstention(request.answer):
        return CheckResult(id=request.id, sentences=[], answer=ABSTAIN_TEXT)
    sources = {s.n: _as_evidence(s) for s in request.sources}
    checked, kept = [], []
    for claim in parse_claims(request.answer):
        sentence, supporting = _check_claim(claim.text, claim.cited, sources, request.question, checker)
        checked.append(sentence)
        if supporting:
            kept.append(cite(claim.text, supporting))
    return CheckResult(id=request.id, sentences=checked, answer=" ".join(kept) or ABSTAIN_TEXT)


def check_lines(lines: Iterable[str], checker: CitationChecker) -> Iterator[CheckResult | BadQuery]:
    """Each non-blank line checked; a line that cannot be read is a one-line error naming its
    number, and the rest go on."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            request = CheckRequest.model_validate(json.loads(line))
        except json.JSONDecodeError as exc:
            yield BadQuery(f"line {number}: not JSON ({exc.msg})")
            continue
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "the line"
            yield BadQuery(f"line {number}: {where}: {first['msg']}")
            continue
        yield check_answer(request, checker)


def _check_claim(text: str, cited: list[int], sources: dict[int, EvidenceSource], question: str,
                 checker: CitationChecker) -> tuple[CheckedSentence, list[int]]:
    if why := gives_no_answer(text, question):
        return CheckedSentence(text=text, sources=cited, supported=False, reason=f"no answer: {why}"), []
    unknown = [n for n in cited if n not in sources]
    known = [n for n in cited if n in sources]
    if not known:
        reason = (f"cites {markers(unknown)}, which {'is' if len(unknown) == 1 else 'are'} not a source"
                  if unknown else "cites no source")
        return CheckedSentence(text=text, sources=cited, supported=False, reason=reason), []
    reasons, supporting = [], []
    for n in known:
        ok, quote, why = checker.support(text, sources[n], None, question)
        if ok:
            supporting.append(n)
            reasons.append(f"[{n}] states it (“{quote.text}”): {why}")
        else:
            reasons.append(f"[{n}] does not: {why}")
    if unknown:
        reasons.append(f"{markers(unknown)} not a source")
    sentence = CheckedSentence(text=text, sources=cited, supported=bool(supporting), reason="; ".join(reasons))
    return sentence, supporting


def _as_evidence(source: CheckSource) -> EvidenceSource:
    """A whole source as evidence: every sentence of it is a line the claim may rest on."""
    sentences = [EvidenceSentence(0, source.text[a:b], a, b, f"source-{source.n}", 0.0, None)
                 for a, b in sentence_spans(source.text)]
    return EvidenceSource(n=source.n, article_id=f"source-{source.n}", title=source.title, source=None, url=None,
                          published=source.published, sentences=sentences)


__all__ = ["AnswerChecker", "CheckRequest", "CheckResult", "CheckSource", "CheckedSentence", "check_answer",
           "check_lines"]
