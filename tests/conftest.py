"""Shared fixtures: settings in a temporary home, a local HTTP server, a real `chroma run` server."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ.pop("NEWSQA_CONFIG", None)

# `make test` and CI select the "ci" profile (--hypothesis-profile=ci): the same examples on every
# run, so a submission cannot fail by chance; plain `pytest` explores new examples each time.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True, deadline=None)

from newsqa.index import IndexSettings, NewsIndex  # noqa: E402
from newsqa.index.settings import ChromaSettings, FetchSettings  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not present at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def settings(tmp_path: Path) -> IndexSettings:
    return IndexSettings(home=tmp_path / "home", fetch=FetchSettings(allow_private=True, timeout_s=2))


@pytest.fixture
def index(settings: IndexSettings):
    idx = NewsIndex(settings)
    yield idx
    idx.close()


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory):
    """The repository's sample articles, ingested once for read-only tests."""
    from newsqa.index import load

    settings = IndexSettings(home=tmp_path_factory.mktemp("samples") / "home")
    idx = NewsIndex(settings)
    report = idx.ingest(load([str(SAMPLES)], settings.fetch))
    assert report.ok and report.added == 6
    yield idx
    idx.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- a local web server for the URL and feed loaders ------------------------------------------
ARTICLE_HTML = (SAMPLES / "2025-03-14-heat-pumps.html").read_text()


