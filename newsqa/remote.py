"""The CLI's way to a running `newsqa serve`: the same questions, answered by the warm process
instead of loading the models for one question. Used only when the server answers for the same data
directory and offers the LLM asked for; otherwise the CLI answers in-process.

The standard library's http.client, on one connection for the probe and the question: what a
command adds to the server's answering time is mostly its own start (bench/server_cli.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.client import HTTPConnection, HTTPException, HTTPResponse, HTTPSConnection
from pathlib import Path
from urllib.parse import urlsplit

from newsqa import Answer, AskRequest, NewsqaError, Settings

# A server on this machine answers /healthz in milliseconds; past this, answer in-process.
PROBE_TIMEOUT_S = 0.5


class RemoteAnswerer:
    """Answers through a running server's native API (`/ask`, `/ask/stream`)."""

    def __init__(self, connection: HTTPConnection, headers: dict[str, str], url: str, timeout_s: float) -> None:
        self.url = url
        self._connection, self._headers, self._timeout = connection, headers, timeout_s

    def invoke(self, request: AskRequest) -> Answer:
        response = self._post("/ask", request)
        body = response.read()
        _raise_for(response.status, body)
        return Answer.model_validate_json(body)

    def stream(self, request: AskRequest) -> Iterator[Answer]:
        """Snapshots while the model writes (partial, their `draft` growing), then the checked answer."""
        response = self._post("/ask/stream", request)
        if response.status != 200:
            _raise_for(response.status, response.read())
        event = ""
        for raw in response:
            line = raw.decode("utf-8").rstrip("\r\n")
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data = json.loads(line[5:])
                if event == "error":
                    raise NewsqaError(f"the server at {self.url}: {data['message']}")
                if event == "draft":
                    yield _draft(request, data["draft"])
                elif event == "answer":
                    yield Answer.model_validate(data)

    def _post(self, path: str, request: AskRequest) -> HTTPResponse:
        self._connection.timeout = self._timeout
        if self._connection.sock is not None:
            self._connection.sock.settimeout(self._timeout)
        headers = {**self._headers, "Content-Type": "application/json"}
        body = request.model_dump_json().encode()
        for attempt in (1, 2):  # the server closes a connection idle for a while (a chat's pause): reopen once
            try:
                self._connection.request("POST", path, body=body, headers=headers)
                return self._connection.getresponse()
            except (OSError, HTTPException) as exc:
                self._connection.close()
                if attempt == 2:
                    raise NewsqaError(f"the server at {self.url} stopped answering: {exc}") from None
        raise AssertionError("unreachable")


def find_server(settings: Settings, llm: str | None = None) -> RemoteAnswerer | None:
    """The configured server if it is ready, serves this data directory and offers `llm`."""
    url = settings.server.url.strip().rstrip("/")
    if not url:
        return None
    parts = urlsplit(url)
    kind = HTTPSConnection if parts.scheme == "https" else HTTPConnection
    connection = kind(parts.hostname or "127.0.0.1", parts.port, timeout=PROBE_TIMEOUT_S)
    token = settings.server.token.get_secret_value() if settings.server.token else None
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        connection.request("GET", "/healthz", headers=headers)
        response = connection.getresponse()
        health = json.loads(response.read())
    except (OSError, HTTPException, ValueError):
        connection.close()
        return None
    models = health.get("models", {}) if isinstance(health, dict) else {}
    usable = (response.status == 200 and health.get("status") == "ready"
              and health.get("home") == str(Path(settings.home).resolve())  # not a server over other news
              and (not llm or llm in models or llm in models.values()))
    if not usable:
        connection.close()
        return None
    return RemoteAnswerer(connection, headers, url, settings.providers.timeout_s + 60)


def _raise_for(status: int, body: bytes) -> None:
    if status == 200:
        return
    try:
        message = json.loads(body)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = f"HTTP {status}"
    raise NewsqaError(f"the server answered: {message}")


def _draft(request: AskRequest, draft: str) -> Answer:
    return Answer(question=request.question, standalone_question=request.question, answer="", short_answer="",
                  abstained=False, draft=draft, provider="", model="", as_of=request.as_of, partial=True)
