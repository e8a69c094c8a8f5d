"""Soak test (not a benchmark of speed): every long-running part of newsqa together, for a set time,
with faults on a schedule, then a check that nothing was lost.

Real processes on loopback: `chroma run`; `newsqa watch` following `--feeds` feeds of a loopback
site whose feeds gain entries on a schedule (real news articles from ../shared/data); `newsqa serve`
with `--clients` concurrent clients asking (/v1/chat/completions) and searching (/search); and
`newsqa discord` against the local Discord API emulator (tests/discord_emulator.py) with users
asking. Faults, at fixed fractions of the run: a feed down (503), a garbage feed, an entry's page
answering 403 (for good), 429 with Retry-After, or hanging; the Chroma server killed (SIGKILL) and
restarted; the watcher killed (SIGKILL) and restarted; the server sent SIGTERM while answering and
restarted. The 429 and hanging pages answer again at 20 % of the run, the feeds down and garbage
come back at 60 %, the 403 page stays; the site keeps publishing throughout.

Afterwards (the faults cleared, the watcher given time to read the last entries, every newsqa
process stopped with SIGTERM) it checks, prints and saves:
- every entry the site published is stored exactly once (as an article or a syndicated copy; from
  the feed's summary when its page could not be had), or given up on with its reason; a page that
  answers again after its fault replaces its summary with the full text;
- the Chroma collection and the watcher's manifest hold the same chunks (nothing pending, nothing
  left to collect), and every data directory's manifest, synced, holds the watcher's articles;
- every client request was answered or refused with 429/503 (or found the server not listening
  while it restarted); none hung, none lost (a connection dropped without an answer), no 5xx;
- every Discord question got a reply; the bot's gateway heartbeats never stalled;
- no process exited without being stopped (the soak restarts only what its schedule stops);
- each process's resident memory and open files at the start (a minute into its life) and end of
  each run it had, and, for those that ran 3 minutes or more, no growth beyond the bound below;
- every process stopped on SIGTERM within 30 s.
It exits 1 when a check fails. Tests run it for 2 minutes (tests/test_soak.py); the committed
table is a 10-minute run.

Run: .venv/bin/python bench/soak.py [--minutes 10] [--feeds 20] [--clients 20] [--llm test] [--no-table]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from discord_emulator import CHANNEL_ID, GUILD_ID, Emulator  # noqa: E402
from feed_site import Entry, FeedSite  # noqa: E402

from bench.common import NEWSQA, RTQA_2025, child_env, write_table  # noqa: E402
from bench.server_cli import free_port  # noqa: E402

# Growth allowed from a process's start sample (a minute into its life) to its end, for processes
# that ran at least MEMORY_CHECKED_AFTER_S: resident memory by a quarter plus 100 MB, open files by 20.
RSS_GROWTH = (1.25, 100.0)
FD_GROWTH = 20
MEMORY_CHECKED_AFTER_S = 180
WARM_S = 60  # a process's start sample is its first this long after it started (models loaded)
HEARTBEAT_MS = 2000
HEARTBEAT_GAP_S = 2 * HEARTBEAT_MS / 1000 + 5  # a stalled event loop shows as a longer gap
REQUEST_TIMEOUT_S = 240  # a client request not answered by then is "hung"
STOP_TIMEOUT_S = 30
SEED = 20251  # the articles, their feeds and the questions: the same every run


# --- the site: real articles, published on a schedule -------------------------------------------
class SoakSite(FeedSite):
    """One outlet of the loopback site: its article pages hold the article's own paragraphs."""

    def page_html(self, e: Entry) -> bytes:
        paragraphs = "".join(f"<p>{escape(p)}</p>" for p in e.text.split("\n") if p.strip())
        return (f"<html><head><title>{escape(e.title)}</title></head><body><article><h1>{escape(e.title)}</h1>"
                f"{paragraphs}</article></body></html>").encode()


