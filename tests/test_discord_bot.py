"""The Discord bot end to end: `newsqa discord` (the real discord.py client, built as the command
builds it) in its own process, against the local Discord API emulator (tests/discord_emulator.py).
Every assertion is about what Discord users would see: the messages, embeds, buttons and
interaction responses the bot sent."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from discord_emulator import (
    ADMIN_ID,
    APP_ID,
    CHANNEL_ID,
    DM_CHANNEL_ID,
    GUILD_ID,
    OTHER_CHANNEL_ID,
    USER_ID,
    Emulator,
)

NEWSQA = str(Path(sys.executable).with_name("newsqa"))
TOKEN = "test-token-Zx91-never-shown"
REPO = Path(__file__).resolve().parents[1]


class Bot:
    """A `newsqa discord` process with its data directory and log."""

    def __init__(self, emulator: Emulator, home: Path, **settings: str) -> None:
        self.emulator, self.home = emulator, home
        self.log_path = home / "bot.log"
        self.proc: subprocess.Popen | None = None
        defaults = {"NEWSQA_LLM": "none", "NEWSQA_DISCORD__COOLDOWN_S": "0",
                    "NEWSQA_DISCORD__ADMIN_USER_IDS": f"[{ADMIN_ID}]"}
        self.env = dict(os.environ, NEWSQA_HOME=str(home), HF_HUB_OFFLINE="1", DISCORD_TOKEN=TOKEN,
                        NEWSQA_DISCORD_API_URL=emulator.api_url, NEWSQA_DISCORD_GATEWAY_URL=emulator.gateway_url,
                        **{**defaults, **settings})
        self.start()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        if self.running:
            return
        self.emulator.identified.clear()
        self.commands_before = sum(1 for c in self.emulator.calls if c.path.endswith("/commands"))
        self.proc = subprocess.Popen([NEWSQA, "discord"], env=self.env, stdout=self.log_path.open("a"),
                                     stderr=subprocess.STDOUT)
        assert self.emulator.identified.wait(120), self.log()
        self.emulator.wait_for(lambda: sum(1 for c in self.emulator.calls if c.path.endswith("/commands"))
                               > self.commands_before, 60)
        time.sleep(0.5)  # let the client process GUILD_CREATE

    def stop(self) -> None:
        if self.running:
            self.proc.terminate()
            self.proc.wait(20)

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""


def ingest_samples(home: Path) -> None:
    env = dict(os.environ, NEWSQA_HOME=str(home), HF_HUB_OFFLINE="1")
    subprocess.run([NEWSQA, "ingest", str(REPO / "samples")], env=env, check=True, capture_output=True)


@pytest.fixture(scope="module")
def emulator():
    emu = Emulator(heartbeat_interval_ms=500).start()
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def bots(emulator):
    """The bots of this module by name, each made on first use; stopped at the end, before the
    emulator (hence the dependency): a bot still connected, busy polling a feed, can miss the
    emulator's close handshake."""
    made: dict[str, Bot] = {}
    yield made
    for each in made.values():
        each.stop()


def only_running(bots: dict, name: str, make) -> Bot:
    """One bot on the emulator at a time (both would answer every message): this one, started,
    whichever tests ran before."""
    for other, running in bots.items():
        if other != name:
            running.stop()
    if name not in bots:
        bots[name] = make()
    bots[name].start()
    return bots[name]


@pytest.fixture
def bot(bots, emulator, tmp_path_factory):
    def make() -> Bot:
        home = tmp_path_factory.mktemp("discord") / "home"
        ingest_samples(home)
        return Bot(emulator, home, NEWSQA_FETCH__ALLOW_PRIVATE="true", NEWSQA_DISCORD__GUILD_IDS=f"[{GUILD_ID}]",
                   NEWSQA_DISCORD__CHANNEL_IDS=f"[{CHANNEL_ID}]")
    return only_running(bots, "main", make)


def posted_since(emulator: Emulator, start: int, channel_id: str | None = None) -> list[dict]:
    return [m for m in emulator.messages[start:] if channel_id is None or m["channel_id"] == channel_id]


