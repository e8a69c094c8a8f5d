"""An LLM server that hangs, or answers with no usable text: the answer falls back to the best
passages with a note saying so. The server is a real HTTP server on loopback, reached through
langchain-openai, that misbehaves on purpose."""

from __future__ import annotations

import time

import pytest
from conftest import SAMPLES

from newsqa.bot.answer import AskRequest
from newsqa.bot.ask import Answerer
from newsqa.bot.config import Settings
from newsqa.index import load


@pytest.fixture(scope="module")
def answerer(tmp_path_factory) -> Answerer:
    settings = Settings(home=tmp_path_factory.mktemp("faults") / "home", llm="none")
    settings.providers.timeout_s = 1
    settings.providers.max_retries = 0
    a = Answerer(settings)
    a.index.ingest(load([str(SAMPLES)], settings.fetch))
    return a


@pytest.mark.parametrize("route, note", [
    ("hang", "The LLM (faulty) timed out; these are the best passages instead."),
    ("garbage", "The LLM (faulty) returned no usable text"),
])
def test_faulty_llm_gives_the_passages_with_a_note(answerer: Answerer, faulty_server: str, route: str, note: str):
    answerer.settings.providers.openai_base_url = f"{faulty_server}/{route}/v1"
    answerer._llms.clear()
    started = time.perf_counter()
    answer = answerer.invoke(AskRequest(question="How much will the Ferris Street bridge cost?", llm="openai:faulty"))
    assert time.perf_counter() - started < 30
    assert answer.note and answer.note.startswith(note)
    assert not answer.abstained and "$48 million" in answer.answer
    assert answer.citations and answer.citations[0].source == "Millbrook Ledger"