def articles_and_questions(needed: int) -> tuple[list[Entry], list[str]]:
    """`needed` distinct real articles (by URL and title), cut to a few paragraphs, and the questions of
    the same weeks."""
    entries: list[Entry] = []
    questions: list[str] = []
    seen: set[str] = set()
    for path in sorted(RTQA_2025.glob("*_gcs.jsonl")):
        for line in path.read_text().splitlines():
            for result in json.loads(line).get("search_result") or []:
                title, text = (result.get("title") or "").strip(), (result.get("text") or "").strip()
                if result["url"] in seen or title.lower() in seen or len(text) < 1500:
                    continue
                seen.update((result["url"], title.lower()))
                slug = f"a{len(entries):04d}"
                entries.append(Entry(slug=slug, title=title, text=text[:4000], summary=text[:300].rsplit(" ", 1)[0]))
        qa = path.with_name(path.name.replace("_gcs", "_qa"))
        questions += [json.loads(q)["question_sentence"] for q in qa.read_text().splitlines()]
        if len(entries) >= needed:
            break
    rng = random.Random(SEED)
    rng.shuffle(entries)
    rng.shuffle(questions)
    return entries[:needed], questions


@dataclass
class Site:
    feeds: list[SoakSite]
    unpublished: list[Entry]
    published: list[tuple[SoakSite, Entry]] = field(default_factory=list)
    turn: int = 0

    def publish(self, feed: SoakSite | None = None) -> tuple[SoakSite, Entry]:
        """The next article, newest first in a feed (round robin unless named)."""
        if feed is None:
            feed = self.feeds[self.turn % len(self.feeds)]
            self.turn += 1
        entry = self.unpublished.pop()
        feed.entries.insert(0, entry)
        self.published.append((feed, entry))
        return feed, entry


# --- the processes -------------------------------------------------------------------------------
@dataclass
class Life:
    """One run of a process: when it started and ended, and its samples (seconds, RSS MB, open files)."""

    pid: int
    started: float
    ended: float | None = None
    samples: list[tuple[float, float, int]] = field(default_factory=list)
    how_ended: str = "running"