def _feed(base: str, summary_only: bool) -> str:
    entries = []
    for n in (1, 2):
        content = (
            "<description>Short teaser.</description>"
            if summary_only
            else f"<description><![CDATA[<p>{'Full text of story %d. ' % n * 60}</p>]]></description>"
        )
        entries.append(
            f"<item><title>Story {n}</title><link>{base}/story{n}.html</link>"
            f"<pubDate>Mon, 0{n} Mar 2025 10:00:00 GMT</pubDate>{content}</item>"
        )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Test Wire</title>'
        f"<link>{base}</link><description>t</description>{''.join(entries)}</channel></rss>"
    )


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def _send(self, status: int, body: bytes, content_type: str = "text/html", extra: dict | None = None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        base = f"http://{self.headers['Host']}"
        path = self.path
        if path == "/article.html":
            self._send(200, ARTICLE_HTML.encode())
        elif path in ("/story1.html", "/story2.html"):
            n = path[6]
            html = (f"<html><head><title>Story {n}</title></head><body><article><h1>Story {n}</h1>"
                    f"<p>The full page of story {n} says the harbour reopened after {n}0 days of "
                    "repairs, according to the port authority, which had closed it after a storm.</p>"
                    "</article></body></html>")
            self._send(200, html.encode())
        elif path == "/feed.xml":
            self._send(200, _feed(base, summary_only=True).encode(), "application/rss+xml")
        elif path == "/fullfeed.xml":
            self._send(200, _feed(base, summary_only=False).encode(), "application/rss+xml")
        elif path == "/notfeed.xml":
            self._send(200, b"<html><body>This is not a feed at all.</body></html>", "application/xml")
        elif path == "/loop":
            self._send(302, b"", extra={"Location": "/loop"})
        elif path == "/slow":
            time.sleep(5)
            self._send(200, b"<html>late</html>")
        elif path == "/big.html":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()  # no Content-Length: the cap must hold while streaming
            chunk = b"<p>" + b"x" * 1_000_000 + b"</p>"
            try:
                for _ in range(50):
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif path == "/image.png":
            self._send(200, b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "image/png")
        else:
            self._send(404, b"not found")


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        pass  # clients that hang up early (the size cap, the timeout) are expected here


@pytest.fixture(scope="session")
def web() -> str:
    server = _QuietServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


# --- a misbehaving LLM server ----------------------------------------------------------------
class _Faulty(BaseHTTPRequestHandler):
    """An OpenAI-compatible server that hangs (paths under /hang/) or answers garbage."""

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


@pytest.fixture(scope="session")
def faulty_server() -> str:
    server = _Server(("127.0.0.1", 0), _Faulty)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()



def wait_until_up(proc: subprocess.Popen, answers: Callable[[], object], what: str, log: Path,
                  timeout: float = 120) -> None:
    """Wait until `answers()` stops raising; fail the test with the end of `log` when the process
    dies or `timeout` passes first."""
    deadline = time.time() + timeout
    while True:
        try:
            answers()
            return
        except Exception:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                pytest.fail(f"{what} did not start: {log.read_text()[-2000:]}")
            time.sleep(0.3)


# --- a real Chroma server ---------------------------------------------------------------------
def chroma_executable() -> str:
    found = Path(sys.executable).with_name("chroma")
    return str(found) if found.exists() else (shutil.which("chroma") or "chroma")


def start_chroma(path: Path, port: int) -> subprocess.Popen:
    """`chroma run` on loopback with its data in `path` (its log beside it), once it answers."""
    import chromadb

    path.mkdir(parents=True, exist_ok=True)
    log = open(path.parent / f"{path.name}.log", "a")
    proc = subprocess.Popen(
        [chroma_executable(), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    wait_until_up(proc, lambda: chromadb.HttpClient(host="127.0.0.1", port=port).heartbeat(), "chroma run",
                  path.parent / f"{path.name}.log", timeout=60)
    return proc


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory) -> ChromaSettings:
    """`chroma run` on a free loopback port, for the tests of server mode."""
    port = free_port()
    proc = start_chroma(tmp_path_factory.mktemp("chroma-server") / "data", port)
    yield ChromaSettings(mode="server", host="127.0.0.1", port=port)
    proc.terminate()
    proc.wait(timeout=20)


# --- milvus-lite's server over TCP --------------------------------------------------------------
@pytest.fixture(scope="session")
def milvus_server(tmp_path_factory) -> str:
    """milvus-lite's own server over a file, on a free loopback port (as a Milvus standalone would
    serve several machines), for the tests of Milvus server mode; its address."""
    from milvus_lite.server import Server
    from pymilvus import MilvusClient

    data = tmp_path_factory.mktemp("milvus-server")
    port = free_port()
    lite = Server(str(data / "milvus.db"), f"127.0.0.1:{port}")
    binary = Path(lite.milvus_bin)  # started as Server.start() does, without the lock TCP mode never reads
    log = open(data / "milvus.log", "a")
    proc = subprocess.Popen(lite.args, env={**os.environ, "LD_LIBRARY_PATH": str(binary.parent)}, cwd=data,
                            stdout=log, stderr=subprocess.STDOUT)
    uri = f"http://127.0.0.1:{port}"
    wait_until_up(proc, lambda: MilvusClient(uri=uri, timeout=5).list_collections(), "milvus-lite's server",
                  data / "milvus.log")
    yield uri
    proc.terminate()
    proc.wait(timeout=20)


# --- `newsqa serve` as a real process --------------------------------------------------------
NEWSQA = Path(sys.executable).with_name("newsqa")


class NewsqaServer:
    """`newsqa serve` on a free loopback port, its log in a file; ready once /healthz says so."""

    def __init__(self, home: Path, **env: str) -> None:
        self.home, self.port = home, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = home.parent / f"serve-{self.port}.log"
        self.env = {**os.environ, "NEWSQA_HOME": str(home), **env}
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen([str(NEWSQA), "serve", "--port", str(self.port)], env=self.env,
                                            stdout=log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 300) -> NewsqaServer:
        import httpx

        token = self.env.get("NEWSQA_SERVER__TOKEN")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"newsqa serve exited {self.process.returncode}:\n{self.log()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", headers=headers, timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"newsqa serve not ready after {timeout} s:\n{self.log()[-3000:]}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def ingested_home(path: Path, *sources: str) -> Path:
    """A data directory holding these sources (paths, or URLs on loopback), ingested by the CLI."""
    home = path / "home"
    env = {**os.environ, "NEWSQA_HOME": str(home), "NEWSQA_FETCH__ALLOW_PRIVATE": "true"}
    subprocess.run([str(NEWSQA), "ingest", *sources], env=env, check=True, capture_output=True)
    return home
