"""Every prompt of newsqa as a text file in this folder, loaded by name.

`NAME.system.txt` and `NAME.user.txt` make the chat prompt `NAME`; `{placeholders}` are
LangChain f-string variables.

>>> prompt = load("answer")
>>> sorted(prompt.input_variables)
['question', 'sources', 'today']
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from langchain_core.prompts import ChatPromptTemplate

HERE = Path(__file__).resolve().parent


def text(name: str) -> str:
    return (HERE / f"{name}.txt").read_text(encoding="utf-8").strip()


@lru_cache(maxsize=None)
def load(name: str) -> ChatPromptTemplate:
    """The chat prompt NAME: a system message (if NAME.system.txt exists) and a user message."""
    messages = [("human", text(f"{name}.user"))]
    if (HERE / f"{name}.system.txt").is_file():
        messages.insert(0, ("system", text(f"{name}.system")))
    return ChatPromptTemplate.from_messages(messages)
