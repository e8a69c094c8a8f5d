"""Following feeds on a schedule: politely, safely, and restartable at any moment.

Each poll of a feed is one conditional GET (ETag / Last-Modified from the last good poll); a feed
that has not changed costs that request and nothing else. Of a changed feed only the entries that
are new or changed (by their fingerprint) are read, and their pages fetched only when the entry
holds a teaser. Every request goes through the guarded fetcher, at most one per
`watch.host_interval_s` to a host; article pages also obey the host's robots.txt. A failing feed
is retried later and later (exponential backoff with jitter, at least what Retry-After asks).

One bad entry never costs the rest. An entry whose page cannot be had (refused, robots.txt, a
timeout, not an article) is stored from the feed's own summary when it has one (marked as a
summary: citations say so), and its page is tried again with its own backoff, up to
`watch.entry_tries` times; when it arrives, the full text replaces the summary (the same article,
updated). A page robots.txt disallows is never fetched: the summary stays. The feed's validators
are kept after every poll, so an unchanged feed costs a 304 however its entries fare; the feed's
status counts the entries being retried and names those given up on, with why.

Restartable: entries are recorded as seen (and their retries) only after their articles are
committed; a watcher killed mid-poll re-reads the feed and re-fetches the entries it had not
recorded, and ingesting an article again adds nothing (its id and content hash are the same).

>>> follower = FeedFollower(NewsIndex(settings))          # doctest: +SKIP
>>> for report in follower.poll(): print(report.summary())  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from newsqa.errors import FetchError, LoadError, NewsqaError, one_line
from newsqa.index.article import Article
from newsqa.index.newsindex import IngestReport, NewsIndex
from newsqa.index.settings import FeedSetting
from newsqa.index.sources.feeds import (
    FeedEntry,
    article_from_entry,
    entry_from_record,
    entry_record,
    parse_feed,
    summary_article,
)
from newsqa.index.sources.fetch import Fetched, Validators, fetch
from newsqa.index.sources.problems import Problem

log = logging.getLogger(__name__)

# A robots.txt that could not be read (server error, no connection) is asked for again this soon.
ROBOTS_RETRY_S = 600.0
# How many failed entries a poll's log line names (the rest are counted).
FAILURES_NAMED = 5


class PageDisallowed(LoadError):
    """robots.txt disallows the page: it is never fetched, so it is not tried again."""


class HostPacer:
    """At most one request to a host every `interval_s` seconds, across threads."""

    def __init__(self, interval_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval_s = interval_s
        self._clock = clock
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def hold(self, url: str, seconds: float) -> None:
        """Ask nothing more of this URL's host for `seconds` (it said Retry-After)."""
        host = (urlsplit(url).hostname or "").lower()
        with self._lock:
            self._next[host] = max(self._next.get(host, 0.0), self._clock() + seconds)

    def wait(self, url: str) -> None:
        host = (urlsplit(url).hostname or "").lower()
        with self._lock:
            now = self._clock()
            start = max(now, self._next.get(host, now))
            self._next[host] = start + self.interval_s
        if start > now:
            time.sleep(start - now)


@dataclass
class _Robots:
    parser: RobotFileParser
    expires: float


