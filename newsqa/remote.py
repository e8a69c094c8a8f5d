"""The CLI's way to a running `newsqa serve`: the same questions, answered by the warm process
instead of loading the models for one question. Used only when the server answers for the same data
directory and offers the LLM asked for; otherwise the CLI answers in-process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx

from newsqa import Answer, AskRequest, NewsqaError, Settings

# A server on this machine answers /healthz in milliseconds; past this, answer in-process.
PROBE_TIMEOUT_S = 0.5


class RemoteAnswerer:
    """Answers through a running server's native API (`/ask`, `/ask/stream`)."""

    def __init__(self, url: str, token: str | None, timeout_s: float) -> None:
        self.url = url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._timeout = httpx.Timeout(timeout_s, connect=PROBE_TIMEOUT_S)

    def invoke(self, request: AskRequest) -> Answer:
        response = httpx.post(f"{self.url}/ask", content=request.model_dump_json(), headers=self._json(),
                              timeout=self._timeout)
        _raise_for(response)
        return Answer.model_validate_json(response.content)

    def stream(self, request: AskRequest) -> Iterator[Answer]:
        """Snapshots while the model writes (partial, their `draft` growing), then the checked answer."""
        with httpx.stream("POST", f"{self.url}/ask/stream", content=request.model_dump_json(),
                          headers=self._json(), timeout=self._timeout) as response:
            if response.status_code != 200:
                response.read()
                _raise_for(response)
            event = ""
            for line in response.iter_lines():
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

    def _json(self) -> dict[str, str]:
        return {**self._headers, "Content-Type": "application/json"}


def find_server(settings: Settings, llm: str | None = None) -> RemoteAnswerer | None:
    """The configured server if it is ready, serves this data directory and offers `llm`."""
    url = settings.server.url.strip()
    if not url:
        return None
    token = settings.server.token.get_secret_value() if settings.server.token else None
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = httpx.get(f"{url.rstrip('/')}/healthz", headers=headers, timeout=PROBE_TIMEOUT_S)
        health = response.json()
    except (httpx.HTTPError, ValueError):
        return None
    if response.status_code != 200 or health.get("status") != "ready":
        return None
    if health.get("home") != str(Path(settings.home).resolve()):
        return None  # a server over other news
    if llm and llm not in health.get("models", {}) and llm not in health.get("models", {}).values():
        return None
    return RemoteAnswerer(url, token, settings.providers.timeout_s + 60)


def _raise_for(response: httpx.Response) -> None:
    if response.status_code == 200:
        return
    try:
        message = response.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = f"HTTP {response.status_code}"
    raise NewsqaError(f"the server answered: {message}")


def _draft(request: AskRequest, draft: str) -> Answer:
    return Answer(question=request.question, standalone_question=request.question, answer="", short_answer="",
                  abstained=False, draft=draft, provider="", model="", as_of=request.as_of, partial=True)
