"""What the Discord face keeps between messages: per-user cooldowns and conversations. Answers run
off the event loop through the faces' shared WorkQueue (newsqa/work.py)."""

from __future__ import annotations

import time
from collections import OrderedDict

from newsqa import Answer, Conversation, Turn
from newsqa.work import Busy, ShuttingDown, WorkQueue

__all__ = ["Busy", "Conversations", "Cooldowns", "ShuttingDown", "WorkQueue"]


class Cooldowns:
    """Per-user minimum time between questions."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._last: dict[int, float] = {}

    def remaining(self, user_id: int) -> float:
        """Seconds left before this user may ask again (0 when they may)."""
        last = self._last.get(user_id)
        return 0.0 if last is None else max(0.0, self.seconds - (time.monotonic() - last))

    def start(self, user_id: int) -> None:
        self._last[user_id] = time.monotonic()

    def forget(self, user_id: int) -> None:
        """The question was refused unanswered (busy): it does not count against the user."""
        self._last.pop(user_id, None)


class Conversations:
    """Recent turns per conversation (a thread, or a chain of replies), each kept as every face
    keeps one (`Conversation`), bounded in conversations kept (least recently used go first).
    Kept in memory: a restart starts afresh."""

    def __init__(self, turns: int, keep: int = 2000) -> None:
        self.turns, self.keep = turns, keep
        self._by_key: OrderedDict[int, Conversation] = OrderedDict()

    def history(self, key: int) -> list[Turn]:
        found = self._by_key.get(key)
        if found is None:
            return []
        self._by_key.move_to_end(key)
        return found.history

    def add(self, key: int, answer: Answer, before: list[Turn] | None = None) -> Turn:
        """Record the answer in its conversation (started from `before` when new); its turn."""
        if key not in self._by_key:
            self._by_key[key] = Conversation(self.turns, before or [])
        turn = self._by_key[key].add(answer)
        self._by_key.move_to_end(key)
        while len(self._by_key) > self.keep:
            self._by_key.popitem(last=False)
        return turn

    def __contains__(self, key: int) -> bool:
        return key in self._by_key