@dataclass
class PollReport:
    """What one poll of one feed did."""

    feed: str
    requests: int = 0
    not_modified: bool = False
    entries: int = 0  # entries read from the feed body
    new_entries: int = 0  # of those, new or changed since the last poll
    ingest: IngestReport = field(default_factory=IngestReport)
    problems: list[Problem] = field(default_factory=list)  # entries that failed, each with why
    from_summary: int = 0  # of the articles stored, those stored from the feed's summary
    retried: int = 0  # entries whose page was tried again this poll
    recovered: int = 0  # of those, the ones whose page came at last
    given_up: int = 0  # entries given up on this poll
    error: str | None = None  # the feed itself failed (down, not a feed, refused)

    @property
    def unnamed_problems(self) -> list[Problem]:
        """The failed entries the summary line only counts (it names the first few)."""
        return self.problems[FAILURES_NAMED:]

    def summary(self) -> str:
        if self.error:
            return f"{self.feed}: failed: {self.error}"
        head = (f"{self.feed}: not modified" if self.not_modified else
                f"{self.feed}: {self.new_entries} new or changed of {self.entries} entries")
        parts = [head]
        if not self.not_modified or self.ingest.added or self.ingest.updated:
            parts.append(self.ingest.summary())
        if self.from_summary:
            parts.append(f"{self.from_summary} stored from the feed's summary")
        if self.retried:
            parts.append(f"{self.recovered} of {self.retried} pages tried again came")
        if self.given_up:
            parts.append(f"{self.given_up} entries given up")
        if self.problems:
            named = "; ".join(f"{p.item} ({p.message})" for p in self.problems[:FAILURES_NAMED])
            more = len(self.problems) - FAILURES_NAMED
            parts.append(f"{len(self.problems)} entries failed: {named}" + (f"; and {more} more" if more > 0 else ""))
        return " · ".join(parts)


@dataclass
class _Work:
    """What one poll of a feed has to store: the articles, the retries planned, the entries done."""

    articles: list[Article] = field(default_factory=list)
    retries: list[dict[str, Any]] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)


