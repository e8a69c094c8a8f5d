"""The examples in the modules' docstrings run (those marked +SKIP need models or a network)."""

from __future__ import annotations

import doctest
import importlib

import pytest

pytestmark = pytest.mark.spec

MODULES = ["newsqa.bot.llm", "newsqa.bot.claims", "newsqa.bot.verify", "newsqa.bot.cpu_kernels",
           "newsqa.bot.discord.format", "newsqa.index.question_kind", "newsqa.bot.question_text", "newsqa.bot.generate",
           "newsqa.bot.conversation", "newsqa.index.article", "newsqa.index.newsindex", "newsqa.index.sources",
           "newsqa.prompts"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
