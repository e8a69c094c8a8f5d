"""How every face keeps a conversation, so that a follow-up means the same in each.

Each turn is `Turn.of(answer)`: the *standalone* question the answer was searched for (not the
words typed), so a follow-up of a follow-up still carries its subject, and the checked answer;
only the last `answer.history_turns` turns are kept (the answering core reads no more).

>>> from datetime import datetime, timezone
>>> talk = Conversation(turns=2)
>>> talk.add(Answer(question="When?", standalone_question="When does the bridge work begin?",
...                 answer="In September [1].", short_answer="September", abstained=False,
...                 provider="none", model="extractive", as_of=datetime.now(timezone.utc)))
Turn(question='When does the bridge work begin?', answer='In September [1].')
>>> talk.request("How much will it cost?").history[0].question
'When does the bridge work begin?'
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

from newsqa.bot.answer import Answer, AskRequest, Turn


class Conversation:
    """The recent turns of one conversation."""

    def __init__(self, turns: int, history: Iterable[Turn] = ()) -> None:
        self._turns: deque[Turn] = deque(history, maxlen=max(turns, 1))

    @property
    def history(self) -> list[Turn]:
        return list(self._turns)

    def request(self, question: str, **options: Any) -> AskRequest:
        """The question as a request that carries this conversation."""
        return AskRequest(question=question, history=self.history, **options)

    def add(self, answer: Answer) -> Turn:
        turn = Turn.of(answer)
        self._turns.append(turn)
        return turn

    def reset(self) -> None:
        self._turns.clear()
