"""The Discord wiring: events, slash commands, buttons. Parsing and formatting live in format.py,
queueing in work.py, votes stored by bot/feedback.py; answering is the Python API (`Answerer.invoke`), as in every face.

Intents: the default, non-privileged ones. Discord delivers a message's content to a bot without
the message-content intent when the message mentions the bot (a reply to the bot mentions it
unless the user turns the ping off) or is a DM, so /ask, mentions, replies and DMs all work
without it. Reading un-mentioned follow-ups in the bot's threads needs the privileged
message-content intent (`discord.message_content = true`, and switched on in the portal).
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import signal
import threading
import time
from collections import OrderedDict
from typing import Optional

import discord
from discord import app_commands

from newsqa import (
    Answer,
    Answerer,
    AskRequest,
    FeedFollower,
    NewsqaError,
    Settings,
    Turn,
    load,
    parse_date_option,
)
from newsqa.bot.discord.format import (
    answer_text,
    shorten,
    sources_embed,
    split_message,
    stats_line,
    wait_message,
)
from newsqa.bot.discord.work import Busy, Conversations, Cooldowns, ShuttingDown, WorkQueue

log = logging.getLogger("newsqa.discord")
NO_MENTIONS = discord.AllowedMentions.none()
BUSY = "I'm busy answering other questions right now; please ask again in a minute."
RESTARTING = "I'm restarting; please ask again in a minute."
# On SIGTERM the answers being written and sent get this long before the connection closes
# (systemd's TimeoutStopSec, 90 s by default, is longer).
STOP_GRACE_S = 60.0


def apology(error_id: str) -> str:
    return f"Sorry, something went wrong while answering (error id {error_id})."


def _log_error(doing: str) -> str:
    """Log the current exception's traceback under a fresh error id, and return the id."""
    error_id = secrets.token_hex(4)
    log.exception("error %s while %s", error_id, doing)
    return error_id


class FeedbackButton(discord.ui.DynamicItem[discord.ui.Button],
                     template=r"newsqa:feedback:(?P<vote>up|down):(?P<answer_id>[0-9a-f]{16})"):
    """👍 / 👎 under an answer; its custom id names the answer, so it works after a restart."""

    def __init__(self, vote: str, answer_id: str) -> None:
        super().__init__(discord.ui.Button(
            style=discord.ButtonStyle.secondary, emoji="👍" if vote == "up" else "👎",
            custom_id=f"newsqa:feedback:{vote}:{answer_id}"))
        self.vote, self.answer_id = vote, answer_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /):
        return cls(match["vote"], match["answer_id"])

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: NewsBot = interaction.client  # type: ignore[assignment]
        stored = bot.feedback.vote(self.answer_id, interaction.user.id, self.vote == "up", face="discord")
        text = "Thanks, your feedback is recorded." if stored else "That answer is no longer on record."
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)


