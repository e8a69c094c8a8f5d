"""What the server holds between requests: the index, the answerer and the checker, loaded once in
the background at start-up, and the bounded line of answers waiting for the LLM."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from statistics import median_high
from typing import Any, Literal

from pydantic import BaseModel, Field

from newsqa import (
    Answer,
    AnswerChecker,
    Answerer,
    AskRequest,
    BadQuery,
    CheckRequest,
    CheckResult,
    FeedbackStore,
    FeedFollower,
    Filters,
    IndexStats,
    NewsIndex,
    ReadableDateOrNone,
    Settings,
    one_line,
)
from newsqa.work import Busy, ShuttingDown, WorkQueue

log = logging.getLogger("newsqa.server")

SEARCH_FIELDS = ("article_id", "chunk_id", "title", "source", "url", "published", "text", "start", "end", "score",
                 "carried_by")


class SearchesBusy(Busy):
    """Every search worker is busy and the searches' waiting line is full."""


class NotReady(Exception):
    """The models are still loading (or failed to load: the message says why)."""


class SearchRequest(BaseModel):
    """`POST /search` and the MCP `search` tool: ranked passages, no LLM."""

    query: str
    k: int | None = Field(default=None, ge=1, le=100)
    sources: list[str] = Field(default_factory=list)
    since: ReadableDateOrNone = None
    until: ReadableDateOrNone = None
    as_of: ReadableDateOrNone = None


class ServedAnswer(Answer):
    """The Answer, with the id a reader's vote names (`POST /feedback`)."""

    answer_id: str | None = None


class FeedbackRequest(BaseModel):
    """`POST /feedback`: a reader's vote on an answer the server gave, with an optional correction."""

    answer_id: str = Field(pattern=r"^[0-9a-f]{16}$", description="The `answer_id` of the answer voted on.")
    vote: Literal["up", "down"]
    correction: str | None = Field(default=None, max_length=500, description="What the right answer is.")
    voter: str | None = Field(default=None, max_length=100,
                              description="Who votes (one vote each per answer); default: the client's address.")


class Health(BaseModel):
    status: str  # "ready" | "loading" | "failed"
    detail: str = ""
    home: str
    models: dict[str, str]  # OpenAI-compatible model name → LLM spec


