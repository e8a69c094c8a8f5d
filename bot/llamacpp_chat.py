"""A thin LangChain chat model over llama-cpp-python, for local GGUF models.

(langchain-community's ChatLlamaCpp would do, but that package is being retired upstream.)
llama.cpp can reuse the evaluated prefix of the previous prompt, but what it computes for a
token depends on the batch the token was evaluated in: a reused prefix that ran past the fixed
instructions made one question get two answers, depending on the question asked before it. So
every prompt starts from the same state: its first turn (the system turn; the template's own
where a prompt has none) evaluated alone from an empty cache, kept while the next prompts share
it, and the rest evaluated fresh. Prompts therefore keep their fixed instructions in the system turn.

>>> chat = LlamaCppChat(model_path="model.gguf")                       # doctest: +SKIP
>>> chat.invoke("Say hello").content                                  # doctest: +SKIP
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from newsqa.bot.cpu_kernels import use_kernels

_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


@lru_cache(maxsize=2)
def _load(model_path: str, n_ctx: int, n_threads: int, kernels: str = "auto") -> tuple[Any, threading.Lock]:
    use_kernels(kernels)  # before llama_cpp's first import: it loads its libraries then
    from llama_cpp import Llama

    llama = _fixed_start(Llama)(model_path=model_path, n_ctx=n_ctx, n_threads=n_threads, verbose=False)
    loaded = (llama, threading.Lock())  # one generation at a time per loaded model
    _LOADED.append(loaded)
    return loaded


def _fixed_start(llama_class: type) -> type:
    """llama_class whose every prompt is evaluated from the same state (see the module's docstring)."""
    from llama_cpp import llama_cpp as low_level

    class FixedStartLlama(llama_class):  # type: ignore[misc, valid-type]
        _kept: list[int] = []

        def generate(self, tokens: Any, *args: Any, **kwargs: Any) -> Any:
            tokens = list(tokens)
            self._start_fixed(tokens)
            return super().generate(tokens, *args, **kwargs)

        def _start_fixed(self, tokens: list[int]) -> None:
            first_turn = self._first_turn(tokens)
            kept = self._kept
            if first_turn and first_turn == kept and list(self.input_ids[: len(kept)]) == kept:
                self.n_tokens = min(self.n_tokens, len(kept))  # drop what the last prompt added
                return
            self.reset()
            self._kept = []
            if first_turn:
                self.eval(first_turn)
                self._kept = first_turn

        def _first_turn(self, tokens: list[int]) -> list[int]:
            """Tokens up to the first end of turn, if more of the prompt follows it."""
            for at, token in enumerate(tokens[:-2]):
                if low_level.llama_vocab_is_eog(self._model.vocab, token):
                    return tokens[: at + 1]
            return []

    return FixedStartLlama


@atexit.register
def _close_models() -> None:
    """Free loaded models before the interpreter tears down the modules llama.cpp's finalizer needs."""
    for llama, _ in _LOADED:
        llama.close()
    _LOADED.clear()
    _load.cache_clear()


_LOADED: list[tuple[Any, threading.Lock]] = []


class LlamaCppChat(BaseChatModel):
    """Chat completions from a GGUF model run in-process by llama.cpp (greedy by default)."""

    model_path: str
    model_name: str = "local"
    n_ctx: int = 4096
    n_threads: int = max(1, os.cpu_count() or 1)
    temperature: float = 0.0
    max_tokens: int = 256
    kernels: str = "auto"  # which llama.cpp build (bot/cpu_kernels.py); fixed once llama_cpp is loaded

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "temperature": self.temperature}

    def _messages(self, messages: list[BaseMessage]) -> list[dict[str, str]]:
        return [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages]

    def _params(self, stop: list[str] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        params = {
            "temperature": self.temperature,
            "max_tokens": kwargs.get("max_tokens", self.max_tokens),
            "stop": stop or [],
        }
        if kwargs.get("response_format"):  # {"type": "json_object", "schema": ...}: a grammar holds the output to it
            params["response_format"] = kwargs["response_format"]
        return params

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        llama, lock = _load(self.model_path, self.n_ctx, self.n_threads, self.kernels)
        with lock:
            out = llama.create_chat_completion(self._messages(messages), **self._params(stop, kwargs))
        usage = out.get("usage") or {}
        message = AIMessage(
            content=out["choices"][0]["message"]["content"] or "",
            usage_metadata={
                "input_tokens": usage.get("prompt_tokens", 0),
                "output_tokens": usage.get("completion_tokens", 0),
                "total_tokens": usage.get("total_tokens", 0),
            },
            response_metadata={"model_name": self.model_name},
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        llama, lock = _load(self.model_path, self.n_ctx, self.n_threads, self.kernels)
        prompt_messages = self._messages(messages)
        with lock:
            stream = llama.create_chat_completion(prompt_messages, stream=True, **self._params(stop, kwargs))
            produced = 0
            for part in stream:
                text = part["choices"][0].get("delta", {}).get("content") or ""
                if not text:
                    continue
                produced += 1
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                if run_manager:
                    run_manager.on_llm_new_token(text, chunk=chunk)
                yield chunk
            prompt_tokens = len(llama.tokenize(
                "".join(m["content"] for m in prompt_messages).encode(), add_bos=False
            ))
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="",
                usage_metadata={"input_tokens": prompt_tokens, "output_tokens": produced,
                                "total_tokens": prompt_tokens + produced},
            )
        )