def answer_in(emulator: Emulator, start: int, channel_id: str | None = None, timeout: float = 60) -> dict:
    """The last message of an answer (the one with the feedback buttons)."""
    return emulator.wait_for(lambda: next((m for m in posted_since(emulator, start, channel_id)
                                           if m["components"]), None), timeout)


def test_a_mention_is_answered_in_a_thread_with_the_sources_embed(bot, emulator):
    start, calls = len(emulator.messages), len(emulator.calls)
    question = emulator.say("When does construction of the Ferris Street bridge begin?")
    message = answer_in(emulator, start)
    thread = emulator.threads[-1]
    assert message["channel_id"] == thread["id"] and thread["parent_id"] == CHANNEL_ID
    assert any(c.path == f"/channels/{CHANNEL_ID}/messages/{question['id']}/threads" for c in emulator.calls[calls:])
    assert any(c.path == f"/channels/{thread['id']}/typing" for c in emulator.calls[calls:])
    assert "September 2025" in message["content"] and "[1]" in message["content"]
    (embed,) = message["embeds"]
    assert embed["title"] == "Sources"
    field = embed["fields"][0]
    assert field["name"].startswith("[1] Millbrook council approves the Ferris Street bridge")
    assert "(https://ledger.example/2025/03/04/ferris-street-bridge)" in field["value"]
    assert "Millbrook Ledger, 2025-03-04" in field["value"]
    # Nobody is pinged, and no URL in the text unfurls into a preview.
    assert message["allowed_mentions"] == {"parse": []}
    assert not re.search(r"(?<!<)https?://", message["content"])
    assert [b["emoji"]["name"] for b in message["components"][0]["components"]] == ["👍", "👎"]


def test_slash_ask_defers_then_answers_through_the_webhook(bot, emulator):
    start = len(emulator.messages)
    sent = time.time()
    interaction_id = emulator.slash("ask", {"question": "How much will the Ferris Street bridge cost?"})
    deferred = emulator.response_to(interaction_id, 10)
    assert deferred["type"] == 5  # "thinking…"
    callback_call = next(c for c in emulator.calls if c.path.startswith(f"/interactions/{interaction_id}/"))
    assert callback_call.at - sent < 3
    message = answer_in(emulator, start)
    assert message["webhook"] and "$48 million" in message["content"]
    assert message["embeds"][0]["fields"][0]["name"].startswith("[1] Millbrook council")
    assert message["allowed_mentions"] == {"parse": []}


def test_a_follow_up_in_the_thread_uses_the_earlier_question(bot, emulator):
    start = len(emulator.messages)
    emulator.say("Why did the Port of Kessel dock workers strike?")
    first = answer_in(emulator, start)
    thread_id = first["channel_id"]
    field = first["embeds"][0]["fields"][0]
    assert "Kessel" in field["name"] or "Coastal Wire" in field["value"]
    start = len(emulator.messages)
    emulator.say("How many days did it last?", channel_id=thread_id)
    follow_up = answer_in(emulator, start, thread_id)
    assert "nine-day" in follow_up["content"] or "nine days" in follow_up["content"]
    assert "Coastal Wire" in follow_up["embeds"][0]["fields"][0]["value"]


def test_commands_are_synced_to_the_configured_guild(bot, emulator):
    assert any(c.method == "PUT" and c.path == f"/applications/{APP_ID}/guilds/{GUILD_ID}/commands"
               for c in emulator.calls)
    assert {c["name"] for c in emulator.commands} == {"ask", "ingest", "stats"}


def test_a_reply_to_an_answer_is_a_follow_up(bot, emulator):
    start = len(emulator.messages)
    emulator.slash("ask", {"question": "How much will the Ferris Street bridge cost?"})
    answer = answer_in(emulator, start)
    start = len(emulator.messages)
    emulator.say("When does work on it begin?", mention_bot=False, reply_to=answer)
    follow_up = answer_in(emulator, start)
    assert "September 2025" in follow_up["content"]
    first = posted_since(emulator, start)[0]
    assert first["channel_id"] == CHANNEL_ID and first["message_reference"]["message_id"]