def feedback_view(answer_id: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(FeedbackButton("up", answer_id))
    view.add_item(FeedbackButton("down", answer_id))
    return view


def to_embed(answer: Answer) -> discord.Embed | None:
    rendered = sources_embed(answer)
    if rendered is None:
        return None
    embed = discord.Embed(title=rendered.title, description=rendered.description or None, colour=0x2B6CB0)
    for f in rendered.fields:
        embed.add_field(name=f.name, value=f.value, inline=False)
    embed.set_footer(text=rendered.footer)
    return embed


class NewsBot(discord.Client):
    """Answers news questions asked with /ask, by @mentioning the bot, or by replying to one of its
    answers; cites the articles in an embed; keeps follow-ups in the answer's thread; records 👍/👎
    feedback; lets admins /ingest articles and see /stats."""

    def __init__(self, settings: Settings, answerer: Answerer | None = None) -> None:
        intents = discord.Intents.default()
        intents.message_content = settings.discord.message_content
        super().__init__(intents=intents, allowed_mentions=NO_MENTIONS)
        self.settings = settings
        self.config = settings.discord
        self.answerer = answerer or Answerer(settings)
        self.tree = app_commands.CommandTree(self)
        self.work = WorkQueue(self.config.workers, self.config.queue_size)
        self.cooldowns = Cooldowns(self.config.cooldown_s)
        self.conversations = Conversations(settings.answer.history_turns)
        self.feedback = settings.feedback_store()
        self._answered: OrderedDict[int, Turn] = OrderedDict()
        self._stop_following: threading.Event | None = None
        self._delivering = 0  # answers being written or sent
        register_commands(self)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(FeedbackButton)
        if self.config.guild_ids:
            for guild_id in self.config.guild_ids:
                guild = discord.Object(id=guild_id)
                self.tree.copy_global_to(guild=guild)
                await self.tree.sync(guild=guild)
        else:
            await self.tree.sync()
        # Load the LLM in the background: the first question should not wait for it.
        asyncio.get_running_loop().run_in_executor(None, self.answerer.warm_up)
        if self.settings.watch.feeds:  # the process that owns the index follows the feeds
            self._stop_following = FeedFollower(self.answerer.index).start()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, self.stop_gracefully)

    def stop_gracefully(self) -> None:
        """SIGTERM (systemd's stop): start no new answer (the askers are told to come back), finish the
        answers being written and sent, then close the connection and exit."""
        log.info("stopping: finishing %d answer(s)", self._delivering)
        self.work.drain()
        asyncio.ensure_future(self._close_when_delivered())

    async def _close_when_delivered(self) -> None:
        deadline = time.monotonic() + STOP_GRACE_S
        while self._delivering and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        await self.close()

    async def close(self) -> None:
        if self._stop_following:
            self._stop_following.set()
        await super().close()
        self.work.shutdown()
        self.feedback.close()

    # --- decisions: small named predicates ----------------------------------------------------
    def is_addressed(self, message: discord.Message) -> bool:
        """The message mentions the bot, replies to it, or is a follow-up in the bot's thread."""
        if self.user is None:
            return False
        if self.user in message.mentions or isinstance(message.channel, discord.DMChannel):
            return True
        if self.replied_turn(message) is not None:
            return True
        return self.config.message_content and message.channel.id in self.conversations

    def is_allowed_channel(self, channel: discord.abc.Messageable) -> bool:
        """DMs when enabled; otherwise the allow-listed channels (and their threads), or any."""
        if isinstance(channel, discord.DMChannel):
            return self.config.allow_dms
        if not self.config.channel_ids:
            return True
        parent = getattr(channel, "parent_id", None)
        return channel.id in self.config.channel_ids or parent in self.config.channel_ids  # type: ignore[attr-defined]

    def is_admin(self, user: discord.abc.User) -> bool:
        """Listed by user id, or holding a listed role (checked here, on the server side)."""
        if user.id in self.config.admin_user_ids:
            return True
        return any(role.id in self.config.admin_role_ids for role in getattr(user, "roles", []))

    def replied_turn(self, message: discord.Message) -> Turn | None:
        """The earlier turn when the message replies to one of the bot's answers."""
        ref = message.reference
        return None if ref is None or ref.message_id is None else self._answered.get(ref.message_id)

    def question_of(self, message: discord.Message) -> str:
        """The message text without the mentions of the bot."""
        assert self.user is not None
        return re.sub(rf"<@!?{self.user.id}>", " ", message.content).strip()

    def remember(self, message_id: int, turn: Turn, keep: int = 5000) -> None:
        """The turn an answer message holds, so that a reply to it is a follow-up."""
        self._answered[message_id] = turn
        while len(self._answered) > keep:
            self._answered.popitem(last=False)

    # --- listeners ----------------------------------------------------------------------------
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot:
            return
        if not self.is_addressed(message):
            log.debug("skipping message %s: not addressed to the bot", message.id)
            return
        if not self.is_allowed_channel(message.channel):
            log.info("skipping a message in channel %s: not allowed", message.channel.id)
            return
        question = self.question_of(message)
        if not question:
            await message.reply("Ask me a question about the news, e.g. “@newsqa what happened to the port strike?”",
                                mention_author=False, allowed_mentions=NO_MENTIONS)
            return
        wait = self.cooldowns.remaining(message.author.id)
        if wait > 0:
            log.info("user on cooldown for %.1f s", wait)
            await message.reply(wait_message(wait), mention_author=False, allowed_mentions=NO_MENTIONS)
            return
        self.cooldowns.start(message.author.id)
        target, key, history, reply_to = await self._conversation(message, question)
        await self._answer_into(target, key, history, question, message.author.id, reply_to)

    async def _conversation(self, message: discord.Message, question: str):
        """Where the answer goes, the conversation key, its history, and the message to reply to."""
        channel = message.channel
        replied = self.replied_turn(message)
        if isinstance(channel, discord.Thread) and channel.id in self.conversations:
            return channel, channel.id, self.conversations.history(channel.id), None
        if replied is not None:
            ref_id = message.reference.message_id  # type: ignore[union-attr]
            return channel, ref_id, [replied], message
        if self.config.threads and isinstance(channel, discord.TextChannel):
            thread = await message.create_thread(name=shorten(question, 90) or "question")
            return thread, thread.id, [], None
        return channel, message.id, [], message

    async def _answer_into(self, target, key: int, history: list[Turn], question: str, user_id: int,
                           reply_to: discord.Message | None) -> None:
        async with target.typing():
            delivered = await self.deliver(target.send, AskRequest(question=question, history=history), user_id,
                                           "answering a message", reply_to)
        if delivered is not None:
            answer, last = delivered
            turn = self.conversations.add(key, answer, history if key not in self.conversations else None)
            self.remember(last.id, turn)

    async def deliver(self, send, request: AskRequest, user_id: int, doing: str,
                      reply_to: discord.Message | None = None) -> tuple[Answer, discord.Message] | None:
        """Answer off the event loop and send it; when that fails, say so in one message instead
        (busy, restarting, a user-caused problem, or an apology with the error id of the logged
        traceback). Counted while it lasts: a stopping bot waits for it."""
        self._delivering += 1
        try:
            return await self._deliver(send, request, user_id, doing, reply_to)
        finally:
            self._delivering -= 1

    async def _deliver(self, send, request: AskRequest, user_id: int, doing: str,
                       reply_to: discord.Message | None) -> tuple[Answer, discord.Message] | None:
        try:
            answer = await self.work.run(self.answerer.invoke, request)
            return answer, await self.send_answer(send, answer, user_id, reply_to)
        except ShuttingDown:
            text = RESTARTING
            self.cooldowns.forget(user_id)
        except Busy:
            text = BUSY  # "ask again in a minute": so the refused question starts no cooldown
            self.cooldowns.forget(user_id)
        except NewsqaError as exc:  # a user-caused problem: say it in one line
            text = f"Sorry: {exc}"
        except Exception:
            text = apology(_log_error(doing))
        # in reply to the question where there is one: in a busy channel, whose question it was
        reply = {"reference": reply_to, "mention_author": False} if reply_to is not None else {}
        await send(text, allowed_mentions=NO_MENTIONS, **reply)
        return None

    async def send_answer(self, send, answer: Answer, user_id: int, reply_to: discord.Message | None = None):
        """The answer's pieces, the last one with the sources embed and the feedback buttons."""
        answer_id = self.feedback.record_answer(answer, user_id, "discord")
        pieces = [p.strip() for p in split_message(answer_text(answer)) if p.strip()]
        embed = to_embed(answer)
        sent = None
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            kwargs = {"allowed_mentions": NO_MENTIONS}
            if last:
                kwargs["view"] = feedback_view(answer_id)
                if embed is not None:
                    kwargs["embed"] = embed
            if i == 0 and reply_to is not None:
                kwargs["reference"] = reply_to
                kwargs["mention_author"] = False
            sent = await send(piece, **kwargs)
        return sent

    # --- slash commands -----------------------------------------------------------------------
    async def ask_command(self, interaction: discord.Interaction, question: str, source: Optional[str],
                          since: Optional[str], until: Optional[str]) -> None:
        if not self.is_allowed_channel(interaction.channel):  # type: ignore[arg-type]
            await interaction.response.send_message("I don't answer in this channel.", ephemeral=True)
            return
        wait = self.cooldowns.remaining(interaction.user.id)
        if wait > 0:
            await interaction.response.send_message(wait_message(wait), ephemeral=True)
            return
        try:
            request = AskRequest(question=question, sources=[source] if source else [],
                                 since=parse_date_option(since, "since"), until=parse_date_option(until, "until"))
        except NewsqaError as exc:
            await interaction.response.send_message(f"Sorry: {exc}", ephemeral=True)
            return
        self.cooldowns.start(interaction.user.id)
        await interaction.response.defer(thinking=True)
        delivered = await self.deliver(interaction.followup.send, request, interaction.user.id, "answering /ask")
        if delivered is not None:
            answer, message = delivered
            self.remember(message.id, Turn.of(answer))

    async def ingest_command(self, interaction: discord.Interaction, url_or_feed: str) -> None:
        if not self.is_admin(interaction.user):
            log.info("refused /ingest from a user who is not an admin")
            await interaction.response.send_message("Only newsqa admins can add articles.", ephemeral=True)
            return
        if not url_or_feed.startswith(("http://", "https://")):
            await interaction.response.send_message("Give an http(s) URL of an article or a feed.", ephemeral=True)
            return
        await interaction.response.defer(thinking=True, ephemeral=True)
        try:
            text = await self.work.run(self._ingest, url_or_feed)
        except Busy:
            text = BUSY
        except Exception:
            text = apology(_log_error("/ingest"))
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    def _ingest(self, url: str) -> str:
        """Fetch through the index's guarded fetcher and ingest; one line of what happened."""
        report = self.answerer.index.ingest(load([url], self.settings.fetch))
        line = report.summary()
        if report.failed:
            line += f": {shorten(str(report.failed[0]), 300)}"
        if report.warnings:
            line += f" · warning: {shorten(str(report.warnings[0]), 200)}"
        return line

    async def stats_command(self, interaction: discord.Interaction) -> None:
        if not self.is_admin(interaction.user):
            await interaction.response.send_message("Only newsqa admins can see the stats.", ephemeral=True)
            return
        text = stats_line(self.answerer.index.stats())
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)


