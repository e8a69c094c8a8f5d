"""A local Discord API emulator for the end-to-end tests of the bot (aiohttp).

It serves the REST routes the bot uses under /api/v10 and a gateway websocket at /gateway that
speaks JSON text frames: HELLO, IDENTIFY → READY and GUILD_CREATE, heartbeats and their ACKs, and
the events a test injects (MESSAGE_CREATE, INTERACTION_CREATE, THREAD_CREATE). Every REST call is
recorded, and every message the bot posts is kept, so tests assert what a user would see.
It runs in its own thread with its own event loop; tests call its plain methods.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from aiohttp import WSMsgType, web

APP_ID = "900000000000000001"
BOT_ID = "900000000000000002"
GUILD_ID = "900000000000000010"
CHANNEL_ID = "900000000000000020"
OTHER_CHANNEL_ID = "900000000000000021"
DM_CHANNEL_ID = "900000000000000030"
ADMIN_ID = "900000000000000111"
USER_ID = "900000000000000222"
_ids = itertools.count(910000000000000000)


def snowflake() -> str:
    return str(next(_ids))


def now() -> str:
    return datetime.now(timezone.utc).isoformat()


def user(user_id: str, name: str, bot: bool = False) -> dict:
    return {"id": user_id, "username": name, "discriminator": "0", "global_name": name, "avatar": None, "bot": bot}


BOT_USER = user(BOT_ID, "newsqa", bot=True)


@dataclass
class Call:
    method: str
    path: str
    body: Any
    at: float


@dataclass
class Emulator:
    heartbeat_interval_ms: int = 1000
    port: int = 0
    calls: list[Call] = field(default_factory=list)
    messages: list[dict] = field(default_factory=list)  # everything the bot posted, in order
    heartbeats: list[float] = field(default_factory=list)  # when the bot's heartbeats arrived
    identified: threading.Event = field(default_factory=threading.Event)
    commands: list[dict] = field(default_factory=list)

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self) -> "Emulator":
        self._loop = asyncio.new_event_loop()
        self._sockets: list[web.WebSocketResponse] = []
        self._seq = 0
        self._interaction_channels: dict[str, str] = {}  # webhook token → channel
        self._channel_of: dict[str, str] = {}  # interaction id → channel
        self.callbacks: list[dict] = []  # interaction responses (deferrals, ephemeral replies)
        self.threads: list[dict] = []
        self.thread_of: dict[str, str] = {}  # message id → the thread the bot started from it
        self.reject_posts = 0
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def _serve(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        ready.set()
        self._loop.run_forever()

    def stop(self) -> None:
        async def close() -> None:
            # In parallel: each close waits up to 10 s for the client's answering frame.
            await asyncio.gather(*(ws.close() for ws in list(self._sockets)), return_exceptions=True)
            await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # --- REST ----------------------------------------------------------------------------------
    @staticmethod
    def _json(data: Any, status: int = 200) -> web.Response:
        # discord.py parses JSON only when the Content-Type is exactly application/json.
        return web.Response(status=status, body=json.dumps(data).encode(), headers={"Content-Type": "application/json"})

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            if request.content_type == "multipart/form-data":
                body = _payload_json(raw)
            else:
                body = json.loads(raw) if raw else None
        self.calls.append(Call(request.method, path, body, time.time()))
        parts = path.strip("/").split("/")
        method = request.method
        if (method, path) == ("GET", "/users/@me"):
            return self._json(BOT_USER)
        if (method, path) == ("GET", "/oauth2/applications/@me"):
            return self._json({"id": APP_ID, "name": "newsqa", "description": "", "icon": None, "bot_public": False,
                               "bot_require_code_grant": False, "owner": user(ADMIN_ID, "owner"),
                               "verify_key": "0" * 64, "flags": 0, "team": None})
        if method == "PUT" and parts[0] == "applications" and parts[-1] == "commands":
            self.commands = [dict(c, id=snowflake(), application_id=APP_ID, version="1") for c in body]
            return self._json(self.commands)
        if method == "POST" and parts[0] == "channels" and parts[-1] == "typing":
            return web.Response(status=204)
        if method == "POST" and parts[0] == "channels" and parts[-1] == "threads":
            return self._json(self._thread_from(parts[1], parts[3], body))
        if method == "POST" and parts[0] == "channels" and parts[-1] == "messages":
            if self.reject_posts > 0:  # a test asks for Discord to refuse the next message(s)
                self.reject_posts -= 1
                return self._json({"message": "Invalid Form Body", "code": 50035}, status=400)
            return self._json(self._post(parts[1], body))
        if method == "POST" and parts[0] == "interactions":
            return self._json(self._interaction_callback(parts[1], body))
        if method == "POST" and parts[0] == "webhooks":
            channel_id = self._interaction_channels.get(parts[2], CHANNEL_ID)
            return self._json(self._post(channel_id, body, webhook=True))
        return self._json({"message": f"unknown route {method} {path}", "code": 0}, status=404)

    def _post(self, channel_id: str, body: dict, webhook: bool = False) -> dict:
        message = {
            "id": snowflake(), "channel_id": channel_id, "guild_id": GUILD_ID, "author": BOT_USER,
            "content": body.get("content") or "", "embeds": body.get("embeds") or [],
            "components": body.get("components") or [], "allowed_mentions": body.get("allowed_mentions"),
            "flags": body.get("flags", 0),
            "timestamp": now(), "edited_timestamp": None, "tts": False, "mention_everyone": False,
            "mentions": [], "mention_roles": [], "attachments": [], "pinned": False, "type": 0,
            "webhook": webhook,
        }
        if body.get("message_reference"):
            message["message_reference"] = body["message_reference"]
        self.messages.append(message)
        return message

    def _thread_from(self, channel_id: str, message_id: str, body: dict) -> dict:
        thread = {"id": snowflake(), "type": 11, "guild_id": GUILD_ID, "parent_id": channel_id,
                  "name": body.get("name", "thread"), "owner_id": BOT_ID, "message_count": 0, "member_count": 1,
                  "rate_limit_per_user": 0, "flags": 0,
                  "thread_metadata": {"archived": False,
                                      "auto_archive_duration": body.get("auto_archive_duration", 1440),
                                      "archive_timestamp": now(), "locked": False}}
        self.threads.append(thread)
        self.thread_of[message_id] = thread["id"]
        self.dispatch("THREAD_CREATE", dict(thread, newly_created=True))
        return thread

    def _interaction_callback(self, interaction_id: str, body: dict) -> dict:
        """Record the response; answer as Discord does to `with_response=true`."""
        self.callbacks.append({"interaction_id": interaction_id, **body})
        data = body.get("data") or {}
        ephemeral = bool(data.get("flags", 0) & 64)
        response = {"interaction": {"id": interaction_id, "type": 2, "response_message_loading": body["type"] == 5,
                                    "response_message_ephemeral": ephemeral},
                    "resource": {"type": body["type"]}}
        if body["type"] == 4:
            message = self._post(self._channel_of.get(interaction_id, CHANNEL_ID), data)
            response["interaction"]["response_message_id"] = message["id"]
            response["resource"]["message"] = message
        return response

    # --- gateway -------------------------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}}))
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            if data["op"] == 1:
                self.heartbeats.append(time.time())
                await ws.send_str(json.dumps({"op": 11}))
            elif data["op"] == 2:
                await self._ready(ws)
        self._sockets.remove(ws)
        return ws

    async def _send(self, ws: web.WebSocketResponse, event: str, data: dict) -> None:
        self._seq += 1
        await ws.send_str(json.dumps({"op": 0, "t": event, "s": self._seq, "d": data}))

    async def _ready(self, ws: web.WebSocketResponse) -> None:
        await self._send(ws, "READY", {
            "v": 10, "user": BOT_USER, "guilds": [{"id": GUILD_ID, "unavailable": True}],
            "session_id": "session", "resume_gateway_url": self.gateway_url, "shard": [0, 1],
            "application": {"id": APP_ID, "flags": 0}})
        await self._send(ws, "GUILD_CREATE", {
            "id": GUILD_ID, "name": "News", "icon": None, "owner_id": ADMIN_ID, "unavailable": False,
            "member_count": 3, "large": False, "features": [], "emojis": [], "stickers": [], "premium_tier": 0,
            "roles": [{"id": GUILD_ID, "name": "@everyone", "permissions": "1071698660929", "position": 0,
                       "color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0}],
            "channels": [{"id": channel_id, "type": 0, "name": name, "position": 0, "guild_id": GUILD_ID,
                          "permission_overwrites": [], "nsfw": False, "parent_id": None, "rate_limit_per_user": 0}
                         for channel_id, name in ((CHANNEL_ID, "news"), (OTHER_CHANNEL_ID, "off-topic"))],
            "threads": [],
            "members": [{"user": BOT_USER, "roles": [], "joined_at": now(), "deaf": False, "mute": False, "flags": 0}],
            "voice_states": [], "presences": [], "stage_instances": [], "guild_scheduled_events": [],
            "joined_at": now(), "preferred_locale": "en-US", "nsfw_level": 0, "mfa_level": 0,
            "verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
            "system_channel_id": None, "afk_channel_id": None, "afk_timeout": 300})
        self.identified.set()

    def dispatch(self, event: str, data: dict) -> None:
        """Send an event to every connected bot (callable from any thread)."""
        async def send_all() -> None:
            for ws in list(self._sockets):
                await self._send(ws, event, data)

        if threading.current_thread() is self._thread:
            asyncio.ensure_future(send_all())
        else:
            asyncio.run_coroutine_threadsafe(send_all(), self._loop).result(10)

    # --- what tests do -------------------------------------------------------------------------
    def say(self, content: str, author_id: str = USER_ID, channel_id: str = CHANNEL_ID, mention_bot: bool = True,
            reply_to: dict | None = None) -> dict:
        """A user posts a message (mentioning the bot by default)."""
        text = f"<@{BOT_ID}> {content}" if mention_bot else content
        message = {
            "id": snowflake(), "channel_id": channel_id, "author": user(author_id, "reader"),
            "content": text, "timestamp": now(), "edited_timestamp": None, "tts": False, "mention_everyone": False,
            "mentions": [BOT_USER] if mention_bot or reply_to else [], "mention_roles": [], "attachments": [],
            "embeds": [], "pinned": False, "type": 19 if reply_to else 0, "flags": 0, "components": [],
        }
        if channel_id != DM_CHANNEL_ID:
            message["guild_id"] = GUILD_ID
            message["member"] = {"roles": [], "joined_at": now(), "deaf": False, "mute": False, "flags": 0}
        if reply_to:
            message["message_reference"] = {"message_id": reply_to["id"], "channel_id": reply_to["channel_id"],
                                            "guild_id": GUILD_ID, "type": 0}
            message["referenced_message"] = reply_to
        self.dispatch("MESSAGE_CREATE", message)
        return message

    def slash(self, name: str, options: dict[str, str], author_id: str = USER_ID,
              roles: list[str] | None = None) -> str:
        """A user runs a slash command; returns the interaction id."""
        command = next(c for c in self.commands if c["name"] == name)
        interaction_id, token = snowflake(), f"token-{snowflake()}"
        self._interaction_channels[token] = CHANNEL_ID
        self._channel_of[interaction_id] = CHANNEL_ID
        self.dispatch("INTERACTION_CREATE", {
            "id": interaction_id, "application_id": APP_ID, "type": 2, "token": token, "version": 1,
            "guild_id": GUILD_ID, "channel_id": CHANNEL_ID,
            "channel": {"id": CHANNEL_ID, "type": 0, "name": "news", "guild_id": GUILD_ID, "position": 0,
                        "permission_overwrites": [], "nsfw": False, "parent_id": None},
            "member": {"user": user(author_id, "reader"), "roles": roles or [], "permissions": "1071698660929",
                       "joined_at": now(), "deaf": False, "mute": False, "flags": 0},
            "data": {"id": command["id"], "name": name, "type": 1,
                     "options": [{"name": k, "type": 3, "value": v} for k, v in options.items()]},
            "locale": "en-US", "guild_locale": "en-US", "app_permissions": "1071698660929", "entitlements": [],
            "authorizing_integration_owners": {"0": GUILD_ID}, "context": 0, "attachment_size_limit": 8388608})
        return interaction_id

    def click(self, message: dict, custom_id: str, author_id: str = USER_ID) -> str:
        """A user clicks a button of a bot message; returns the interaction id."""
        interaction_id, token = snowflake(), f"token-{snowflake()}"
        self._channel_of[interaction_id] = message["channel_id"]
        self.dispatch("INTERACTION_CREATE", {
            "id": interaction_id, "application_id": APP_ID, "type": 3, "token": token, "version": 1,
            "guild_id": GUILD_ID, "channel_id": message["channel_id"], "message": message,
            "member": {"user": user(author_id, "reader"), "roles": [], "permissions": "1071698660929",
                       "joined_at": now(), "deaf": False, "mute": False, "flags": 0},
            "data": {"custom_id": custom_id, "component_type": 2},
            "locale": "en-US", "guild_locale": "en-US", "app_permissions": "1071698660929", "entitlements": [],
            "authorizing_integration_owners": {"0": GUILD_ID}, "context": 0, "attachment_size_limit": 8388608})
        return interaction_id

    def response_to(self, interaction_id: str, timeout: float = 60) -> dict:
        """The bot's response to an interaction (its callback), once it arrives."""
        return self.wait_for(lambda: next((c for c in self.callbacks if c["interaction_id"] == interaction_id), None),
                             timeout)

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 60) -> Any:
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = predicate()
            if found:
                return found
            time.sleep(0.05)
        posted = [m["content"][:80] for m in self.messages]
        raise AssertionError(f"timed out after {timeout} s; the bot posted: {posted}")


def _payload_json(raw: bytes) -> dict:
    """The payload_json part of a multipart body (discord.py sends files that way)."""
    text = raw.decode("utf-8", "replace")
    start = text.find("{")
    end = text.rfind("}")
    return json.loads(text[start:end + 1]) if start >= 0 else {}
