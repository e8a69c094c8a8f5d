"""The OpenAI-compatible face: `GET /v1/models` and `POST /v1/chat/completions`, plain and streamed.

The last user message is the question; earlier user/assistant pairs are the conversation. The
reply's content is the checked answer with its [n] markers, then the numbered sources; the response
also carries `citations` and the whole Answer under `newsqa`. Options OpenAI has no field for
(as_of, source/sources, since, until) come as extra body fields (the openai client's `extra_body`)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from newsqa import ABSTAIN_TEXT, Answer, AskRequest, BadQuery, ReadableDateOrNone, Turn, one_line

SOURCES_HEADING = "Sources:"
# How much of the checked answer one streamed chunk carries.
CHUNK_WORDS = 4


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: str
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):  # content parts: keep the text ones
            return " ".join(str(part.get("text", "")) for part in self.content if part.get("type") == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    """OpenAI's chat completion request; fields it has that newsqa has no use for are accepted and
    ignored (temperature, max_tokens, …)."""

    model_config = ConfigDict(extra="allow")

    model: str = "newsqa"
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    as_of: ReadableDateOrNone = None
    source: str | list[str] | None = None
    sources: list[str] = Field(default_factory=list)
    since: ReadableDateOrNone = None
    until: ReadableDateOrNone = None

    def ask_request(self, history_turns: int) -> AskRequest:
        last = self.messages[-1]
        if last.role != "user" or not last.text().strip():
            raise BadQuery("the last message must be the user's question")
        options: dict[str, Any] = {"sources": self._sources(), "since": self.since, "until": self.until,
                                   "llm": self.model}
        if self.as_of:
            options["as_of"] = self.as_of
        history = _turns(self.messages[:-1])[-history_turns:] if history_turns else []
        return AskRequest(question=last.text(), history=history, **options)

    def _sources(self) -> list[str]:
        named = [self.source] if isinstance(self.source, str) else list(self.source or [])
        return named + list(self.sources)


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "newsqa"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


def model_list(models: dict[str, str]) -> ModelList:
    return ModelList(data=[ModelCard(id=name) for name in models])


def _turns(messages: list[ChatMessage]) -> list[Turn]:
    """Earlier user/assistant pairs as turns; the sources listed under an answer are not part of it."""
    turns: list[Turn] = []
    question: str | None = None
    for message in messages:
        if message.role == "user":
            question = message.text()
        elif message.role == "assistant" and question is not None:
            turns.append(Turn(question=question, answer=message.text().split(f"\n\n{SOURCES_HEADING}")[0].strip()))
            question = None
    return turns


def content(answer: Answer) -> str:
    """The answer with its [n] markers, then the numbered sources it cites."""
    if answer.abstained or not answer.citations:
        return answer.answer or ABSTAIN_TEXT
    lines = [answer.answer, "", SOURCES_HEADING]
    for citation in answer.citations:
        outlet = f" — {citation.source}" if citation.source else ""
        date = f", {citation.published.date().isoformat()}" if citation.published else ""
        link = f" {citation.url}" if citation.url else ""
        lines.append(f"[{citation.n}] {citation.title}{outlet}{date}{citation.summary_note(', ')}.{link}")
    return "\n".join(lines)


def citations(answer: Answer) -> list[dict[str, Any]]:
    return [{"n": c.n, "url": c.url, "title": c.title, "outlet": c.source,
             "date": c.published.date().isoformat() if c.published else None, "quote": c.quote,
             "from_summary": c.from_summary}
            for c in answer.citations]


def _extras(answer: Answer) -> dict[str, Any]:
    return {"usage": {"prompt_tokens": answer.tokens_in, "completion_tokens": answer.tokens_out,
                      "total_tokens": answer.tokens_in + answer.tokens_out},
            "citations": citations(answer), "newsqa": answer.model_dump(mode="json")}


def completion(answer: Answer, model: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion", "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content(answer)},
                     "finish_reason": "stop"}],
        **_extras(answer),
    }


async def completion_chunks(answers: AsyncIterator[Answer], model: str) -> AsyncIterator[str]:
    """Server-sent events in OpenAI's chunk format. The role comes at once; the content only once
    the answer is checked (a chunk cannot take words back), in pieces; the last chunk carries the
    citations and the Answer; then [DONE]."""
    base = {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion.chunk",
            "created": int(time.time()), "model": model}

    def event(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        chunk = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
        return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"

    yield event({"role": "assistant", "content": ""})
    final: Answer | None = None
    try:
        async for answer in answers:
            if not answer.partial:
                final = answer
    except Exception as exc:  # the stream has begun: the error goes in it, as OpenAI's servers do
        yield f"data: {json.dumps({'error': {'message': one_line(exc)}})}\n\n"
        return
    if final is not None:
        words = content(final).split(" ")
        for start in range(0, len(words), CHUNK_WORDS):
            piece = " ".join(words[start:start + CHUNK_WORDS])
            yield event({"content": piece if start == 0 else " " + piece})
        yield event({}, "stop", **_extras(final))
    yield "data: [DONE]\n\n"