def test_other_channels_and_dms_are_left_alone(bot, emulator):
    start, threads = len(emulator.messages), len(emulator.threads)
    emulator.say("How much will the Ferris Street bridge cost?", channel_id=OTHER_CHANNEL_ID)
    emulator.say("How much will the Ferris Street bridge cost?", channel_id=DM_CHANNEL_ID)
    emulator.say("How long did the Kessel strike last?")  # allowed: answered after the two above
    answer_in(emulator, start)
    assert all(m["channel_id"] not in (OTHER_CHANNEL_ID, DM_CHANNEL_ID) for m in posted_since(emulator, start))
    assert [t["parent_id"] for t in emulator.threads[threads:]] == [CHANNEL_ID]


def test_an_unexpected_error_gets_an_apology_with_an_error_id(bot, emulator):
    start = len(emulator.messages)
    emulator.reject_posts = 1  # Discord refuses the answer message
    emulator.say("How much will the Ferris Street bridge cost?")
    sorry = emulator.wait_for(
        lambda: next((m for m in posted_since(emulator, start) if "error id" in m["content"]), None), 60)
    error_id = re.search(r"error id ([0-9a-f]{8})", sorry["content"]).group(1)
    assert sorry["content"] == f"Sorry, something went wrong while answering (error id {error_id})."
    assert f"error {error_id} while answering a message" in bot.log()
    assert "Traceback" in bot.log()


def test_twenty_questions_at_once_are_all_answered_while_heartbeats_flow(bot, emulator):
    start, beats = len(emulator.messages), len(emulator.heartbeats)
    identifies = sum(1 for c in emulator.calls if c.path == "/users/@me")
    questions = ["How much will the Ferris Street bridge cost?", "How long did the Kessel strike last?",
                 "What changes at the library?", "What do the heat pump rebates cover?"]
    for i in range(20):
        emulator.say(questions[i % 4], author_id=str(800000000000000000 + i))
    answered = emulator.wait_for(lambda: len({m["channel_id"] for m in posted_since(emulator, start)
                                              if m["components"] or "I don't know" in m["content"]}) >= 20
                                 and posted_since(emulator, start), 240)
    assert answered
    assert not any("busy" in m["content"] for m in posted_since(emulator, start))
    window = emulator.heartbeats[beats:]
    assert len(window) >= 3
    gaps = [b - a for a, b in zip(window, window[1:])]
    assert max(gaps) < 2 * 0.5 + 0.5, gaps  # every 0.5 s, never stalled by the answering
    assert sum(1 for c in emulator.calls if c.path == "/users/@me") == identifies  # no reconnect


def test_ingest_is_for_admins_only(bot, emulator, web):
    interaction_id = emulator.slash("ingest", {"url_or_feed": f"{web}/story1.html"})
    refused = emulator.response_to(interaction_id, 10)
    assert refused["type"] == 4 and refused["data"]["flags"] == 64  # ephemeral
    assert "Only newsqa admins" in refused["data"]["content"]
    start = len(emulator.messages)
    emulator.slash("ingest", {"url_or_feed": f"{web}/story1.html"}, author_id=ADMIN_ID)
    done = emulator.wait_for(
        lambda: next((m for m in posted_since(emulator, start) if "added" in m["content"]), None), 60)
    assert done["content"].startswith("added 1") and done["flags"] == 64
    start = len(emulator.messages)
    emulator.say("How many days of repairs did the harbour need before it reopened?")
    answer = answer_in(emulator, start)
    assert "10 days" in answer["content"] or "10" in answer["content"]
    assert any(f["name"].startswith("[1] Story 1") or "Story 1" in f["name"] for f in answer["embeds"][0]["fields"])


def test_stats_for_admins(bot, emulator):
    interaction_id = emulator.slash("stats", {}, author_id=ADMIN_ID)
    reply = emulator.response_to(interaction_id, 10)
    assert re.search(r"\d+ articles · \d+ chunks", reply["data"]["content"])


