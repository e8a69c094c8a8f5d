"""Generation: the answer prompt through the chosen LLM, as JSON or as plain text.

Where the provider can hold the model to a JSON schema (a llama.cpp grammar for local models,
`response_format` for OpenAI-compatible servers, `format` for Ollama), the model answers
{"sentences": [{"text": ..., "sources": [n, ...]}]} with prompts/answer_json.*, and the sentences
are rendered as text with [n] markers. Elsewhere the model writes the markers itself
(prompts/answer.*). Either way the citation check reads the same kind of text.

>>> render_reply({"sentences": [{"text": "The mayor resigned on Friday.", "sources": [3, 1]}]})
'The mayor resigned on Friday [3][1].'
>>> render_reply({"sentences": []})
"I don't know."
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.utils.json import parse_partial_json

from newsqa import prompts
from newsqa.bot.answer import ABSTAIN_TEXT

# Short answers: at most three sentences, each with at least one source number.
ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "sentences": {
            "type": "array",
            "maxItems": 3,
            "items": {
                "type": "object",
                "properties": {
                    "text": {"type": "string"},
                    "sources": {"type": "array", "items": {"type": "integer"}, "minItems": 1},
                },
                "required": ["text", "sources"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["sentences"],
    "additionalProperties": False,
}


@dataclass
class Generated:
    text: str  # the answer with [n] markers, for the citation check (while streaming: so far)
    tokens_in: int = 0
    tokens_out: int = 0
    partial: bool = False  # a snapshot taken while the model is still writing


def generate_text(chat: Runnable, inputs: dict[str, str], config: RunnableConfig | None = None,
                  stream: bool = False, prompt: str = "answer") -> Iterator[Generated]:
    """The model writes the answer and its [n] markers itself (the prompt `prompt` of prompts/)."""
    yield from _run(prompts.load(prompt) | chat, inputs, config, stream,
                    shown=lambda text: text, final=lambda text: text.strip())


def generate_structured(schema_chat: Runnable, inputs: dict[str, str], config: RunnableConfig | None = None,
                        stream: bool = False) -> Iterator[Generated]:
    """The model answers as JSON of ANSWER_SCHEMA; snapshots while streaming show the sentences' words."""
    yield from _run(prompts.load("answer_json") | schema_chat, inputs, config, stream,
                    shown=lambda raw: _spoken(_partial(raw)), final=lambda raw: render_reply(parse_reply(raw)))


def parse_reply(raw: str) -> dict[str, Any] | None:
    """The JSON reply; a reply cut off by the token limit keeps its complete part; None for garbage."""
    try:
        reply = json.loads(raw)
    except ValueError:
        reply = _partial(raw)
    return reply if isinstance(reply, dict) else None


def _partial(raw: str) -> Any:
    """The JSON value a cut-off text starts; None when it starts none."""
    try:
        return parse_partial_json(raw)
    except ValueError:
        return None


def render_reply(reply: dict[str, Any] | None) -> str:
    """Sentences with their source numbers as [n] markers before the final stop; "" for garbage."""
    if reply is None:
        return ""
    parts = []
    for sentence in _sentences(reply):
        text = sentence["text"]
        markers = "".join(f"[{n}]" for n in sentence["sources"])
        end = text[-1] if text[-1] in ".!?" else "."
        parts.append(f"{text.rstrip('.!? ')} {markers}{end}" if markers else text)
    return " ".join(parts) if parts else ABSTAIN_TEXT


def _sentences(reply: dict[str, Any]) -> list[dict[str, Any]]:
    """The well-formed sentences of a reply (text a non-empty string, sources integers)."""
    items = reply.get("sentences")
    out = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) or not item["text"].strip():
            continue
        sources = item.get("sources") if isinstance(item.get("sources"), list) else []
        out.append({"text": item["text"].strip(), "sources": [n for n in sources if isinstance(n, int)]})
    return out


def _spoken(partial: Any) -> str:
    """What a partial JSON reply says so far: its sentences' words, for streaming."""
    return " ".join(s["text"] for s in _sentences(partial)) if isinstance(partial, dict) else ""


def _run(chain: Runnable, inputs: dict[str, str], config: RunnableConfig | None, stream: bool,
         shown: Callable[[str], str], final: Callable[[str], str]) -> Iterator[Generated]:
    """The whole answer with its token usage; when streaming, first a snapshot each time what
    the model has written so far (`shown`) grows."""
    if not stream:
        message = chain.invoke(inputs, config=config)
        yield _generated(final(str(message.content)), message.usage_metadata)
        return
    text, usage, said = "", None, ""
    for chunk in chain.stream(inputs, config=config):
        text += str(chunk.content)
        usage = chunk.usage_metadata or usage
        now = shown(text) if chunk.content else said
        if now.startswith(said) and len(now) > len(said):
            said = now
            yield Generated(said, partial=True)
    yield _generated(final(text), usage)


def _generated(text: str, usage: Any) -> Generated:
    usage = dict(usage or {})
    return Generated(text, usage.get("input_tokens", 0), usage.get("output_tokens", 0))
