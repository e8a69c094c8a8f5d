"""Answering as a LangChain Runnable: `Answerer` takes an `AskRequest` and gives the `Answer`.

condense (follow-ups → standalone question) → retrieve (`NewsRetriever` over the index) →
evidence (best sentences, numbered by article) → generate (prompt from prompts/, the chosen LLM)
→ check (every [n] checked) → Answer. Each step is a child run of the answer's run, so the
callbacks of a `RunnableConfig` (tracing, token streaming) see the condense, retrieval, prompt
and LLM calls. `invoke`, `batch` and `stream` work as on any Runnable; `stream` yields snapshots
of the Answer: `partial` ones whose `draft` grows while the model writes, then the checked one.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from itertools import zip_longest
from typing import Any

from langchain_core.callbacks import CallbackManagerForChainRun
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda
from langchain_core.runnables.config import get_config_list, patch_config

from newsqa import prompts
from newsqa.bot.answer import ABSTAIN_TEXT, Answer, AskRequest, EvidenceLine, Retrieved
from newsqa.bot.config import Settings
from newsqa.bot.evidence import Evidence, select_evidence
from newsqa.bot.generate import ANSWER_SCHEMA, Generated, generate_structured, generate_text
from newsqa.bot.llm import LLMChoice, make_llm
from newsqa.bot.question_text import plain_question
from newsqa.bot.time_window import TimeWindow, date_span, earliest_source, lone_source_floor, read_time_window
from newsqa.bot.verify import CitationChecker, Verified, is_abstention, llm_support, mixed_lines
from newsqa.errors import BadQuery
from newsqa.index import Filters, NewsIndex, SearchHit
from newsqa.index.retriever import NewsRetriever

log = logging.getLogger(__name__)


class Answerer(Runnable[AskRequest, Answer]):
    """Holds the index, the loaded LLMs and the citation checker between questions.

    Takes an AskRequest (or a question as a string, or a dict of AskRequest fields)."""

    name = "newsqa"

    def __init__(self, settings: Settings, index: NewsIndex | None = None) -> None:
        self.settings = settings
        self.index = index or NewsIndex(settings)
        self.checker = CitationChecker(self.index.embedder, settings.check)
        self._llms: dict[str, LLMChoice] = {}
        self._llms_lock = threading.Lock()

    @property
    def InputType(self) -> type[AskRequest]:  # noqa: N802 (LangChain's name)
        return AskRequest

    @property
    def OutputType(self) -> type[Answer]:  # noqa: N802
        return Answer

    def llm(self, spec: str | None = None) -> LLMChoice:
        """The LLM a spec names (the configured one by default), made once."""
        spec = spec or self.settings.llm
        with self._llms_lock:
            if spec not in self._llms:
                self._llms[spec] = make_llm(spec, self.settings.providers, self.settings.answer.max_answer_tokens)
            return self._llms[spec]

    def warm_up(self, llm: str | None = None, strict: bool = False) -> bool:
        """Load the embedding model and the LLM (a local one loads on its first call) before the
        first question needs them; False (logged) when one cannot be loaded yet, or with `strict`
        the error itself."""
        try:
            self.index.embedder.encode(["warm up"])
            chat = self.llm(llm).chat
            if chat is not None:
                chat.invoke("Say OK.", max_tokens=1)
            return True
        except Exception as exc:  # reported again, to the user, when a question needs it
            if strict:
                raise
            log.warning("could not load the models yet: %s", exc)
            return False

    # --- the Runnable interface -----------------------------------------------------------------
    def invoke(self, input: AskRequest | str | dict, config: RunnableConfig | None = None,
               **kwargs: Any) -> Answer:
        return self._call_with_config(self._answer, _as_request(input), config, run_type="chain")

    def stream(self, input: AskRequest | str | dict, config: RunnableConfig | None = None,
               **kwargs: Any) -> Iterator[Answer]:
        yield from self._transform_stream_with_config(iter([_as_request(input)]), self._answers, config,
                                                      run_type="chain")

    def batch(self, inputs: list[AskRequest | str | dict], config: RunnableConfig | list[RunnableConfig] | None = None,
              *, return_exceptions: bool = False, **kwargs: Any) -> list[Answer]:
        """One question at a time unless the config's `max_concurrency` says otherwise: an
        in-process LLM answers one at a time anyway."""
        configs = [{"max_concurrency": 1, **c} for c in get_config_list(config, len(inputs))]
        return super().batch(inputs, configs, return_exceptions=return_exceptions, **kwargs)

    def _answer(self, request: AskRequest, run_manager: CallbackManagerForChainRun,
                config: RunnableConfig) -> Answer:
        answer = None
        for answer in self._steps(request, run_manager, config, stream=False):
            pass
        assert answer is not None
        return answer

    def _answers(self, requests: Iterator[AskRequest], run_manager: CallbackManagerForChainRun,
                 config: RunnableConfig) -> Iterator[Answer]:
        for request in requests:
            yield from self._steps(request, run_manager, config, stream=True)

    # --- the steps ------------------------------------------------------------------------------
    def _steps(self, request: AskRequest, run_manager: CallbackManagerForChainRun, config: RunnableConfig,
               stream: bool) -> Iterator[Answer]:
        child = patch_config(config, callbacks=run_manager.get_child())
        timings: dict[str, float] = {}
        question = self._validate(request.question)
        self.index.require_articles()
        llm = self.llm(request.llm)
        with _timed(timings, "condense"):
            condense = RunnableLambda(lambda q: self._condense(q, request, llm), name="condense")
            standalone = condense.invoke(self._content(question), child)
        with _timed(timings, "search"):
            hits, window = self.retrieve(standalone, request, child)
        with _timed(timings, "evidence"):
            select = RunnableLambda(lambda hits: self._evidence(standalone, hits), name="evidence")
            evidence = select.invoke(hits, child)
        answer = _unchecked(request, question, standalone, llm, hits, evidence)
        answer.time_window = window
        a = self.settings.answer
        if not evidence.sources or evidence.best_similarity < a.min_relevance:
            answer.note = "Nothing in the indexed articles is close enough to the question."
            answer.timings = timings
            yield answer
            return
        with _timed(timings, "generate"):
            generated, note = None, None
            for generated, note in self._generate(standalone, request, evidence, llm, child, stream):
                if generated.partial:
                    yield answer.model_copy(update={"draft": generated.text, "partial": True})
        assert generated is not None
        answer.draft = generated.text
        answer.tokens_in, answer.tokens_out = generated.tokens_in, generated.tokens_out
        with _timed(timings, "verify"):
            confirm = self._confirmer(llm, note)
            check_settings = self.settings.check
            not_before = earliest_source(standalone, request.as_of, window, check_settings.source_in_window,
                                         check_settings.recent_news_days)
            lone_floor = self._lone_source_floor(request, window)
            check_args = {"confirm": confirm, "not_before": not_before, "corroborate_before": lone_floor}
            check = RunnableLambda(lambda raw: self.checker.check(raw, evidence, standalone, **check_args),
                                   name="check")
            verified = check.invoke(generated.text, child)
        if self._worth_a_second_try(standalone, verified, generated, evidence, note, llm):
            with _timed(timings, "second_try"):
                retried = self._second_try(standalone, request, evidence, llm, child, check_args)
            if retried is not None:
                narrow, second, checked = retried
                answer.second_draft = second.text
                answer.tokens_in += second.tokens_in
                answer.tokens_out += second.tokens_out
                if not checked.abstained:  # kept: the answer is what the second try read and wrote
                    verified = checked
                    answer.evidence = _evidence_lines(narrow)
        _fill(answer, verified, note)
        answer.note = _joined(answer.note, older_than_asked(answer, window), lone_source_note(verified))
        answer.timings = timings
        yield answer

    def _worth_a_second_try(self, question: str, verified: Verified, generated: Generated, evidence: Evidence,
                            note: str | None, llm: LLMChoice) -> bool:
        """Whether a refused draft gets one more try: the LLM answered (not a fallback), the check
        refused all of it, the second try reads less than the first (the same lines would bring
        the same greedy draft) and, by default (`answer.second_try = "mixed"`), the draft took a
        figure from a line it does not cite: the model mixed two lines, and reading fewer it may
        not. A refusal of another cause almost never comes right (dev weeks: bench/studies/second_try.py)."""
        a = self.settings.answer
        if a.second_try == "off" or llm.chat is None or note is not None or not verified.abstained:
            return False
        if is_abstention(generated.text) or len(evidence.lines()) <= a.second_try_lines:
            return False
        return a.second_try == "refused" or mixed_lines(generated.text, evidence, question)

    def _second_try(self, question: str, request: AskRequest, evidence: Evidence, llm: LLMChoice,
                    config: RunnableConfig, check_args: dict[str, Any]) -> tuple[Evidence, Generated, Verified] | None:
        """The draft again from the evidence's best lines alone, checked like the first: the small
        model reads a short, exact source best, and a draft refused for mixing two sentences (a
        figure of the next line's) may come right from one (the seed's Syria question does). None
        when the LLM fails."""
        narrow = evidence.narrowed(self.settings.answer.second_try_lines)
        inputs = _prompt_inputs(request, narrow, question)
        try:
            generated = None
            for generated in self._generate_with(llm, inputs, config, stream=False):
                pass
        except Exception as exc:  # the first draft's refusal stands
            log.warning("LLM %s failed on the second try: %s", llm.model, exc)
            return None
        if generated is None:
            return None
        return narrow, generated, self.checker.check(generated.text, narrow, question, **check_args)

    def _lone_source_floor(self, request: AskRequest, window: TimeWindow | None) -> datetime | None:
        """Before this date an article alone cannot carry the answer (`check.lone_source_days`);
        None when the question asks about an earlier time or the index holds no news since then
        (an archive: its answers all rest on old articles)."""
        floor = lone_source_floor(request.as_of, window, self.settings.check.lone_source_days, request.until)
        if floor is None or not self.index.has_news(floor, request.as_of):
            return None
        return floor

    def read_question(self, question: str) -> str:
        """The question every step reads, as this Answerer's settings read it (see `_content`)."""
        return self._content(self._validate(question))

    def _validate(self, question: str) -> str:
        question = " ".join(question.split())
        if not question:
            raise BadQuery("the question is empty")
        limit = self.settings.answer.max_question_chars
        if len(question) > limit:
            raise BadQuery(f"the question is {len(question):,} characters; the limit is {limit:,}")
        return question

    def _content(self, question: str) -> str:
        """What the question says, without the chat around it (bot/question_text.py) and with its
        misspelt words read as the articles spell them (index/spelling.py): every step after this
        reads it; the asker's words stay on the Answer."""
        if self.settings.answer.plain_question:
            question = plain_question(question)
        return self.index.spelled(question) if self.settings.answer.correct_spelling else question

    def _condense(self, question: str, request: AskRequest, llm: LLMChoice) -> str:
        history = request.history[-self.settings.answer.history_turns :]
        if not history:
            return question
        if llm.chat is None:  # no LLM to rewrite it: carry the names the conversation is about
            return _carry_names(question, self._content(history[-1].question))
        transcript = "\n".join(f"User: {t.question}\nAssistant: {t.answer}" for t in history)
        try:
            reply = (prompts.load("condense") | llm.chat).invoke({"history": transcript, "question": question})
            rewritten = _first_line(str(reply.content))
        except Exception as exc:  # a failing LLM must not stop the answer
            log.warning("condense failed: %s", exc)
            rewritten = ""
        return rewritten or _carry_names(question, self._content(history[-1].question))

    def retrieve(self, question: str, request: AskRequest,
                 config: RunnableConfig | None = None) -> tuple[list[SearchHit], TimeWindow | None]:
        """The passages an answer to `question` (already standalone) reads, and the time it
        names with how the search used it."""
        window = self._window(question, request)
        return self._search(question, request, window, config or {}), window

    def _window(self, question: str, request: AskRequest) -> TimeWindow | None:
        """The time the question names, unless the request sets its own dates."""
        if request.since or request.until:
            return None
        window = read_time_window(question, request.as_of)
        if window is not None:
            mode = self.settings.answer.time_window if window.is_window else self.settings.answer.fresh_news
            window.used = mode
            if mode != "off" and not window.is_window:  # "latest": prefer the last fresh_days of news
                window.since = request.as_of - timedelta(days=self.settings.answer.fresh_days)
                window.until = request.as_of
        return window

    def _search(self, query: str, request: AskRequest, window: TimeWindow | None,
                config: RunnableConfig) -> list[SearchHit]:
        """The search's hits; with a window, only the window's news ("filter", all news when the
        window holds too little) or the window's news first ("prefer")."""
        everything = Filters(sources=request.sources, since=request.since, until=request.until)
        recent_days = self.settings.answer.recent_first_days
        no_time = window is None or (not window.is_window and window.used == "off")  # none named, or "latest"
        if no_time and recent_days and not (request.since or request.until):
            recent = replace(everything, since=request.as_of - timedelta(days=recent_days), until=request.as_of)
            return self._first_half(self._retrieve(query, request, recent, config),
                                    self._retrieve(query, request, everything, config), request)
        if window is None or window.used == "off":
            return self._retrieve(query, request, everything, config)
        inside = self._retrieve(query, request, replace(everything, since=window.since, until=window.until), config)
        if window.used == "filter" and len(inside) >= self.settings.answer.window_min_hits:
            return inside
        if window.used == "filter" or not inside:
            window.used = "all"  # the window holds (too) little: all news, and the answer says so
            return self._retrieve(query, request, everything, config)
        return self._first_half(inside, self._retrieve(query, request, everything, config), request)

    def _first_half(self, preferred: list[SearchHit], others: list[SearchHit], request: AskRequest) -> list[SearchHit]:
        """The preferred hits' best fill half the results, taking turns with the others'."""
        if not preferred:
            return others
        k = request.k or self.settings.answer.passages
        return _interleave(preferred[: (k + 1) // 2], others, k)

    def _retrieve(self, query: str, request: AskRequest, filters: Filters, config: RunnableConfig) -> list[SearchHit]:
        retriever = NewsRetriever(index=self.index, k=request.k or self.settings.answer.passages,
                                  as_of=request.as_of, filters=filters,
                                  per_article=self.settings.answer.evidence_chunks_per_article)
        return [SearchHit.from_json(d.metadata) for d in retriever.invoke(query, config)]

    def _evidence(self, question: str, hits: list[SearchHit]) -> Evidence:
        a = self.settings.answer
        return select_evidence(question, hits, self.index.embedder, a.evidence_tokens, a.max_evidence_sentences,
                               min_relative_score=a.evidence_min_relative_score, rank_weight=a.evidence_rank_weight,
                               per_article=a.evidence_sentences_per_article,
                               top_passages=a.evidence_top_passages, top_passage_floor=a.evidence_top_passage_floor)

    def _generate(self, question: str, request: AskRequest, evidence: Evidence, llm: LLMChoice,
                  config: RunnableConfig, stream: bool) -> Iterator[tuple[Generated, str | None]]:
        """The LLM's raw answer (snapshots first when streaming), or the extractive one with a
        note when there is no LLM, it fails or it says nothing usable."""
        if llm.chat is None:
            yield Generated(self._extractive(evidence)), None
            return
        inputs = _prompt_inputs(request, evidence, question)
        try:
            for generated in self._generate_with(llm, inputs, config, stream):
                if generated.partial:
                    yield generated, None
        except Exception as exc:
            log.warning("LLM %s failed: %s", llm.model, exc)
            what = "timed out" if "timeout" in type(exc).__name__.lower() else f"failed ({type(exc).__name__})"
            note = f"The LLM ({llm.model}) {what}; these are the best passages instead."
            yield Generated(self._extractive(evidence)), note
            return
        if not any(ch.isalpha() for ch in generated.text):
            note = f"The LLM ({llm.model}) returned no usable text; these are the best passages instead."
            yield _with_text(generated, self._extractive(evidence)), note
            return
        yield generated, None

    def _generate_with(self, llm: LLMChoice, inputs: dict[str, str], config: RunnableConfig,
                       stream: bool) -> Iterator[Generated]:
        """JSON held to the answer schema where the provider supports it (and answer.structured_output
        asks for it), else plain text.
        A server that answers the schema request with an HTTP error (llama-cpp-python's server, for
        one, knows no "json_schema" format and says so with a 500) is asked in plain text from then on."""
        mode = self.settings.answer.structured_output
        wanted = mode == "always" or (mode == "served" and not llm.in_process)
        schema_chat = llm.held_to_schema(ANSWER_SCHEMA) if wanted else None
        if schema_chat is not None:
            try:
                yield from generate_structured(schema_chat, inputs, config, stream)
                return
            except Exception as exc:
                if getattr(exc, "status_code", None) is None:  # no HTTP answer: down or timed out
                    raise
                log.warning("%s refused a JSON schema (%s); asking in plain text", llm.model, exc)
                llm.schema_supported = False
        yield from generate_text(llm.chat, inputs, config, stream, self.settings.answer.prompt)

    def _confirmer(self, llm: LLMChoice, note: str | None) -> Callable[[str, str], bool] | None:
        """The LLM's own support check, when configured and the LLM answered (not a fallback)."""
        if not self.settings.check.llm_confirm or llm.chat is None or note:
            return None
        return llm_support(llm.chat)

    def _extractive(self, evidence: Evidence) -> str:
        """The best evidence sentences, each with its source number."""
        ranked = sorted(((s, src.n) for src in evidence.sources for s in src.sentences), key=lambda x: -x[0].score)
        picked = ranked[: self.settings.answer.extractive_sentences]
        return " ".join(f"{s.text.rstrip()} [{n}]" for s, n in picked)


def _interleave(preferred: list[SearchHit], others: list[SearchHit], k: int) -> list[SearchHit]:
    """The k hits taking turns from both lists (each in its own rank order), each chunk once:
    the preferred ones get half the places and neither list's best is pushed down."""
    merged, seen = [], set()
    for pair in zip_longest(preferred, others):
        for hit in pair:
            if hit is not None and hit.chunk_id not in seen and len(merged) < k:
                seen.add(hit.chunk_id)
                merged.append(hit)
    return merged


def _as_request(value: AskRequest | str | dict) -> AskRequest:
    if isinstance(value, AskRequest):
        return value
    if isinstance(value, str):
        return AskRequest(question=value)
    return AskRequest.model_validate(value)


def _prompt_inputs(request: AskRequest, evidence: Evidence, question: str) -> dict[str, str]:
    """What the answer prompt is filled with: today's date, the evidence as the model reads it, the question."""
    return {"today": request.as_of.date().isoformat(), "sources": evidence.render(), "question": question}


def _with_text(generated: Generated, text: str) -> Generated:
    return Generated(text, generated.tokens_in, generated.tokens_out)


def _unchecked(request: AskRequest, question: str, standalone: str, llm: LLMChoice, hits: list[SearchHit],
               evidence: Evidence) -> Answer:
    """The Answer before generation: an abstention holding what was searched and given."""
    return Answer(
        question=question, standalone_question=standalone, answer=ABSTAIN_TEXT, short_answer="",
        abstained=True, provider=llm.provider, model=llm.model, as_of=request.as_of,
        retrieved=[Retrieved(chunk_id=h.chunk_id, article_id=h.article_id, score=h.score, url=h.url)
                   for h in hits],
        evidence=_evidence_lines(evidence), evidence_tokens=evidence.tokens,
        newest_evidence=max((src.published for src in evidence.sources if src.published), default=None),
        relevance=round(evidence.best_similarity, 4),
    )


def _fill(answer: Answer, verified: Verified, note: str | None) -> None:
    answer.answer = verified.answer
    answer.short_answer = verified.short_answer
    answer.abstained = verified.abstained
    answer.citations = verified.citations
    answer.flags = verified.flags
    answer.note = note


def older_than_asked(answer: Answer, window: TimeWindow | None) -> str | None:
    """A warning when every article the answer cites predates the time its question names: the
    answer may report an earlier event of the same kind (last year's summit for this week's).
    Refusing such answers cost right ones on the dev weeks (recurring stories still hold the
    answer), so by default the reader is told instead (`check.source_in_window` refuses)."""
    dates = [c.published for c in answer.citations]
    if window is None or (earliest := window.earliest_source()) is None or answer.abstained or not dates:
        return None
    if any(d is None or d >= earliest for d in dates):  # an undated source may well be recent
        return None
    newest = max(d for d in dates if d is not None)
    which = "The cited article was" if len(dates) == 1 else "The newest cited article was"
    return (f"{which} published on {newest.day} {newest:%B %Y}, before the time the question names "
            f"({date_span(window.since, window.until)}): it may report an earlier event.")


def lone_source_note(verified: Verified) -> str | None:
    """Why an answer was refused for resting on a lone old article (`check.lone_source_days`):
    the reader sees that the article exists and what it may be about."""
    flag = next((f for f in verified.flags if f.kind == "lone_old_source"), None)
    return f"Not answered: {flag.detail}." if flag else None


def _joined(*notes: str | None) -> str | None:
    return " ".join(n for n in notes if n) or None


def _carry_names(question: str, previous: str) -> str:
    """The follow-up with the names (capitalised words) of the previous question that it lacks;
    all of the previous question when it names nothing. Only the new question's other words
    steer the search, so "When does it begin?" after a question about a bridge's cost finds the
    start date, not the cost again."""
    names = [w for w in re.findall(r"[A-Z][\w'’.-]*", previous)[1:] if w.lower() not in question.lower()]
    return f"{question} {' '.join(names) if names else previous}"


def _evidence_lines(evidence: Evidence) -> list[EvidenceLine]:
    return [EvidenceLine(label=s.label, article_id=src.article_id, chunk_id=s.chunk_id, title=src.title,
                         url=src.url, text=s.text, start=s.start, end=s.end)
            for src, s in evidence.lines()]


def _first_line(text: str) -> str:
    for line in text.strip().splitlines():
        line = line.strip().strip('"').strip()
        for prefix in ("Standalone question:", "Question:", "Rewritten question:"):
            line = line.removeprefix(prefix).strip()
        if line:
            return line
    return ""


@contextmanager
def _timed(timings: dict[str, float], stage: str):
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = round(time.perf_counter() - start, 4)
    timings["total"] = round(sum(v for k, v in timings.items() if k != "total"), 4)