def test_feedback_is_stored_and_buttons_survive_a_restart(bot, emulator):
    start = len(emulator.messages)
    emulator.say("How much will the Ferris Street bridge cost?")
    message = answer_in(emulator, start)
    up, down = (b["custom_id"] for b in message["components"][0]["components"])
    interaction_id = emulator.click(message, up)
    thanks = emulator.response_to(interaction_id, 10)
    assert "feedback is recorded" in thanks["data"]["content"] and thanks["data"]["flags"] == 64
    db = bot.home / "feedback.sqlite3"
    rows = sqlite3.connect(db).execute(
        "SELECT a.question, v.vote, v.user_hash FROM votes v JOIN answers a USING (answer_id)").fetchall()
    assert ("How much will the Ferris Street bridge cost?", 1) in [(q, v) for q, v, _ in rows]
    assert all(USER_ID not in h for _, _, h in rows)
    bot.stop()
    bot.start()
    interaction_id = emulator.click(message, down)
    emulator.response_to(interaction_id, 20)
    votes = sqlite3.connect(db).execute("SELECT vote FROM votes v JOIN answers a USING (answer_id) "
                                        "WHERE a.question = 'How much will the Ferris Street bridge cost?'").fetchall()
    assert votes == [(-1,)]  # the same user changed their vote after the restart


def test_sigterm_finishes_the_answers_under_way_then_the_bot_exits_cleanly(bot, emulator):
    """systemd's stop: every question the bot had taken gets its reply (the answer, or "restarting"
    for one still waiting), then the connection is closed and the process exits 0."""
    start = len(emulator.messages)
    asked = [emulator.say(q, author_id=str(810000000000000000 + i)) for i, q in enumerate(
        ["How much will the Ferris Street bridge cost?", "How long did the Kessel strike last?",
         "What changes at the library?"])]
    emulator.wait_for(lambda: all(m["id"] in emulator.thread_of for m in asked), 60)  # all taken
    bot.proc.terminate()
    assert bot.proc.wait(30) == 0, bot.log()[-2000:]
    replied = {m["channel_id"]: m for m in posted_since(emulator, start)
               if m["components"] or m["content"] == "I'm restarting; please ask again in a minute."}
    assert all(emulator.thread_of[m["id"]] in replied for m in asked), [m["content"][:60] for m in replied.values()]
    bot.start()  # for the tests after this one


def test_every_message_pings_nobody_and_the_token_is_never_shown(bot, emulator):
    start = len(emulator.messages)
    emulator.say("Does @everyone know how much the Ferris Street bridge will cost?")
    answer_in(emulator, start)
    loud = [m for m in emulator.messages if not m["flags"] & 64
            and (m["allowed_mentions"] or {}).get("parse") != [] or (m["allowed_mentions"] or {}).get("replied_user")
            or (m["allowed_mentions"] or {}).get("users") or (m["allowed_mentions"] or {}).get("roles")]
    assert not loud, [(m["content"][:60], m["allowed_mentions"]) for m in loud]
    assert TOKEN not in bot.log()


# --- a second bot: a failing LLM, long answers, a cooldown, a tiny queue, private URLs refused ---
@pytest.fixture
def strict_bot(bots, emulator, tmp_path_factory, faulty_server):
    return only_running(bots, "strict", lambda: make_strict_bot(emulator, tmp_path_factory, faulty_server))


