"""What a question says, read once (bot/question_text.py): chat around it set apart, clean questions left alone."""

from __future__ import annotations

import pytest

from newsqa.bot.question_text import plain_question

pytestmark = pytest.mark.spec

CLEAN = "How many U.S. troops are stationed in Syria?"


@pytest.mark.parametrize("typed", [
    "hey bot, quick question: How many U.S. troops are stationed in Syria?",
    "Hi! How many U.S. troops are stationed in Syria?",
    "<@1234567890> How many U.S. troops are stationed in Syria?",
    "@newsqa How many U.S. troops are stationed in Syria?",
    "How many U.S. troops are stationed in Syria? (reader 0)",
    "How many U.S. troops are stationed in Syria? (asking for a friend)",
    "How many U.S. troops are stationed in Syria? [just curious]",
    "How many U.S. troops are stationed in Syria? thanks!",
    "How many U.S. troops are stationed in Syria? 🤔",
    "How many U.S. troops are stationed in Syria? :thinking:",
    "How many U.S. troops are stationed in Syria? :)",
    "Thanks! How many U.S. troops are stationed in Syria?",
    "2 quick questions: How many U.S. troops are stationed in Syria?",
    "1. How many U.S. troops are stationed in Syria?",
    "Can you tell me How many U.S. troops are stationed in Syria?",
    "pls How many U.S. troops are stationed in Syria? thx",
    "I was reading the news this morning. How many U.S. troops are stationed in Syria?",
    "Just curious. Random thought! How many U.S. troops are stationed in Syria?",
])
def test_chat_around_a_question_is_set_apart(typed):
    assert plain_question(typed) == CLEAN


@pytest.mark.parametrize("typed, read", [
    ("how many us troops r stationed in syria", "How many U.S. troops are stationed in syria?"),
    ("wat did u hear abt the us election", "What did you hear about the U.S. election?"),
    ("how many U.S. troops are stationed in Syria 🤔", "How many U.S. troops are stationed in Syria?"),
    ("who leads the African National Congress (ANC)", "Who leads the African National Congress (ANC)?"),
    ("the bafta awards celebrate which art form", "The bafta awards celebrate which art form?"),  # asked later on
    ("Temperatures reached what in Phoenix on Sunday 🤔", "Temperatures reached what in Phoenix on Sunday?"),
    ("explain what the Fed decided 🤔", "Explain what the Fed decided"),  # a request, no question
])
def test_chat_spellings_are_read(typed, read):
    assert plain_question(typed) == read


@pytest.mark.parametrize("question", [
    CLEAN,
    "Who leads the African National Congress (ANC)?",
    "Who leads the African National Congress (ANC)",  # typed without "?" but not as chat: left alone
    "What is the name of the glacier that collapsed in Switzerland",
    'Who wrote “The Star-Spangled Banner?”',
    "What did Trump tell us about tariffs?",
    "Which team won the 2025 Stanley Cup?",
    "How much will the $48 million bridge cost per year?",
    "Did the FDA ban Red No. 3 this week?",
    "Who is Q?",
    "Which U.S. state passed the law in June?",
    "Temperatures reached what in Phoenix on Sunday: 48 degrees?",
])
def test_a_clean_question_is_left_as_it_is(question):
    assert plain_question(question) == question


@pytest.mark.parametrize("question", [
    "Trump met Xi on Monday. What did they agree?",  # the question leans on the names before it
    "I read about the Ferris Street bridge. How much will it cost?",
    "Gov. Newsom signed what on Monday?",  # a title's period ends no sentence
])
def test_a_statement_the_question_may_lean_on_stays(question):
    assert plain_question(question) == question


@pytest.mark.parametrize("typed", ["🤔", "thanks!", "(reader 0)", "   "])
def test_nothing_but_chat_is_kept_as_typed(typed):
    assert plain_question(typed) == " ".join(typed.split())