class FeedFollower:
    """Polls the configured feeds (or the given ones) into one index, each when it is due."""

    def __init__(self, index: NewsIndex, feeds: Sequence[FeedSetting] | None = None,
                 every_s: float | None = None, rng: random.Random | None = None) -> None:
        self.index = index
        self.settings = index.settings
        self.watch = self.settings.watch
        self.feeds = list(self.watch.feeds if feeds is None else feeds)
        self.every_s = every_s or self.watch.every_s
        self._pacer = HostPacer(self.watch.host_interval_s)
        self._robots: dict[str, _Robots] = {}
        self._rng = rng or random.Random()
        self.requests = 0  # every request made, feeds, pages and robots.txt alike

    # --- the schedule -------------------------------------------------------------------------
    def interval(self, feed: FeedSetting) -> float:
        return feed.every_s or self.every_s

    def next_poll(self, feed: FeedSetting) -> float:
        """When the feed is next due (unix time): its interval after the last poll, or later
        while it is failing."""
        state = self.index.manifest.feed_state(feed.url)
        if state.get("failures"):
            return float(state["next_poll"])
        return float(state.get("last_poll") or 0) + self.interval(feed)

    def poll(self, force: bool = False) -> list[PollReport]:
        """Poll every feed that is due (every feed with `force`); one feed's failure is its report's
        error and the others go on."""
        now = time.time()
        return [self.poll_feed(f) for f in self.feeds if force or self.next_poll(f) <= now]

    def run(self, stop: threading.Event, on_poll: Callable[[PollReport], None] | None = None) -> None:
        """Poll the feeds as they fall due until `stop` is set."""
        while not stop.is_set():
            for report in self.poll():
                log.info("%s", report.summary())
                if on_poll:
                    on_poll(report)
            due = min((self.next_poll(f) for f in self.feeds), default=time.time() + self.every_s)
            stop.wait(min(max(due - time.time(), 0.5), 60.0))

    def start(self) -> threading.Event:
        """Follow the feeds in a background thread (the server and the Discord bot); set the
        returned event to stop it."""
        stop = threading.Event()
        threading.Thread(target=self._run_logged, args=(stop,), name="newsqa-watch", daemon=True).start()
        return stop

    def _run_logged(self, stop: threading.Event) -> None:
        try:
            self.run(stop)
        except Exception:  # a thread's death must be seen in the log, not silently
            log.exception("following feeds stopped")

    # --- one feed -----------------------------------------------------------------------------
    def poll_feed(self, feed: FeedSetting) -> PollReport:
        report = PollReport(feed.url)
        state = self.index.manifest.feed_state(feed.url)
        started, requests = time.time(), self.requests
        try:
            self._read_feed(feed, dict(state), report, started)  # the stored state stays for _failed
        except NewsqaError as exc:  # the feed's own failure (down, refused, not a feed, store)
            report.error = one_line(exc).removeprefix(f"{feed.url}: ")
            self._failed(feed, state, started, exc)
        except Exception as exc:  # an unexpected fault in one feed must not stop the others
            log.exception("polling %s failed", feed.url)
            report.error = f"unexpected {type(exc).__name__}: {one_line(exc)}"
            self._failed(feed, state, started, exc)
        report.requests = self.requests - requests
        self._publish_status(feed)
        return report

    def _publish_status(self, feed: FeedSetting) -> None:
        """The feed's status for the other processes' stats; with the Chroma server down it waits
        for the next poll (the poll's own outcome is already in this data directory's manifest)."""
        try:
            if self.index.shared:
                self.index.changes.publish_feed(self.index.manifest.feed_state(feed.url))
        except NewsqaError as exc:
            log.warning("feed status of %s not shared this poll: %s", feed.url, one_line(exc))

    def _read_feed(self, feed: FeedSetting, state: dict[str, Any], report: PollReport, started: float) -> None:
        since = Validators(state.get("etag"), state.get("last_modified"))
        fetched = self._get(feed.url, since=since)
        state.update(last_poll=started, failures=0, next_poll=started + self.interval(feed),
                     etag=fetched.validators.etag or state.get("etag"),
                     last_modified=fetched.validators.last_modified or state.get("last_modified"))
        changed: list[FeedEntry] = []
        keep_keys, capped = None, 0
        outlet = feed.source
        if fetched.not_modified:
            report.not_modified = True
        else:
            parsed = parse_feed(fetched.body, feed.url, self.watch.max_entries)
            seen = self.index.manifest.seen_entries(feed.url)
            changed = [e for e in parsed.entries if seen.get(e.key) != e.fingerprint]
            report.entries, report.new_entries = len(parsed.entries), len(changed)
            keep_keys, capped, outlet = [e.key for e in parsed.entries], parsed.capped, feed.source or parsed.outlet
        work = _Work()
        for entry in changed:
            self._take(feed, entry, outlet, 0, False, work, report, started)
        fresh = {e.key for e in changed}
        for row in self.index.manifest.due_retries(feed.url, started):
            if row["key"] not in fresh:  # an entry read anew this poll was just tried
                report.retried += 1
                self._take(feed, entry_from_record(row["entry"]), row["outlet"], row["tries"], bool(row["summary"]),
                           work, report, started)
        if work.articles:
            report.ingest = self.index.ingest(work.articles)
        problems = [str(p) for p in report.problems]
        if capped:
            problems.append(f"{capped:,} entries beyond the first {self.watch.max_entries} not read")
        state["last_error"] = "; ".join(problems)[:500] or None
        state["articles_added"] = (state.get("articles_added") or 0) + report.ingest.added
        if report.ingest.added:
            state["last_new_entry"] = started
        # Every entry read is recorded as seen: one that failed is tried again from its retry row,
        # not by reading the whole feed again, so the validators hold from the next poll.
        self.index.manifest.save_feed_state(state, [(e.key, e.fingerprint) for e in changed], keep_keys=keep_keys,
                                            retries=work.retries, resolved=work.resolved)

    def _take(self, feed: FeedSetting, entry: FeedEntry, outlet: str | None, tries: int, summary_stored: bool,
              work: _Work, report: PollReport, now: float) -> None:
        """Build the entry's article, or store its summary (when first read) and plan its page's
        next try; `tries`: how often its page failed before."""
        try:
            article = article_from_entry(entry, outlet, self._page)
            if not article.text.strip():
                raise LoadError(f"{entry.label}: the page holds no article text")
        except LoadError as exc:
            reason = one_line(exc).removeprefix(f"{entry.label}: ")
            report.problems.append(Problem(entry.label, reason))
            summary = summary_article(entry, outlet) if tries == 0 else None  # stored once, when first read
            if summary is not None:
                work.articles.append(summary)
                report.from_summary += 1
            tries += 1
            given_up = isinstance(exc, PageDisallowed) or tries >= self.watch.entry_tries
            report.given_up += given_up
            work.retries.append({"key": entry.key, "label": entry.label, "entry": entry_record(entry),
                                 "outlet": outlet, "tries": tries, "reason": reason, "given_up": int(given_up),
                                 "summary": int(summary is not None or summary_stored),
                                 "next_try": now + self._entry_delay(feed, tries)})
            return
        article.source = feed.source or article.source
        work.articles.append(article)
        work.resolved.append(entry.key)
        report.recovered += tries > 0

    def _entry_delay(self, feed: FeedSetting, tries: int) -> float:
        """An entry's page is tried again at the feed's next poll, then backs off as a failing
        feed does."""
        return self.interval(feed) if tries == 1 else self._backoff(feed, tries - 1)

    def _backoff(self, feed: FeedSetting, doublings: int) -> float:
        """The feed's interval doubled `doublings` times, capped at `watch.max_backoff_s`,
        jittered over its upper half."""
        delay = min(self.watch.max_backoff_s, self.interval(feed) * 2**doublings)
        return self._rng.uniform(delay / 2, delay)

    def _failed(self, feed: FeedSetting, state: dict[str, Any], started: float, exc: BaseException) -> None:
        """Back off: twice the interval after the first failure, doubling, capped, jittered (full
        range from half to all of it); never sooner than the server's Retry-After."""
        failures = int(state.get("failures") or 0) + 1
        delay = self._backoff(feed, failures)
        retry_after = getattr(exc, "retry_after_s", None)
        if retry_after:
            delay = max(delay, retry_after)
        state.update(last_poll=started, failures=failures, next_poll=started + delay,
                     last_error=one_line(exc).removeprefix(f"{feed.url}: ")[:500])
        self.index.manifest.save_feed_state(state)

    # --- requests -----------------------------------------------------------------------------
    def _get(self, url: str, since: Validators | None = None) -> Fetched:
        self._pacer.wait(url)
        self.requests += 1
        try:
            return fetch(url, self.settings.fetch, since=since)
        except FetchError as exc:
            if exc.retry_after_s:  # 429/503: the whole host asked for a pause
                self._pacer.hold(url, min(exc.retry_after_s, self.watch.max_backoff_s))
            raise

    def _page(self, url: str) -> Fetched:
        if not self.allowed(url):
            raise PageDisallowed(f"{url}: robots.txt of {urlsplit(url).hostname} disallows this page")
        return self._get(url)

    def allowed(self, url: str) -> bool:
        """Whether the host's robots.txt lets newsqa fetch this page (read once a day a host)."""
        parts = urlsplit(url)
        root = f"{parts.scheme}://{parts.netloc}"
        robots = self._robots.get(root)
        if robots is None or robots.expires < time.time():
            robots = self._robots[root] = self._read_robots(root)
        return robots.parser.can_fetch(self.settings.fetch.user_agent, url)

    def _read_robots(self, root: str) -> _Robots:
        parser = RobotFileParser(f"{root}/robots.txt")
        ttl = self.watch.robots_ttl_s
        try:
            parser.parse(self._get(f"{root}/robots.txt").text.splitlines())
        except FetchError as exc:
            # As RFC 9309 says: no robots.txt (4xx) allows all; 401/403 and an unreachable
            # server (5xx, no connection) allow nothing for now.
            if exc.status is not None and 400 <= exc.status < 500 and exc.status not in (401, 403):
                parser.allow_all = True
            else:
                parser.disallow_all = True
                ttl = ROBOTS_RETRY_S
        return _Robots(parser, time.time() + ttl)
