"""Fast spec tests of the Discord bot's queue, cooldowns and conversations (no Discord needed)."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import datetime, timezone

import pytest

from newsqa import Answer, Conversation, Turn
from newsqa.bot.discord.format import wait_message
from newsqa.bot.discord.work import Busy, Conversations, Cooldowns, WorkQueue
from newsqa.work import ShuttingDown

pytestmark = pytest.mark.spec


def answer(standalone: str, text: str = "It is so [1].") -> Answer:
    return Answer(question="typed " + standalone, standalone_question=standalone, answer=text, short_answer="",
                  abstained=False, provider="none", model="extractive", as_of=datetime.now(timezone.utc))


def test_the_queue_runs_workers_at_once_holds_queue_size_and_refuses_the_rest():
    release = threading.Event()

    async def scenario() -> list[str]:
        work = WorkQueue(workers=1, queue_size=1)
        first = asyncio.create_task(work.run(release.wait, 5))
        second = asyncio.create_task(work.run(lambda: "second"))
        await asyncio.sleep(0.05)
        assert work.taken == 2
        with pytest.raises(Busy):
            await work.run(lambda: "third")
        release.set()
        results = [await first, await second]
        assert work.taken == 0
        work.shutdown()
        return results

    assert asyncio.run(scenario()) == [True, "second"]


def test_a_drained_queue_finishes_what_runs_and_refuses_what_waits_and_what_comes():
    release = threading.Event()

    async def scenario() -> None:
        work = WorkQueue(workers=1, queue_size=2)
        running = asyncio.create_task(work.run(release.wait, 5))
        waiting = asyncio.create_task(work.run(lambda: "waiting"))
        await asyncio.sleep(0.05)
        work.drain()
        with pytest.raises(ShuttingDown):
            await waiting  # at once, not after the running job
        assert not running.done()
        with pytest.raises(ShuttingDown):
            await work.run(lambda: "new")
        release.set()
        assert await running is True
        await asyncio.sleep(0.05)
        assert work.taken == 0
        work.shutdown()

    asyncio.run(scenario())


def test_cooldowns_count_from_the_start_and_a_forgotten_question_does_not_count(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    cooldowns = Cooldowns(5.0)
    assert cooldowns.remaining(1) == 0.0
    cooldowns.start(1)
    clock[0] += 2
    assert cooldowns.remaining(1) == pytest.approx(3.0) and cooldowns.remaining(2) == 0.0
    cooldowns.forget(1)
    assert cooldowns.remaining(1) == 0.0
    cooldowns.start(1)
    clock[0] += 6
    assert cooldowns.remaining(1) == 0.0


def test_conversations_keep_standalone_questions_the_last_turns_and_the_recent_conversations():
    talks = Conversations(turns=2, keep=2)
    before = [Turn(question="Earlier?", answer="Yes [1].")]
    turn = talks.add(10, answer("When does the bridge work begin?"), before)
    assert turn.question == "When does the bridge work begin?"  # the standalone question, not the typed one
    assert [t.question for t in talks.history(10)] == ["Earlier?", "When does the bridge work begin?"]
    talks.add(10, answer("How much will the bridge cost?"))
    assert [t.question for t in talks.history(10)] == ["When does the bridge work begin?",
                                                       "How much will the bridge cost?"]
    talks.add(20, answer("Other?"))
    talks.history(10)  # used: 20 is now the least recent
    talks.add(30, answer("Third?"))
    assert 10 in talks and 30 in talks and 20 not in talks


def test_every_face_keeps_a_conversation_the_same_way():
    talk = Conversation(turns=2)
    for n in range(3):
        talk.add(answer(f"Standalone {n}?"))
    request = talk.request("And then?", sources=["Outlet"])
    assert [t.question for t in request.history] == ["Standalone 1?", "Standalone 2?"]
    assert request.sources == ["Outlet"]
    talk.reset()
    assert talk.request("New?").history == []


@pytest.mark.parametrize("left, said", [(0.0001, 1), (0.4, 1), (0.5, 1), (1.0, 1), (1.01, 2), (29.6, 30), (30.0, 30)])
def test_a_reader_inside_the_cooldown_is_told_a_whole_positive_number_of_seconds(left, said):
    assert wait_message(left) == f"Please wait {said} s before asking again."