class Service:
    """A long-running process with its log; restartable; its lives sampled."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], logs: Path) -> None:
        self.name, self.argv, self.env = name, argv, env
        self.log_path = logs / f"{name}.log"
        self.proc: subprocess.Popen | None = None
        self.lives: list[Life] = []
        self.signalled = False  # an exit the soak did not cause is a failure

    def start(self) -> None:
        with self.log_path.open("a") as log:
            log.write(f"--- start {time.strftime('%H:%M:%S')}\n")
            log.flush()
            self.proc = subprocess.Popen(self.argv, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.lives.append(Life(self.proc.pid, time.monotonic()))
        self.signalled = False

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal(self, signum: int) -> None:
        self.signalled = True
        if self.running:
            self.proc.send_signal(signum)

    def wait_exit(self, how: str, timeout: float = STOP_TIMEOUT_S) -> bool:
        """Wait for the process to exit; False (and killed) when it did not within `timeout`."""
        assert self.proc is not None
        try:
            self.proc.wait(timeout)
            stopped = True
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            stopped, how = False, f"{how}: did not stop within {timeout:.0f} s (killed)"
        if self.lives[-1].ended is None:  # not already found dead
            self.lives[-1].ended, self.lives[-1].how_ended = time.monotonic(), f"{how} (exit {self.proc.returncode})"
        return stopped

    def died(self) -> bool:
        """Whether the process exited without being told to (recorded in its life)."""
        life = self.lives[-1] if self.lives else None
        if self.proc is None or self.signalled or self.proc.poll() is None or life.ended is not None:
            return False
        life.ended, life.how_ended = time.monotonic(), f"EXITED BY ITSELF (exit {self.proc.returncode})"
        return True

    def sample(self) -> None:
        self.died()
        if not self.running:
            return
        pid = self.proc.pid
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            rss_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            fds = len(os.listdir(f"/proc/{pid}/fd"))
        except (OSError, StopIteration):
            return
        life = self.lives[-1]
        life.samples.append((time.monotonic() - life.started, rss_kb / 1024, fds))

    def log_tail(self, chars: int = 2000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]


def wait_until(check, timeout: float, what: str, service: Service | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service is not None and not service.running:
            raise SystemExit(f"{service.name} exited while waiting for {what}:\n{service.log_tail()}")
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.5)
    tail = f":\n{service.log_tail()}" if service else ""
    raise SystemExit(f"timed out after {timeout:.0f} s waiting for {what}{tail}")


class Soak:
    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args, self.work = args, work
        self.duration = args.minutes * 60
        needed = args.feeds * 2 + int(self.duration / args.new_every) + 10
        entries, self.questions = articles_and_questions(needed)
        if len(entries) < needed:
            raise SystemExit(f"only {len(entries)} articles in {RTQA_2025}; {needed} needed")
        self.site = Site([SoakSite([], title=f"Desk {n}") for n in range(args.feeds)], entries)
        for _ in range(2 * args.feeds):
            self.site.publish()
        self.emulator = Emulator(heartbeat_interval_ms=HEARTBEAT_MS).start()
        self.chroma_port, self.server_port = free_port(), free_port()
        self.server_url = f"http://127.0.0.1:{self.server_port}"
        self.homes = {name: work / name for name in ("watch", "serve", "discord")}
        common = child_env(
            NEWSQA_LLM=args.llm,
            NEWSQA_CHROMA__MODE="server", NEWSQA_CHROMA__HOST="127.0.0.1", NEWSQA_CHROMA__PORT=str(self.chroma_port),
            NEWSQA_CHROMA__COLLECTION="soak", NEWSQA_CHROMA__SYNC_EVERY_S="2", NEWSQA_FETCH__ALLOW_PRIVATE="true",
            NEWSQA_FETCH__TIMEOUT_S="3", NEWSQA_WATCH__HOST_INTERVAL_S="0")
        self.env = {name: dict(common, NEWSQA_HOME=str(home)) for name, home in self.homes.items()}
        chroma = str(Path(sys.executable).with_name("chroma"))
        self.services = {
            "chroma": Service("chroma", [chroma, "run", "--path", str(work / "chroma"), "--host", "127.0.0.1",
                                         "--port", str(self.chroma_port)], dict(os.environ), work),
            "watch": Service("watch", [NEWSQA, "watch", *[f.feed_url for f in self.site.feeds],
                                       "--every", str(args.every)], self.env["watch"], work),
            "serve": Service("serve", [NEWSQA, "serve", "--port", str(self.server_port)], self.env["serve"], work),
            "discord": Service("discord", [NEWSQA, "discord"], dict(
                self.env["discord"], DISCORD_TOKEN="soak-token", NEWSQA_DISCORD_API_URL=self.emulator.api_url,
                NEWSQA_DISCORD_GATEWAY_URL=self.emulator.gateway_url, NEWSQA_DISCORD__COOLDOWN_S="0",
                NEWSQA_DISCORD__GUILD_IDS=f"[{GUILD_ID}]", NEWSQA_DISCORD__CHANNEL_IDS=f"[{CHANNEL_ID}]"), work),
        }
        self.requests: list[dict] = []
        self.discord_questions: list[dict] = []
        self.faults: list[str] = []
        self.back_after_fault: list[str] = []  # pages that answer again after their fault
        self.t0 = 0.0
        self.stopped_ok: dict[str, bool] = {}

    # --- start-up ---------------------------------------------------------------------------
    def start_chroma(self) -> None:
        import chromadb

        self.services["chroma"].start()
        wait_until(lambda: chromadb.HttpClient(host="127.0.0.1", port=self.chroma_port).heartbeat(), 90,
                   "chroma run", self.services["chroma"])

    def start_server(self) -> None:
        self.services["serve"].start()
        wait_until(lambda: httpx.get(f"{self.server_url}/healthz", timeout=2).status_code == 200, 300,
                   "newsqa serve's /healthz", self.services["serve"])

    def start_bot(self) -> None:
        self.emulator.identified.clear()
        self.services["discord"].start()
        wait_until(self.emulator.identified.is_set, 300, "the Discord bot's IDENTIFY", self.services["discord"])

    def start(self) -> None:
        self.start_chroma()
        self.services["watch"].start()
        initial = len(self.site.published)
        wait_until(lambda: len(self.stored_urls()) >= initial, 600, "the watcher's first poll", self.services["watch"])
        self.start_server()
        self.start_bot()

    # --- what the watcher stored --------------------------------------------------------------
    def manifest(self, name: str = "watch") -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.homes[name] / 'manifest.sqlite3'}?mode=ro", uri=True, timeout=30)

    def stored_urls(self) -> dict[str, int]:
        """URL → how many times it is stored (articles and syndicated copies)."""
        path = self.homes["watch"] / "manifest.sqlite3"
        if not path.exists():
            return {}
        db = self.manifest()
        try:
            counts: dict[str, int] = {}
            for (url,) in db.execute("SELECT url FROM articles UNION ALL SELECT url FROM copies"):
                counts[url] = counts.get(url, 0) + 1
            return counts
        finally:
            db.close()

    # --- the schedule ---------------------------------------------------------------------------
    def schedule(self) -> list[tuple[float, str, callable]]:
        feeds = self.site.feeds

        def page_fault(feed: SoakSite, how: str):
            def act() -> None:
                _, entry = self.site.publish(feed)
                if how == "403":
                    feed.page_status[entry.slug] = (403, {})
                    return
                self.back_after_fault.append(feed.page_url(entry.slug))
                if how == "429":
                    feed.page_status[entry.slug] = (429, {"Retry-After": "5"})
                else:
                    feed.held.add(entry.slug)
            return act

        def pages_back() -> None:
            for feed in feeds:
                feed.page_status = {slug: status for slug, status in feed.page_status.items() if status[0] == 403}
                feed.release.set()

        def set_feed(feed: SoakSite, **changes):
            return lambda: [setattr(feed, key, value) for key, value in changes.items()]

        def kill(name: str) -> None:
            self.services[name].signal(signal.SIGKILL)
            self.services[name].wait_exit("SIGKILL")

        def kill_watcher_and_restart() -> None:
            kill("watch")
            self.services["watch"].start()

        def clear() -> None:
            for feed in feeds:
                feed.feed_status = feed.feed_override = None

        def sigterm_server() -> None:
            service = self.services["serve"]
            service.signal(signal.SIGTERM)
            self.stopped_ok["serve (SIGTERM while answering)"] = service.wait_exit("SIGTERM")
            self.start_server()

        return [
            (0.05, "feed 1 down (503)", set_feed(feeds[1], feed_status=(503, {}))),
            (0.08, "feed 2 garbage", set_feed(feeds[2], feed_override=("application/rss+xml", b"\x00<rss<<garbage"))),
            (0.10, "a new entry's page answers 403 (for good)", page_fault(feeds[3], "403")),
            (0.12, "a new entry's page answers 429, Retry-After 5", page_fault(feeds[4], "429")),
            (0.14, "a new entry's page hangs", page_fault(feeds[5], "hang")),
            (0.15, "Chroma server killed (SIGKILL)", lambda: kill("chroma")),
            (0.20, "Chroma server restarted; the 429 and hanging pages answer again", lambda: [self.start_chroma(),
                                                                                            pages_back()]),
            (0.25, "watcher killed (SIGKILL) and restarted", kill_watcher_and_restart),
            (0.35, "server sent SIGTERM while answering, restarted", sigterm_server),
            (0.60, "the feeds down and garbage are back", clear),
        ]

    # --- the clients ------------------------------------------------------------------------------
    async def client(self, n: int, stop: asyncio.Event) -> None:
        rng = random.Random(SEED + n)
        async with httpx.AsyncClient(base_url=self.server_url, timeout=REQUEST_TIMEOUT_S) as http:
            while not stop.is_set():
                question = rng.choice(self.questions)
                asking = rng.random() < 0.5
                started = time.monotonic()
                record = {"kind": "ask" if asking else "search", "at": started - self.t0}
                try:
                    if asking:
                        response = await http.post("/v1/chat/completions", json={
                            "model": "newsqa", "messages": [{"role": "user", "content": question}]})
                    else:
                        response = await http.post("/search", json={"query": question, "k": 5})
                    record["status"] = response.status_code
                    wait = 0.0
                    if response.status_code in (429, 503):
                        record["retry_after"] = response.headers.get("Retry-After")
                        wait = float(record["retry_after"] or 0)
                except httpx.ConnectError:
                    record["status"], wait = "not listening", 1.0
                except httpx.TimeoutException:
                    record["status"], wait = "hung", 0
                except httpx.TransportError as exc:  # connected, then dropped without an answer
                    record["status"], wait = "lost", 0
                    record["error"] = f"{type(exc).__name__}: {exc}"[:200]
                record["s"] = time.monotonic() - started
                self.requests.append(record)
                await asyncio.sleep(min(wait, 10) + rng.uniform(0, 0.5))

    async def discord_users(self, stop: asyncio.Event) -> None:
        rng = random.Random(SEED)
        n = 0
        while not stop.is_set():
            n += 1
            user_id = str(900000000000000300 + n % 5)
            message = await asyncio.to_thread(self.emulator.say, rng.choice(self.questions), user_id)
            self.discord_questions.append({"id": message["id"], "at": time.monotonic() - self.t0})
            await asyncio.sleep(self.args.discord_every)

    async def publisher(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await asyncio.sleep(self.args.new_every)
            self.site.publish()

    async def sampler(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            for service in self.services.values():
                service.sample()
            await asyncio.sleep(2)

    async def faults_on_schedule(self) -> None:
        for fraction, name, act in self.schedule():
            await asyncio.sleep(max(0.0, self.t0 + fraction * self.duration - time.monotonic()))
            print(f"{time.monotonic() - self.t0:6.0f} s  fault: {name}", flush=True)
            self.faults.append(f"{fraction * self.duration:.0f} s: {name}")
            await asyncio.to_thread(act)

    async def run(self) -> None:
        stop = asyncio.Event()
        self.t0 = time.monotonic()
        tasks = [asyncio.create_task(self.client(n, stop)) for n in range(self.args.clients)]
        tasks += [asyncio.create_task(t(stop)) for t in (self.discord_users, self.publisher, self.sampler)]
        await self.faults_on_schedule()
        await asyncio.sleep(max(0.0, self.t0 + self.duration - time.monotonic()))
        stop.set()
        print(f"{time.monotonic() - self.t0:6.0f} s  the run is over: waiting for the last answers", flush=True)
        await asyncio.gather(*tasks)
        with (self.work / "requests.jsonl").open("w") as out:  # for a closer look at a failed run
            out.writelines(json.dumps(r) + "\n" for r in self.requests)

    # --- afterwards -------------------------------------------------------------------------------
    def settle(self) -> None:
        """Let the watcher read the last entries and the bot finish its answers, then stop every
        newsqa process with SIGTERM."""
        urls = {feed.page_url(entry.slug) for feed, entry in self.site.published}
        deadline = time.monotonic() + self.args.every * 4 + 120
        while time.monotonic() < deadline and not urls <= set(self.stored_urls()):
            time.sleep(1)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and self.unanswered_discord():
            time.sleep(1)
        for service in self.services.values():
            service.sample()
        for name in ("watch", "serve", "discord"):
            self.services[name].signal(signal.SIGTERM)
        for name in ("watch", "serve", "discord"):
            self.stopped_ok[f"{name} (at the end)"] = self.services[name].wait_exit("SIGTERM at the end")

    def unanswered_discord(self) -> list[dict]:
        replied_in = {m["channel_id"] for m in self.emulator.messages}
        referenced = {(m.get("message_reference") or {}).get("message_id") for m in self.emulator.messages}
        return [q for q in self.discord_questions
                if self.emulator.thread_of.get(q["id"]) not in replied_in and q["id"] not in referenced]

    def synced_articles(self, name: str) -> int:
        """The articles a data directory holds after syncing with the others (`newsqa stats`)."""
        out = subprocess.run([NEWSQA, "stats", "--json"], env=self.env[name], capture_output=True, text=True,
                             timeout=300)
        return json.loads(out.stdout)["articles"] if out.returncode == 0 else -1

    def check(self) -> tuple[list[list[str]], list[str], list[str]]:
        """The table's rows, its notes, and the failed checks."""
        import chromadb

        failed: list[str] = []
        rows: list[list[str]] = []

        def row(what: str, seen: str, ok: bool) -> None:
            rows.append([what, seen, "ok" if ok else "FAILED"])
            if not ok:
                failed.append(f"{what}: {seen}")

        # Entries: every one stored exactly once.
        stored = self.stored_urls()
        db = self.manifest()
        summary_urls = {url for (url,) in db.execute(
            "SELECT url FROM articles WHERE json_extract(extra, '$.summary_only') IS NOT NULL")}
        retries = db.execute("SELECT label, reason, given_up FROM feed_retries").fetchall()
        article_ids = {a for (a,) in db.execute("SELECT id FROM articles")}
        manifest_chunks = {c for (c,) in db.execute("SELECT id FROM chunks")}
        pending = db.execute("SELECT COUNT(*) FROM pending").fetchone()[0]
        garbage = db.execute("SELECT COUNT(*) FROM garbage").fetchone()[0]
        copies = db.execute("SELECT COUNT(*) FROM copies").fetchone()[0]
        db.close()
        urls = [feed.page_url(entry.slug) for feed, entry in self.site.published]
        missing = [u for u in urls if u not in stored]
        twice = [u for u in urls if stored.get(u, 0) > 1]
        given_up = [f"{label} ({reason})" for label, reason, done in retries if done]
        row("entries published / stored once", f"{len(urls)} / {len(urls) - len(missing) - len(twice)} "
            f"({len(summary_urls & set(urls))} from the feed's summary, {copies} as syndicated copies)",
            not twice and len(missing) <= len(given_up))
        row("entries missing / stored twice / given up", f"{len(missing)} / {len(twice)} / {len(given_up)}"
            + (f" (e.g. {given_up[0]})" if given_up else ""), not twice and len(missing) <= len(given_up))
        back = [u for u in self.back_after_fault if u in stored and u not in summary_urls]
        row("pages back after their fault: the full text replaced the summary",
            f"{len(back)} of {len(self.back_after_fault)}", len(back) == len(self.back_after_fault))
        row("entries still retrying at the end", f"{sum(1 for r in retries if not r[2])} "
            f"({'; '.join(sorted({r[1] for r in retries if not r[2]}))[:160] or 'none'})", True)
        # The index and the manifest agree.
        client = chromadb.HttpClient(host="127.0.0.1", port=self.chroma_port)
        collection = client.get_collection("soak")
        chroma_ids: set[str] = set()
        offset = 0
        while got := collection.get(limit=1000, offset=offset, include=[])["ids"]:
            chroma_ids.update(got)
            offset += len(got)
        row("chunks in Chroma / in the manifest / in only one", f"{len(chroma_ids)} / {len(manifest_chunks)} / "
            f"{len(chroma_ids ^ manifest_chunks)}", chroma_ids == manifest_chunks)
        row("manifest rows pending / chunks left to collect", f"{pending} / {garbage}", pending == 0 and garbage == 0)
        synced = {name: self.synced_articles(name) for name in ("serve", "discord")}
        row("articles: watcher / server's / bot's data directory (synced)",
            f"{len(article_ids)} / {synced['serve']} / {synced['discord']}",
            all(n == len(article_ids) for n in synced.values()))
        # The clients.
        by_status: dict[str, int] = {}
        for r in self.requests:
            by_status[str(r["status"])] = by_status.get(str(r["status"]), 0) + 1
        bad = {s: n for s, n in by_status.items() if s in ("hung", "lost") or s.startswith("5") and s != "503"
               or s.startswith("4") and s != "429"}
        answered = [r for r in self.requests if r["status"] == 200]
        row("client requests (ask / search)", f"{len(self.requests)} "
            f"({sum(r['kind'] == 'ask' for r in self.requests)} / {sum(r['kind'] == 'search' for r in self.requests)})",
            bool(answered))
        row("answered 200 / refused 429 / 503 / not listening (restart)",
            f"{len(answered)} / {by_status.get('429', 0)} / {by_status.get('503', 0)} / "
            f"{by_status.get('not listening', 0)}", True)
        row("hung / lost / other errors", f"{by_status.get('hung', 0)} / {by_status.get('lost', 0)} / "
            f"{sum(n for s, n in bad.items() if s not in ('hung', 'lost'))}"
            + (f" ({', '.join(f'{s}: {n}' for s, n in bad.items())})" if bad else ""), not bad)
        refusals = [r for r in self.requests if r["status"] in (429, 503)]
        without = sum(1 for r in refusals if not r.get("retry_after"))
        row("refusals (429/503) saying when to come back (Retry-After)", f"{len(refusals) - without} of "
            f"{len(refusals)}", without == 0)
        slowest = max((r["s"] for r in self.requests), default=0)
        row("slowest request (s)", f"{slowest:.1f}", slowest < REQUEST_TIMEOUT_S)
        # Discord.
        unanswered = self.unanswered_discord()
        row("Discord questions / replied", f"{len(self.discord_questions)} / "
            f"{len(self.discord_questions) - len(unanswered)}", not unanswered)
        beats = self.emulator.heartbeats
        gap = max((b - a for a, b in zip(beats, beats[1:])), default=0.0)
        row(f"Discord heartbeats / longest gap (s; interval {HEARTBEAT_MS / 1000:g})", f"{len(beats)} / {gap:.1f}",
            len(beats) > 1 and gap <= HEARTBEAT_GAP_S)
        # Staying up.
        died = [f"{name} run {n + 1}" for name, service in self.services.items()
                for n, life in enumerate(service.lives) if life.how_ended.startswith("EXITED BY ITSELF")]
        row("processes that exited without being stopped", ", ".join(died) or "none", not died)
        # Stopping.
        slow_stops = [name for name, ok in self.stopped_ok.items() if not ok]
        row("stopped on SIGTERM within 30 s", f"{sum(self.stopped_ok.values())} of {len(self.stopped_ok)}"
            + (f" (not: {', '.join(slow_stops)})" if slow_stops else ""), not slow_stops)
        # Memory and open files (every sample kept beside the logs).
        (self.work / "samples.json").write_text(json.dumps(
            {name: [life.samples for life in service.lives] for name, service in self.services.items()}))
        for name, service in self.services.items():
            for n, life in enumerate(service.lives):
                rows.append(self.memory_row(name, n, life, failed))
        notes = self.notes(by_status)
        return rows, notes, failed

    def memory_row(self, name: str, n: int, life: Life, failed: list[str]) -> list[str]:
        lived = (life.ended or time.monotonic()) - life.started
        warm = [s for s in life.samples if s[0] >= min(WARM_S, lived / 2)]
        if not warm:
            return [f"{name} run {n + 1}: RSS MB / open files", f"no samples ({lived:.0f} s; {life.how_ended})", "–"]
        (_, rss0, fd0), (_, rss1, fd1) = warm[0], warm[-1]
        checked = lived >= MEMORY_CHECKED_AFTER_S
        ok = rss1 <= rss0 * RSS_GROWTH[0] + RSS_GROWTH[1] and fd1 <= fd0 + FD_GROWTH
        if checked and not ok:
            failed.append(f"{name} run {n + 1} grew: RSS {rss0:.0f} → {rss1:.0f} MB, files {fd0} → {fd1}")
        return [f"{name} run {n + 1}: RSS MB / open files, start → end",
                f"{rss0:.0f} → {rss1:.0f} / {fd0} → {fd1} ({lived:.0f} s; {life.how_ended})",
                ("ok" if ok else "FAILED") if checked else f"{'within' if ok else 'beyond'} the bound; not checked"]

    def notes(self, by_status: dict[str, int]) -> list[str]:
        a = self.args
        return [
            f"{a.minutes:g} minutes; {a.feeds} feeds on loopback (one host), {2 * a.feeds} entries at the start and "
            f"one more every {a.new_every:g} s (real articles of RealTime QA 2025, cut to 4,000 characters); "
            f"`newsqa watch --every {a.every:g}`; {a.clients} clients each asking (/v1/chat/completions) or "
            f"searching (/search) in turn, waiting only the Retry-After of a 429/503; a Discord user asking every "
            f"{a.discord_every:g} s; LLM `{a.llm}`; every newsqa process on one `chroma run`, each with its own data "
            "directory.",
            "Faults: " + "; ".join(self.faults) + ".",
            "Stored once: each published page URL is in the watcher's manifest once, as an article or as a "
            "syndicated copy of one (a page that could not be had is stored from the feed's summary).",
            f"Memory: a process's start sample is its first {WARM_S} s into its life (half its life when shorter); "
            f"the bound (RSS at most ×{RSS_GROWTH[0]} + {RSS_GROWTH[1]:.0f} MB, open files at most +{FD_GROWTH}) is "
            f"checked for runs of {MEMORY_CHECKED_AFTER_S // 60} minutes or more.",
            f"Command: .venv/bin/python bench/soak.py --minutes {a.minutes:g} --feeds {a.feeds} --clients {a.clients} "
            f"--llm {a.llm}",
        ]

    def close(self) -> None:
        for service in self.services.values():
            if service.running:
                service.signal(signal.SIGKILL)
                service.proc.wait()
        for feed in self.site.feeds:
            feed.close()
        try:
            self.emulator.stop()
        except Exception:
            pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--llm", default="test", help="the LLM of the server and the bot (default: the small one)")
    parser.add_argument("--every", type=float, default=5, help="seconds between a feed's polls")
    parser.add_argument("--new-every", type=float, default=5, help="seconds between two new entries on the site")
    parser.add_argument("--discord-every", type=float, default=10, help="seconds between two Discord questions")
    parser.add_argument("--no-table", action="store_true", help="print the table, do not save it")
    parser.add_argument("--keep", type=Path, help="keep the data directories and logs here")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="newsqa-soak-"))
    work.mkdir(parents=True, exist_ok=True)
    soak = Soak(args, work)
    try:
        soak.start()
        print(f"started; logs in {work}", flush=True)
        asyncio.run(soak.run())
        soak.settle()
        rows, notes, failed = soak.check()
    finally:
        soak.close()
    title = f"Soak: every service for {args.minutes:g} minutes with faults on a schedule"
    header = ["check", "seen", "result"]
    if args.no_table:
        print(f"# {title}\n\n| " + " | ".join(header) + " |\n" + "\n".join("| " + " | ".join(r) + " |" for r in rows))
        print("\n".join(f"- {n}" for n in notes))
    else:
        write_table("soak", title, header, rows, notes)
    if failed:
        print("SOAK FAILED:\n" + "\n".join(f"- {f}" for f in failed), file=sys.stderr)
        sys.exit(1)
    print("soak: every check passed")


if __name__ == "__main__":
    main()
