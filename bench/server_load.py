"""Load benchmark (not a test): 20 concurrent clients (the official `openai` client, async) ask
`newsqa serve` the seed questions through /v1/chat/completions while a watcher polls /healthz.

Every request must be answered (200) or refused with 429 (a client then waits the Retry-After it
was given before its next question); none lost or failing, /healthz answering throughout. Reports
counts, latency p50/p95, throughput, and /healthz's latency; prints a Markdown table and saves it
to bench/results/server_load.md.

Run: .venv/bin/python bench/server_load.py [--clients 20] [--llm local]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import openai

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import DATA, NEWSQA, child_env, write_table  # noqa: E402
from bench.server_cli import free_port, start_server  # noqa: E402

LIMIT_S = 1800  # the whole run stops by itself past this


async def client_run(client: openai.AsyncOpenAI, questions: list[str], offset: int, results: list[dict]) -> None:
    for n in range(len(questions)):
        question = questions[(offset + n) % len(questions)]
        started = time.perf_counter()
        try:
            reply = await client.chat.completions.create(
                model="newsqa", messages=[{"role": "user", "content": question}])
            results.append({"status": 200, "s": time.perf_counter() - started,
                            "cited": bool(reply.citations), "abstained": reply.newsqa["abstained"]})
        except openai.RateLimitError as exc:
            wait = int(exc.response.headers.get("Retry-After", "1"))
            results.append({"status": 429, "s": time.perf_counter() - started, "retry_after": wait})
            await asyncio.sleep(wait)
        except openai.APIError as exc:
            results.append({"status": getattr(exc, "status_code", None) or "error", "s": time.perf_counter() - started,
                            "error": str(exc)[:200]})


async def watch_health(url: str, stop: asyncio.Event, polls: list[dict]) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        while not stop.is_set():
            started = time.perf_counter()
            try:
                status = (await http.get(f"{url}/healthz")).status_code
            except httpx.HTTPError:
                status = "no answer"
            polls.append({"status": status, "s": time.perf_counter() - started})
            await asyncio.sleep(0.5)


async def load(url: str, questions: list[str], clients: int) -> tuple[list[dict], list[dict], float]:
    results: list[dict] = []
    polls: list[dict] = []
    stop = asyncio.Event()
    api = openai.AsyncOpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0, timeout=600)
    watcher = asyncio.create_task(watch_health(url, stop, polls))
    started = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*[client_run(api, questions, n, results) for n in range(clients)]),
                           LIMIT_S)
    elapsed = time.perf_counter() - started
    stop.set()
    await watcher
    return results, polls, elapsed


def pct(values: list[float], q: int) -> str:
    return f"{np.percentile(values, q):.2f}" if values else "–"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--llm", default="local")
    args = parser.parse_args()
    questions = [json.loads(line)["question"] for line in (DATA / "seed" / "questions.jsonl").read_text().splitlines()]
    with tempfile.TemporaryDirectory() as tmp:
        env = child_env(NEWSQA_HOME=str(Path(tmp) / "home"), NEWSQA_LLM=args.llm)
        subprocess.run([NEWSQA, "ingest", str(DATA / "seed" / "000_3b616b78461cf240.txt")], env=env, check=True,
                       capture_output=True)
        port = free_port()
        server = start_server(env, port, Path(tmp) / "serve.log")
        try:
            results, polls, elapsed = asyncio.run(load(f"http://127.0.0.1:{port}", questions, args.clients))
        finally:
            server.terminate()
            server.wait(timeout=30)
    answered = [r for r in results if r["status"] == 200]
    refused = [r for r in results if r["status"] == 429]
    failed = [r for r in results if r["status"] not in (200, 429)]
    health_ok = sum(p["status"] == 200 for p in polls)
    rows = [[
        str(len(results)), str(len(answered)), str(len(refused)), str(len(failed)),
        pct([r["s"] for r in answered], 50), pct([r["s"] for r in answered], 95),
        pct([r["s"] for r in refused], 50), f"{len(answered) / elapsed:.2f}",
        f"{health_ok}/{len(polls)}", pct([p["s"] for p in polls], 95),
    ]]
    write_table(
        "server_load", f"`newsqa serve` under {args.clients} concurrent OpenAI clients (seed questions, `{args.llm}`)",
        ["requests", "answered", "refused 429", "failed", "answered p50 s", "answered p95 s", "refused p50 s",
         "answers/s", "/healthz 200", "/healthz p95 s"], rows,
        [f"{args.clients} clients (openai.AsyncOpenAI, no retries) each ask the {len(questions)} seed questions once, "
         "each starting at another question; after a 429 a client waits its Retry-After before the next question.",
         "Server defaults: 1 LLM worker, 8 waiting (`server.workers`, `server.queue_size`); "
         "/healthz polled every 0.5 s.",
         f"Whole run {elapsed:.0f} s. Failed requests: {len(failed)}"
         + (f" (first: {failed[0].get('error')})" if failed else "") + ".",
         f"Command: .venv/bin/python bench/server_load.py --clients {args.clients} --llm {args.llm}"])


if __name__ == "__main__":
    main()