def make_strict_bot(emulator, tmp_path_factory, faulty_server) -> Bot:
    home = tmp_path_factory.mktemp("discord-strict") / "home"
    ingest_samples(home)
    # A long article, so that the answer made of its passages runs past one Discord message.
    stalls = [f"Stall {n} at the Millbrook harvest fair sold {n * 3} jars of plum jam to visitors from "
              f"{['Kessel', 'Tamsin', 'Ferris', 'Brandt'][n % 4]} on the opening day of the fair."
              for n in range(1, 61)]
    article = home.parent / "fair.md"
    article.write_text("---\ntitle: Millbrook harvest fair opens with sixty jam stalls\nsource: Millbrook Ledger\n"
                       "published: 2025-03-15\n---\n" + " ".join(stalls) + "\n")
    env = dict(os.environ, NEWSQA_HOME=str(home), HF_HUB_OFFLINE="1")
    subprocess.run([NEWSQA, "ingest", str(article)], env=env, check=True, capture_output=True)
    return Bot(emulator, home, NEWSQA_LLM="openai:faulty",
                  NEWSQA_PROVIDERS__OPENAI_BASE_URL=f"{faulty_server}/hang/v1", NEWSQA_PROVIDERS__TIMEOUT_S="2",
                  NEWSQA_PROVIDERS__MAX_RETRIES="0", NEWSQA_ANSWER__EXTRACTIVE_SENTENCES="40",
                  NEWSQA_ANSWER__MAX_EVIDENCE_SENTENCES="40", NEWSQA_ANSWER__EVIDENCE_TOKENS="3000",
                  NEWSQA_ANSWER__EVIDENCE_MIN_RELATIVE_SCORE="0", NEWSQA_ANSWER__EVIDENCE_CHUNKS_PER_ARTICLE="30",
                  NEWSQA_SEARCH__K="30", NEWSQA_SEARCH__MAX_CHUNKS_PER_ARTICLE="30", NEWSQA_DISCORD__COOLDOWN_S="30",
                  NEWSQA_DISCORD__QUEUE_SIZE="0", NEWSQA_DISCORD__THREADS="false", NEWSQA_DISCORD__ALLOW_DMS="true")


def when_not_busy(emulator: Emulator, send, reply_since, tries: int = 30) -> tuple[int, dict]:
    """The strict bot has one worker and no waiting line, so an earlier test's question may still
    hold it: `send(attempt)` again until the reply (`reply_since(start)`) is not "busy". Returns
    where in the message log that attempt started, and its reply."""
    for attempt in range(tries):
        start = len(emulator.messages)
        send(attempt)
        reply = emulator.wait_for(lambda: reply_since(start), 90)
        if "busy" not in reply["content"]:
            return start, reply
        time.sleep(1)
    raise AssertionError(f"still busy after {tries} tries")


def answer_or_busy(emulator: Emulator, channel_id: str):
    return lambda start: next((m for m in posted_since(emulator, start, channel_id)
                               if m["components"] or "busy" in m["content"]), None)


def test_a_failing_llm_gives_the_passages_with_a_note_split_within_limits(strict_bot, emulator):
    def ask(attempt: int) -> None:  # a new asker each time: a refused question still starts a cooldown
        emulator.say("How many jars of plum jam did the stalls at the Millbrook harvest fair sell?",
                     author_id=str(730000000000000000 + attempt))

    start, last = when_not_busy(emulator, ask, answer_or_busy(emulator, CHANNEL_ID))
    pieces = [m for m in posted_since(emulator, start) if m["channel_id"] == CHANNEL_ID]
    assert len(pieces) >= 2, [len(m["content"]) for m in pieces]  # a long answer, split
    assert all(0 < len(m["content"]) <= 2000 for m in pieces)
    text = " ".join(m["content"] for m in pieces)
    assert "The LLM (faulty) timed out; these are the best passages instead." in text
    assert all(not re.search(r"\[\d*$", m["content"]) for m in pieces)  # no marker cut in two
    embed = last["embeds"][0]
    assert len(embed["fields"]) <= 25 and all(len(f["value"]) <= 1024 for f in embed["fields"])
    assert pieces[0]["message_reference"]["message_id"]  # threads off: a reply to the question


def test_dms_are_answered_when_allowed(strict_bot, emulator):
    def ask(attempt: int) -> None:  # a new asker each time: a refused question still starts a cooldown
        emulator.say("How much will the Ferris Street bridge cost?", channel_id=DM_CHANNEL_ID, mention_bot=False,
                     author_id=str(720000000000000001 + attempt))

    _, answer = when_not_busy(emulator, ask, answer_or_busy(emulator, DM_CHANNEL_ID))
    assert "$48 million" in answer["content"] and answer["embeds"]


