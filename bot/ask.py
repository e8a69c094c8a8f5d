"""The one entry point: `ask(request) -> Answer`, used unchanged by the CLI, Discord and evals.

condense (follow-ups → standalone question) → index search → evidence (best sentences, numbered
by article) → generate (prompt from prompts/, the chosen LLM) → verify (every [n] checked) → Answer.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from contextlib import contextmanager

import prompts
from bot.answer import Answer, AskRequest, Citation, EvidenceLine, Retrieved
from bot.config import Settings
from bot.evidence import Evidence, select_evidence
from bot.generate import ANSWER_SCHEMA, Generated, generate_structured, generate_text
from bot.llm import LLMChoice, make_llm
from bot.verify import ABSTAIN_TEXT, CitationChecker, Thresholds, Verified, llm_support
from index import Filters, NewsIndex
from index.errors import BadQuery, NewsqaError

log = logging.getLogger(__name__)
TokenFn = Callable[[str], None]


class Answerer:
    """Holds the index, the loaded LLMs and the citation checker between questions."""

    def __init__(self, settings: Settings, index: NewsIndex | None = None) -> None:
        self.settings = settings
        self.index = index or NewsIndex(settings)
        self._llms: dict[str, LLMChoice] = {}
        a = settings.answer
        self.checker = CitationChecker(
            self.index.embedder,
            Thresholds(a.support_min_overlap, a.support_min_overlap_with_similarity, a.support_min_similarity,
                       a.support_min_answer_overlap),
        )

    def llm(self, spec: str | None) -> LLMChoice:
        spec = spec or self.settings.llm
        if spec not in self._llms:
            self._llms[spec] = make_llm(spec, self.settings.providers, self.settings.answer.max_answer_tokens)
        return self._llms[spec]

    def ask(self, request: AskRequest, on_token: TokenFn | None = None) -> Answer:
        timings: dict[str, float] = {}
        question = self._validate(request.question)
        if self.index.manifest.is_empty():
            raise NewsqaError(f"the index in {self.settings.home} is empty; add articles first: newsqa ingest PATH_OR_URL")
        llm = self.llm(request.llm)
        with _timed(timings, "condense"):
            standalone = self._condense(question, request, llm)
        with _timed(timings, "search"):
            filters = Filters(sources=request.sources, since=request.since, until=request.until)
            hits = self.index.search(standalone, k=request.k, filters=filters, as_of=request.as_of,
                                     per_article=self.settings.answer.evidence_chunks_per_article)
        with _timed(timings, "evidence"):
            a = self.settings.answer
            evidence = select_evidence(standalone, hits, self.index.embedder, a.evidence_tokens,
                                       a.max_evidence_sentences,
                                       min_relative_score=a.evidence_min_relative_score)
        answer = Answer(
            question=question, standalone_question=standalone, answer=ABSTAIN_TEXT, short_answer="",
            abstained=True, provider=llm.provider, model=llm.model, as_of=request.as_of,
            retrieved=[Retrieved(chunk_id=h.chunk_id, article_id=h.article_id, score=h.score, url=h.url)
                       for h in hits],
            evidence=_evidence_lines(evidence), evidence_tokens=evidence.tokens,
            relevance=round(evidence.best_similarity, 4),
        )
        if not evidence.sources or evidence.best_similarity < a.min_relevance:
            answer.note = "Nothing in the indexed articles is close enough to the question."
            answer.timings = timings
            return answer
        with _timed(timings, "generate"):
            raw, note = self._generate(standalone, request, evidence, llm, answer, on_token)
        answer.draft = raw
        with _timed(timings, "verify"):
            verified = self.checker.check(raw, evidence, standalone, confirm=self._confirmer(llm, note))
        _fill(answer, verified, note)
        answer.timings = timings
        return answer

    def _validate(self, question: str) -> str:
        question = " ".join(question.split())
        if not question:
            raise BadQuery("the question is empty")
        limit = self.settings.answer.max_question_chars
        if len(question) > limit:
            raise BadQuery(f"the question is {len(question):,} characters; the limit is {limit:,}")
        return question

    def _condense(self, question: str, request: AskRequest, llm: LLMChoice) -> str:
        history = request.history[-self.settings.answer.history_turns :]
        if not history:
            return question
        if llm.chat is None:  # no LLM to rewrite it: carry the names the conversation is about
            return _carry_names(question, history[-1].question)
        transcript = "\n".join(f"User: {t.question}\nAssistant: {t.answer}" for t in history)
        try:
            reply = (prompts.load("condense") | llm.chat).invoke({"history": transcript, "question": question})
            rewritten = _first_line(str(reply.content))
        except Exception as exc:  # a failing LLM must not stop the answer
            log.warning("condense failed: %s", exc)
            rewritten = ""
        return rewritten or _carry_names(question, history[-1].question)

    def _generate(self, question: str, request: AskRequest, evidence: Evidence, llm: LLMChoice,
                  answer: Answer, on_token: TokenFn | None) -> tuple[str, str | None]:
        """The LLM's raw answer, or the extractive one (with a note) when there is no LLM or it fails."""
        if llm.chat is None:
            return self._extractive(evidence), None
        inputs = {"today": request.as_of.date().isoformat(), "sources": evidence.render(), "question": question}
        try:
            generated = self._generate_with(llm, inputs, on_token)
        except Exception as exc:
            log.warning("LLM %s failed: %s", llm.model, exc)
            what = "timed out" if "timeout" in type(exc).__name__.lower() else f"failed ({type(exc).__name__})"
            return self._extractive(evidence), f"The LLM ({llm.model}) {what}; these are the best passages instead."
        answer.tokens_in, answer.tokens_out = generated.tokens_in, generated.tokens_out
        if not any(ch.isalpha() for ch in generated.text):
            return self._extractive(evidence), f"The LLM ({llm.model}) returned no usable text; these are the best passages instead."
        return generated.text, None

    def _generate_with(self, llm: LLMChoice, inputs: dict[str, str], on_token: TokenFn | None) -> Generated:
        """JSON held to the answer schema where the provider supports it (and answer.structured_output
        asks for it), else plain text.
        A server that answers the schema request with an HTTP error (llama-cpp-python's server, for
        one, knows no "json_schema" format and says so with a 500) is asked in plain text from then on."""
        mode = self.settings.answer.structured_output
        wanted = mode == "always" or (mode == "served" and not llm.in_process)
        schema_chat = llm.held_to_schema(ANSWER_SCHEMA) if wanted else None
        if schema_chat is not None:
            try:
                return generate_structured(schema_chat, inputs, on_token)
            except Exception as exc:
                if getattr(exc, "status_code", None) is None:  # no HTTP answer: down or timed out
                    raise
                log.warning("%s refused a JSON schema (%s); asking in plain text", llm.model, exc)
                llm.schema_supported = False
        return generate_text(llm.chat, inputs, on_token)

    def _confirmer(self, llm: LLMChoice, note: str | None):
        """The LLM's own support check, when configured and the LLM answered (not a fallback)."""
        if not self.settings.answer.llm_support_check or llm.chat is None or note:
            return None
        return llm_support(llm.chat)

    def _extractive(self, evidence: Evidence) -> str:
        """The best evidence sentences, each with its source number."""
        ranked = sorted(((s, src.n) for src in evidence.sources for s in src.sentences), key=lambda x: -x[0].score)
        picked = ranked[: self.settings.answer.extractive_sentences]
        return " ".join(f"{s.text.rstrip()} [{n}]" for s, n in picked)


def _fill(answer: Answer, verified: Verified, note: str | None) -> None:
    answer.answer = verified.answer
    answer.short_answer = verified.short_answer
    answer.abstained = verified.abstained
    answer.citations = verified.citations
    answer.flags = verified.flags
    answer.note = note


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


_default: Answerer | None = None


def ask(request: AskRequest, answerer: Answerer | None = None, on_token: TokenFn | None = None) -> Answer:
    """Answer one question with cited sources (with the configured settings unless given an Answerer)."""
    global _default
    if answerer is None:
        if _default is None:
            from bot.config import load_settings

            _default = Answerer(load_settings())
        answerer = _default
    return answerer.ask(request, on_token)


__all__ = ["Answer", "AskRequest", "Answerer", "Citation", "ask"]