class NewsService:
    """One per process: every endpoint (native, OpenAI-compatible, MCP, the page) goes through it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.work = WorkQueue(settings.server.workers, settings.server.queue_size)
        self.searches = WorkQueue(settings.server.search_workers, settings.server.search_queue_size)
        self._ready = threading.Event()
        self._failure: str | None = None
        self._answerer: Answerer | None = None
        self._checker = AnswerChecker(settings)
        self.feedback: FeedbackStore = settings.feedback_store()
        self._seconds: deque[float] = deque(maxlen=20)  # recent answering times, for Retry-After
        self._stop_following: threading.Event | None = None

    # --- start-up -----------------------------------------------------------------------------
    def load(self) -> None:
        """Open the index and load the embedding model and the LLM (in a thread: /healthz answers
        "loading" meanwhile)."""
        try:
            answerer = Answerer(self.settings, NewsIndex(self.settings))
            answerer.warm_up(strict=True)
            self._answerer = answerer
            self._ready.set()
            log.info("ready: %s", self.settings.home)
            if self.settings.watch.feeds:  # the process that owns the index follows the feeds
                self._stop_following = FeedFollower(answerer.index).start()
                log.info("following %d feeds", len(self.settings.watch.feeds))
        except Exception as exc:  # the process stays up to say why on /healthz
            self._failure = one_line(exc)
            log.error("could not start answering: %s", self._failure)

    def stop(self) -> None:
        """Stop following feeds and let the waiting answers go."""
        if self._stop_following:
            self._stop_following.set()
        self.work.shutdown()
        self.searches.shutdown()
        self.feedback.close()

    def start_loading(self) -> threading.Thread:
        thread = threading.Thread(target=self.load, name="newsqa-load", daemon=True)
        thread.start()
        return thread

    def health(self) -> Health:
        status = "ready" if self._ready.is_set() else "failed" if self._failure else "loading"
        return Health(status=status, detail=self._failure or "", home=str(Path(self.settings.home).resolve()),
                      models=self.models())

    @property
    def answerer(self) -> Answerer:
        if not self._ready.is_set():
            raise NotReady(self._failure or "the models are still loading")
        assert self._answerer is not None
        return self._answerer

    # --- what the endpoints call --------------------------------------------------------------
    def models(self) -> dict[str, str]:
        """OpenAI-compatible model name → the LLM spec it answers with."""
        return {name: spec or self.settings.llm for name, spec in self.settings.server.models.items()}

    def llm_of(self, model: str | None) -> str | None:
        """The LLM spec of a model name (None: the configured one); BadQuery for an unknown name."""
        if not model:
            return None
        models = self.models()
        if model in models:
            return models[model]
        if model in models.values():  # a spec the server offers, named directly
            return model
        raise BadQuery(f"unknown model {model!r}; this server offers {', '.join(models)}")

    def prepare(self, request: AskRequest) -> AskRequest:
        """The request as the answerer will take it: its model known and its outlets in the index."""
        self.require_sources(request.sources)
        return request.model_copy(update={"llm": self.llm_of(request.llm)})

    def ask(self, request: AskRequest, asker: str = "") -> ServedAnswer:
        started = time.perf_counter()
        answer = self.answerer.invoke(request)
        self._seconds.append(time.perf_counter() - started)
        return self.served(answer, asker)

    def stream(self, request: AskRequest, asker: str = "") -> Iterator[Answer]:
        """Answer snapshots while the model writes (partial), then the checked answer."""
        started = time.perf_counter()
        for answer in self.answerer.stream(request):
            yield answer if answer.partial else self.served(answer, asker)
        self._seconds.append(time.perf_counter() - started)

    # --- readers' votes -----------------------------------------------------------------------
    def served(self, answer: Answer, asker: str) -> ServedAnswer:
        """The answer as shown, recorded so that a reader can vote on it."""
        answer_id = self.feedback.record_answer(answer, asker, "server")
        return ServedAnswer.model_validate({**answer.model_dump(), "answer_id": answer_id})

    def vote(self, request: FeedbackRequest, voter: str) -> bool:
        """Store a reader's vote; False when no answer has that id."""
        return self.feedback.vote(request.answer_id, request.voter or voter, request.vote == "up",
                                  request.correction, face="server")

    def search(self, request: SearchRequest) -> list[dict[str, Any]]:
        index = self.answerer.index
        index.require_articles()
        self.require_sources(request.sources)
        filters = Filters(sources=request.sources, since=request.since, until=request.until)
        hits = index.search(request.query, k=request.k, filters=filters, as_of=request.as_of)
        return [{key: hit.to_json()[key] for key in SEARCH_FIELDS} for hit in hits]

    def stats(self) -> IndexStats:
        return self.answerer.index.stats()

    def check(self, request: CheckRequest) -> CheckResult:
        return self._checker.check(request)

    def require_sources(self, sources: list[str]) -> None:
        """BadQuery naming an outlet the index holds no article of (a typo would silently find nothing)."""
        if not sources:
            return
        known = {name.lower() for name in self.stats().sources}
        unknown = [name for name in sources if name.lower() not in known]
        if unknown:
            raise BadQuery(f"unknown source {unknown[0]!r}: no indexed article is from it (see /stats)")

    # --- the line of waiting answers ----------------------------------------------------------
    async def run(self, fn: Any, *args: Any) -> Any:
        """fn(*args) in a worker thread; Busy when the workers and the waiting line are full."""
        return await self.work.run(fn, *args)

    async def look_up(self, fn: Any, *args: Any) -> Any:
        """fn(*args) in a search worker thread (no LLM: searches never wait behind answers);
        SearchesBusy when the search workers and their line are full."""
        try:
            return await self.searches.run(fn, *args)
        except ShuttingDown:
            raise
        except Busy:
            raise SearchesBusy() from None

    def drain(self) -> None:
        """Stopping: nothing new starts, in either line (from a signal handler)."""
        self.work.drain_soon()
        self.searches.drain_soon()

    def retry_after(self) -> int:
        """Seconds after which a refused request may find room: the answers ahead of it, at the
        recent answering time."""
        typical = median_high(self._seconds) if self._seconds else 5.0
        ahead = max(self.work.taken - self.work.workers + 1, 1)
        return max(1, math.ceil(typical * ahead / self.work.workers))


__all__ = ["Busy", "Health", "NewsService", "NotReady", "SearchRequest", "SearchesBusy", "ShuttingDown"]
