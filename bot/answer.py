"""The request to answer and the one Answer type every face renders (CLI, Discord, eval)."""

from __future__ import annotations

from datetime import datetime, timezone

from pydantic import BaseModel, Field

from newsqa.bot.time_window import TimeWindow
from newsqa.dates import ReadableDate, ReadableDateOrNone

# What an answer says when the indexed articles do not state the answer.
ABSTAIN_TEXT = "I don't know."


class Turn(BaseModel):
    """One earlier exchange of a conversation."""

    question: str
    answer: str

    @classmethod
    def of(cls, answer: Answer) -> Turn:
        """The turn an answer adds to its conversation, the same in every face: the standalone
        question it was searched for (so a follow-up of a follow-up keeps its subject) and the
        checked answer."""
        return cls(question=answer.standalone_question, answer=answer.answer)


class AskRequest(BaseModel):
    """A question, with what shapes its answer."""

    question: str
    history: list[Turn] = Field(default_factory=list)
    as_of: ReadableDate = Field(default_factory=lambda: datetime.now(timezone.utc))
    sources: list[str] = Field(default_factory=list)
    since: ReadableDateOrNone = None
    until: ReadableDateOrNone = None
    llm: str | None = None  # provider spec; None = the configured one
    k: int | None = None


class Citation(BaseModel):
    """A shown source: its number in the answer, the article, and the sentence that supports it."""

    n: int
    title: str
    source: str | None = None
    url: str | None = None
    published: datetime | None = None
    quote: str
    article_id: str
    chunk_id: str
    start: int  # character offsets of the quote in the article text
    end: int
    # The article is its feed entry's summary (its page could not be had): shown as
    # "summary from the feed" beside the source.
    from_summary: bool = False

    def summary_note(self, separator: str = " · ") -> str:
        """What every face shows beside the source when its article is the feed's summary."""
        return f"{separator}summary from the feed" if self.from_summary else ""


class Retrieved(BaseModel):
    """One search result, in rank order."""

    chunk_id: str
    article_id: str
    score: float
    url: str | None = None


class EvidenceLine(BaseModel):
    """One sentence (or passage) the LLM was given, with the line number it saw it under."""

    label: int
    article_id: str
    chunk_id: str
    title: str
    url: str | None = None
    text: str
    start: int  # character offsets in the article text
    end: int


class Flag(BaseModel):
    """Something the citation check removed or changed, kept for the record."""

    kind: str  # "unknown_source" | "no_answer" | "unsupported" | "uncited" | "auto_cited" | "recited"
    # | "lone_old_source"
    sentence: str
    detail: str = ""


class Answer(BaseModel):
    """What `ask` returns; the CLI's --json prints exactly this."""

    question: str
    standalone_question: str
    answer: str  # markdown with [n] markers
    short_answer: str
    abstained: bool
    citations: list[Citation] = Field(default_factory=list)
    retrieved: list[Retrieved] = Field(default_factory=list)
    evidence: list[EvidenceLine] = Field(default_factory=list)
    evidence_tokens: int = 0
    # The publication date of the freshest article the model was given (None: none was dated):
    # how fresh the news behind this answer is.
    newest_evidence: datetime | None = None
    # The question's closeness to its best evidence sentence (cosine); below answer.min_relevance
    # the LLM is not asked.
    relevance: float = 0.0
    draft: str = ""  # the LLM's answer before the citation check (the extractive one without an LLM)
    # The LLM's second draft, written from the evidence's best lines alone after the check refused
    # the first whole (answer.second_try_lines); "" when none was written.
    second_draft: str = ""
    flags: list[Flag] = Field(default_factory=list)
    note: str | None = None
    timings: dict[str, float] = Field(default_factory=dict)
    tokens_in: int = 0
    tokens_out: int = 0
    provider: str
    model: str
    as_of: datetime
    # The time the question names ("this week", "in June", "latest") and how the search used it.
    time_window: TimeWindow | None = None
    # True for the snapshots `Answerer.stream` yields while the model writes (their `draft` grows);
    # the last one, the checked answer, is not partial.
    partial: bool = False
