"""An LLM server that hangs, or answers with no usable text: the answer falls back to the best
passages with a note saying so. The server is a real HTTP server on loopback, reached through
langchain-openai, that misbehaves on purpose."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.answer import AskRequest
from bot.ask import Answerer
from bot.config import Settings
from index import load

from conftest import SAMPLES


class _Faulty(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path.startswith("/hang/"):
            time.sleep(5)
            return
        body = json.dumps({
            "id": "x", "object": "chat.completion", "created": 0, "model": "faulty",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": "%%% ### ... 42 ]]"}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass


@pytest.fixture(scope="module")
def faulty_server() -> str:
    server = _Server(("127.0.0.1", 0), _Faulty)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def answerer(tmp_path_factory) -> Answerer:
    settings = Settings(home=tmp_path_factory.mktemp("faults") / "home", llm="none")
    settings.providers.timeout_s = 1
    settings.providers.max_retries = 0
    a = Answerer(settings)
    a.index.ingest(load([str(SAMPLES)], settings.fetch))
    return a


@pytest.mark.parametrize("route, note", [
    ("hang", "The LLM (faulty) timed out; these are the best passages instead."),
    ("garbage", "The LLM (faulty) returned no usable text"),
])
def test_faulty_llm_gives_the_passages_with_a_note(answerer: Answerer, faulty_server: str, route: str, note: str):
    answerer.settings.providers.openai_base_url = f"{faulty_server}/{route}/v1"
    answerer._llms.clear()
    started = time.perf_counter()
    answer = answerer.ask(AskRequest(question="How much will the Ferris Street bridge cost?", llm="openai:faulty"))
    assert time.perf_counter() - started < 30
    assert answer.note and answer.note.startswith(note)
    assert not answer.abstained and "$48 million" in answer.answer
    assert answer.citations and answer.citations[0].source == "Millbrook Ledger"