def test_cooldown_and_busy_are_said_not_silent(strict_bot, emulator):
    start = len(emulator.messages)
    user = str(700000000000000001)
    emulator.say("How much will the Ferris Street bridge cost?", author_id=user)
    asked_at = time.monotonic()
    emulator.say("And when does work begin?", author_id=user)
    told = emulator.wait_for(lambda: next((m for m in posted_since(emulator, start)
                                           if "Please wait" in m["content"]), None), 30)
    # A whole, positive number of seconds, no more than the cooldown (30 s here): never "0 s".
    seconds = re.fullmatch(r"Please wait (\d+) s before asking again\.", told["content"])
    assert seconds and 1 <= int(seconds.group(1)) <= 30, told["content"]
    # One worker and no waiting line: questions beyond the one being answered are refused politely.
    askers = {}
    for i in range(3):
        question = emulator.say("How long did the Kessel strike last?", author_id=str(710000000000000000 + i))
        askers[question["id"]] = question["author"]["id"]
    refused = emulator.wait_for(lambda: next((m for m in posted_since(emulator, start)
                                              if "busy answering other questions" in m["content"]), None), 60)
    # The refusal answers the refused question; told to ask again, its asker may: no cooldown started.
    asker = askers[str(refused["message_reference"]["message_id"])]
    again = len(emulator.messages)
    retry = emulator.say("How long did the Kessel strike last?", author_id=asker)
    def replies_to_retry(m: dict) -> bool:
        return str((m.get("message_reference") or {}).get("message_id")) == retry["id"]

    reply = emulator.wait_for(
        lambda: next((m for m in posted_since(emulator, again, CHANNEL_ID) if replies_to_retry(m)), None), 90)
    assert "Please wait" not in reply["content"]
    # Just after the cooldown, the first asker may ask again (answered, or told the bot is busy).
    time.sleep(max(0.0, asked_at + 30.5 - time.monotonic()))
    later = len(emulator.messages)
    follow = emulator.say("When does work on the Ferris Street bridge begin?", author_id=user)
    reply = emulator.wait_for(lambda: next((m for m in posted_since(emulator, later, CHANNEL_ID)
                                            if str((m.get("message_reference") or {}).get("message_id"))
                                            == follow["id"]), None), 90)
    assert "Please wait" not in reply["content"]


def test_ingest_refuses_private_addresses(strict_bot, emulator, web):
    _, done = when_not_busy(emulator, lambda _: emulator.slash("ingest", {"url_or_feed": f"{web}/story2.html"},
                                                            author_id=ADMIN_ID),
                         lambda start: next((m for m in posted_since(emulator, start) if m["flags"] & 64), None))
    assert "added 0" in done["content"] and ("private" in done["content"] or "loopback" in done["content"])


def test_without_a_token_the_command_says_what_to_set(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "NEWSQA_DISCORD__TOKEN")}
    env.update(NEWSQA_HOME=str(tmp_path / "home"), HF_HUB_OFFLINE="1")
    done = subprocess.run([NEWSQA, "discord"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "no Discord bot token: set DISCORD_TOKEN" in done.stderr and "Traceback" not in done.stderr


def test_the_bot_follows_the_configured_feeds_and_stats_show_them(bots, emulator, tmp_path_factory):
    from feed_site import FeedSite, entry

    site = FeedSite([entry(0), entry(1)])
    try:
        def make() -> Bot:
            home = tmp_path_factory.mktemp("discord-feeds") / "home"
            home.mkdir()
            return Bot(emulator, home, NEWSQA_FETCH__ALLOW_PRIVATE="true", NEWSQA_WATCH__HOST_INTERVAL_S="0",
                       NEWSQA_WATCH__FEEDS=f'["{site.feed_url}"]', NEWSQA_DISCORD__GUILD_IDS=f"[{GUILD_ID}]")

        only_running(bots, "feeds", make)
        # The poll stores the articles, then records the feed's state: wait for both to show.
        deadline = time.monotonic() + 120
        while True:
            reply = emulator.response_to(emulator.slash("stats", {}, author_id=ADMIN_ID), 10)["data"]["content"]
            if ("2 articles" in reply and "· 2 added" in reply) or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert "2 articles" in reply
        assert f"feed <{site.feed_url}>: polled <t:" in reply and "· 2 added" in reply
        assert "last error" not in reply
    finally:
        site.close()