def register_commands(bot: NewsBot) -> None:
    @bot.tree.command(name="ask", description="Ask a question about the news; the answer cites its sources.")
    @app_commands.describe(question="Your question", source="Only this outlet",
                           since="Only articles published on or after this date",
                           until="Only articles published on or before this date")
    async def ask(interaction: discord.Interaction, question: str, source: Optional[str] = None,
                  since: Optional[str] = None, until: Optional[str] = None) -> None:
        await bot.ask_command(interaction, question, source, since, until)

    @bot.tree.command(name="ingest", description="Add an article or a feed by URL (admins only).")
    @app_commands.describe(url_or_feed="An http(s) URL of an article page or an RSS/Atom feed")
    async def ingest(interaction: discord.Interaction, url_or_feed: str) -> None:
        await bot.ingest_command(interaction, url_or_feed)

    @bot.tree.command(name="stats", description="What the index holds (admins only).")
    async def stats(interaction: discord.Interaction) -> None:
        await bot.stats_command(interaction)


def build_bot(settings: Settings) -> NewsBot:
    """The bot exactly as `newsqa discord` runs it, pointed at the configured Discord API."""
    discord.http.Route.BASE = settings.discord.api_url.rstrip("/")
    import yarl

    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord.gateway_url)
    return NewsBot(settings)


def run(settings: Settings) -> None:
    """`newsqa discord`: run until stopped. The token is never logged or echoed."""
    token = settings.discord.token.get_secret_value() if settings.discord.token else ""
    if not token.strip():
        raise NewsqaError("no Discord bot token: set DISCORD_TOKEN (or discord.token in the config file)")
    bot = build_bot(settings)
    try:
        bot.run(token, log_handler=None)
    except discord.LoginFailure:
        raise NewsqaError("Discord refused the bot token (check DISCORD_TOKEN)") from None
    except discord.PrivilegedIntentsRequired:
        raise NewsqaError("the message-content intent is not enabled for this bot in the Discord "
                          "developer portal; enable it or set discord.message_content = false") from None
