"""Structured answers: the JSON reply held to the schema by a real model, and its rendering."""

from __future__ import annotations

import json

import numpy as np
import pytest

from newsqa.bot.generate import ANSWER_SCHEMA, generate_structured, parse_reply, render_reply
from newsqa.bot.llamacpp_chat import _load
from newsqa.bot.llm import ProviderSettings, make_llm
from newsqa.bot.verify import is_abstention, parse_claims
from newsqa.prompts import load


def test_sentences_become_cited_text_the_check_parses():
    text = render_reply({"sentences": [
        {"text": "The council approved the bridge.", "sources": [2]},
        {"text": "Work begins in September", "sources": [1, 3]},
    ]})
    assert text == "The council approved the bridge [2]. Work begins in September [1][3]."
    claims = parse_claims(text)
    assert [(c.text, c.cited) for c in claims] == [
        ("The council approved the bridge.", [2]), ("Work begins in September.", [1, 3])]


def test_no_sentences_is_an_abstention_and_garbage_is_empty():
    assert is_abstention(render_reply({"sentences": []}))
    assert render_reply(parse_reply("the model wrote prose, not JSON")) == ""
    assert render_reply(parse_reply("[1, 2, 3]")) == ""


def test_a_reply_cut_off_by_the_token_limit_keeps_its_sentences():
    raw = '{"sentences": [{"text": "Officials counted 2,610 households.", "sources": [1]}, {"text": "The rebate clo'
    text = render_reply(parse_reply(raw))
    assert text.startswith("Officials counted 2,610 households [1].")


def test_malformed_items_are_skipped():
    reply = {"sentences": [{"text": "", "sources": [1]}, {"sources": [2]}, "loose text",
                           {"text": "Kept.", "sources": ["1", 4, None]}]}
    assert render_reply(reply) == "Kept [4]."
    # no source numbers at all: the text is kept for the check to cite or refuse
    assert render_reply({"sentences": [{"text": "Uncited claim.", "sources": []}]}) == "Uncited claim."


SOURCES = ("[1] Millbrook Rovers sign goalkeeper (Millbrook Courier, 2025-03-10)\n"
           "Millbrook Rovers signed goalkeeper Anna Wilk on Monday. She kept 14 clean sheets last season.")
INPUTS = {"today": "2025-03-12", "sources": SOURCES, "question": "Which goalkeeper did Millbrook Rovers sign?"}


def test_the_small_model_held_to_the_schema_answers_valid_json():
    llm = make_llm("test", ProviderSettings(), max_tokens=60)
    message = llm.held_to_schema(ANSWER_SCHEMA).invoke(
        [("system", "Answer in JSON."), ("human", INPUTS["question"] + "\n" + SOURCES)])
    reply = json.loads(message.content)  # a grammar holds even a 135M model to the schema
    assert set(reply) == {"sentences"} and len(reply["sentences"]) <= 3
    for sentence in reply["sentences"]:
        assert isinstance(sentence["text"], str)
        assert sentence["sources"] and all(isinstance(n, int) for n in sentence["sources"])


@pytest.mark.slow
def test_the_local_model_streams_the_words_not_the_json():
    llm = make_llm("local", ProviderSettings(), max_tokens=80)
    *snapshots, generated = generate_structured(llm.held_to_schema(ANSWER_SCHEMA), INPUTS, stream=True)
    assert "Wilk" in generated.text and "[1]" in generated.text and not generated.partial
    assert snapshots and all(s.partial for s in snapshots)
    shown = snapshots[-1].text  # what a reader watching the stream saw last
    assert "Wilk" in shown and "{" not in shown and "sources" not in shown
    assert all(later.text.startswith(earlier.text) for earlier, later in zip(snapshots, snapshots[1:]))
    assert generated.tokens_out > 0


def test_structured_answers_through_ask_are_rendered_and_checked(tmp_path):
    from conftest import SAMPLES

    from newsqa.bot.answer import AskRequest
    from newsqa.bot.ask import Answerer
    from newsqa.bot.config import Settings
    from newsqa.index import load

    settings = Settings(home=tmp_path / "home", llm="test")
    settings.answer.structured_output = "always"
    answerer = Answerer(settings)
    answerer.index.ingest(load([str(SAMPLES)], settings.fetch))
    answer = answerer.invoke(AskRequest(question="Which goalkeeper did Millbrook Rovers sign?"))
    assert answer.tokens_out > 0 and answer.note is None
    assert not answer.draft.lstrip().startswith("{")  # the JSON became text with [n] markers
    assert answer.abstained or (answer.citations and "[1]" in answer.answer)


LONGER_SOURCES = ("[1] Millbrook Rovers sign goalkeeper (Millbrook Courier, 2025-03-10)\n"
                  "Millbrook Rovers signed goalkeeper Anna Wilk on Monday from Eastfield United for a fee "
                  "of 1.2 million pounds. She kept 14 clean sheets last season and was named the league's "
                  "player of the year. The club's manager, Tom Hale, said Wilk would start Saturday's match "
                  "against Riverside.")


def test_a_prompt_is_answered_alike_whatever_was_asked_before():
    # llama.cpp computes a token slightly differently by the batch it is evaluated in: reusing
    # the cache of the previous prompt past the system turn changed these logits (and, on dev
    # questions, answers).
    chat = make_llm("local", ProviderSettings(), max_tokens=12).chat
    llama, _ = _load(chat.model_path, chat.n_ctx, chat.n_threads, chat.kernels)
    from llama_cpp import llama_cpp as low_level  # only once loaded: loading picks llama.cpp's build for this CPU

    def ask(question):
        messages = load("answer").format_messages(today="2025-03-12", sources=LONGER_SOURCES, question=question)
        text = chat.invoke(messages).content
        logits = np.ctypeslib.as_array(low_level.llama_get_logits_ith(llama.ctx, -1), shape=(llama.n_vocab(),))
        return text, logits.copy()

    question = "How many clean sheets did Anna Wilk keep last season?"
    first_text, first_logits = ask(question)
    for before in ("Who is the manager of Millbrook Rovers?", question.rstrip("?")):
        ask(before)
        text, logits = ask(question)
        assert text == first_text
        assert np.array_equal(logits, first_logits)  # the very numbers, not only the greedy words
