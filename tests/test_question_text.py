"""A question typed as people type in chat gets the answer the clean question gets (answered with no
LLM over the sample articles, so that the search, the evidence and the check decide alone)."""

from __future__ import annotations

import pytest
from conftest import SAMPLES

from newsqa import Answerer, NewsIndex, Settings, load

CLEAN = "How much will the Ferris Street bridge cost?"
NOISY = [
    "hey bot, quick question: how much will the Ferris Street bridge cost?",
    "How much will the Ferris Street bridge cost? (reader 0)",
    "how much will the ferris street bridge cost 🤔",
    "<@1234567890> how much will the ferris street bridge cost? thanks!",
    "How much will the Ferris Street bridge cost? (asking for a friend)",
]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    settings = Settings(home=tmp_path_factory.mktemp("plain") / "home", llm="none")
    news = NewsIndex(settings)
    news.ingest(load([str(SAMPLES)], settings.fetch))
    yield news
    news.close()


def answerer(index: NewsIndex, plain: bool) -> Answerer:
    settings = index.settings.model_copy(deep=True)
    settings.answer.plain_question = plain
    return Answerer(settings, index)


@pytest.mark.parametrize("typed", NOISY)
def test_a_noisy_question_gets_the_clean_answer_and_keeps_its_words(index, typed):
    ask = answerer(index, plain=True)
    clean, noisy = ask.invoke(CLEAN), ask.invoke(typed)
    assert "$48 million" in clean.answer
    assert noisy.answer == clean.answer and noisy.short_answer == clean.short_answer
    assert noisy.question == typed  # the asker's words, as displayed and kept in the conversation


def test_a_number_in_an_aside_is_no_figure_the_source_must_state(index):
    typed = "How much will the Ferris Street bridge cost? (reader 0)"
    assert "$48 million" in answerer(index, plain=True).invoke(typed).answer
    # Read as typed, the "0" of the aside is a figure of the question, which no source states.
    refused = answerer(index, plain=False).invoke(typed)
    assert refused.abstained
