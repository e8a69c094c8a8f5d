"""CLI benchmark (not a test): `newsqa ask` as a whole command over the seed questions, answered in
its own process (`--local`: loads the models for each question) beside the same command with a
`newsqa serve` running (the CLI finds it and asks it), with the default local model.

Reports p50/p95 of each command's wall time, of the server's own answering time (the Answer's
`timings.total`) and of what the command adds to it (target: at most 0.5 s). Prints a Markdown
table and saves it to bench/results/server_cli.md.

Run: .venv/bin/python bench/server_cli.py
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import DATA, NEWSQA, child_env, write_table  # noqa: E402

TARGET_OVERHEAD_S = 0.5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen([NEWSQA, "serve", "--port", str(port)], env=env, stdout=log.open("w"),
                               stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit(f"newsqa serve did not get ready:\n{log.read_text()[-2000:]}")


def ask(env: dict[str, str], question: str, *flags: str) -> tuple[float, dict]:
    started = time.perf_counter()
    done = subprocess.run([NEWSQA, "ask", question, "--json", *flags], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"newsqa ask failed: {done.stderr[-2000:]}")
    return wall, json.loads(done.stdout)


def p(values: list[float], q: int) -> str:
    return f"{np.percentile(values, q):.2f}"


def main() -> None:
    questions = [json.loads(line)["question"] for line in (DATA / "seed" / "questions.jsonl").read_text().splitlines()]
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        port = free_port()
        env = child_env(NEWSQA_HOME=str(home), NEWSQA_SERVER__URL=f"http://127.0.0.1:{port}")
        subprocess.run([NEWSQA, "ingest", str(DATA / "seed" / "000_3b616b78461cf240.txt")], env=env, check=True,
                       capture_output=True)
        local = [ask(env, q, "--local")[0] for q in questions]
        server = start_server(env, port, Path(tmp) / "serve.log")
        try:
            ask(env, questions[0])  # the server's first answer pays llama.cpp's first prompt
            served = [ask(env, q) for q in questions]
        finally:
            server.terminate()
            server.wait(timeout=30)
        log = (Path(tmp) / "serve.log").read_text()
        assert log.count('"POST /ask HTTP/1.1" 200') == len(questions) + 1, "an answer did not come from the server"
    wall = [w for w, _ in served]
    answering = [a["timings"]["total"] for _, a in served]
    added = [w - t for w, t in zip(wall, answering)]
    rows = [
        ["`newsqa ask --local` (loads the models each time)", p(local, 50), p(local, 95)],
        ["`newsqa ask` with `newsqa serve` running", p(wall, 50), p(wall, 95)],
        ["the server's own answering (`timings.total`)", p(answering, 50), p(answering, 95)],
        ["what the command adds to it", p(added, 50), p(added, 95)],
    ]
    met = np.percentile(added, 95) <= TARGET_OVERHEAD_S
    write_table(
        "server_cli", "`newsqa ask` with and without a running server (seed questions, default local model)",
        ["command", "p50 s", "p95 s"], rows,
        [f"{len(questions)} seed questions over the seed article, each command a new process, one after another.",
         f"Target: with a server, at most {TARGET_OVERHEAD_S} s above the server's own answering time — "
         f"{'met' if met else 'NOT met'} at p95.",
         "Command: .venv/bin/python bench/server_cli.py"])


if __name__ == "__main__":
    main()
