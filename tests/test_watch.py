"""Following feeds: conditional polls, new and changed entries, politeness, faults, restarts."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from feed_site import TOPICS, WIRE, Entry, FeedSite, entry

from newsqa.index import IndexSettings, NewsIndex
from newsqa.index.follow import FeedFollower, HostPacer
from newsqa.index.settings import FeedSetting, FetchSettings, WatchSettings

NEWSQA = Path(os.sys.executable).with_name("newsqa")


@pytest.fixture
def site():
    found = FeedSite([entry(0), entry(1)])
    yield found
    found.close()


def watch_settings(tmp_path: Path, **watch) -> IndexSettings:
    return IndexSettings(
        home=tmp_path / "home",
        fetch=FetchSettings(allow_private=True, timeout_s=3),
        watch=WatchSettings(host_interval_s=0, **watch),
    )


def follower(settings: IndexSettings, *urls: str, **kwargs) -> FeedFollower:
    return FeedFollower(NewsIndex(settings), [FeedSetting(url=u) for u in urls], **kwargs)


def titles(index: NewsIndex) -> list[str]:
    return sorted(r[0] for r in index.manifest._rows("SELECT title FROM articles"))


def test_a_poll_ingests_the_entries_and_an_unchanged_feed_costs_one_conditional_request(tmp_path, site):
    settings = watch_settings(tmp_path)
    [first] = follower(settings, site.feed_url).poll(force=True)
    assert first.error is None and first.ingest.added == 2
    assert site.page_hits() == 2  # the teasers' pages were read

    # A restarted watcher: the feed has not changed, so one request, a 304, and no embedding.
    again = follower(settings, site.feed_url)
    [second] = again.poll(force=True)
    assert second.not_modified and second.requests == 1
    assert site.not_modified == 1 and site.page_hits() == 2
    assert "embedder" not in again.index.__dict__  # the embedding model was never loaded


def test_only_new_or_changed_entries_are_fetched_and_ingested(tmp_path, site):
    settings = watch_settings(tmp_path)
    watcher = follower(settings, site.feed_url)
    watcher.poll(force=True)
    site.entries.insert(0, entry(2))  # a new entry
    site.entries[2] = Entry(slug=site.entries[2].slug, title="Library news 1 (updated)",
                            text=site.entries[2].text + " The vote was later confirmed by the mayor.")
    [report] = watcher.poll(force=True)
    assert (report.entries, report.new_entries) == (3, 2)
    assert (report.ingest.added, report.ingest.updated) == (1, 1)
    assert site.hits["/news/harbour-1.html"] == 1  # the unchanged entry's page was not read again
    assert titles(watcher.index) == ["Harbour news 1", "Library news 1 (updated)", "Orchard news 1"]


def test_stats_show_each_feeds_freshness_and_errors(tmp_path, site):
    settings = watch_settings(tmp_path)
    watcher = follower(settings, site.feed_url)
    watcher.poll(force=True)
    [feed] = watcher.index.stats().feeds
    assert feed.url == site.feed_url and feed.articles_added == 2 and feed.last_error is None
    assert feed.last_poll is not None and feed.last_new_entry is not None

    site.feed_status = (503, {"Retry-After": "7200"})
    [report] = watcher.poll(force=True)
    assert report.error == "HTTP 503 Service Unavailable"
    [feed] = watcher.index.stats().feeds
    assert feed.last_error == "HTTP 503 Service Unavailable" and feed.articles_added == 2
    # Retry-After is honoured: not due again for two hours.
    assert feed.next_poll.timestamp() >= time.time() + 7000


def test_a_failing_feed_backs_off_exponentially_with_jitter(tmp_path):
    settings = watch_settings(tmp_path, every_s=100, max_backoff_s=1000)
    dead = "http://127.0.0.1:9/feed.xml"  # nothing listens on the discard port
    watcher = follower(settings, dead, rng=random.Random(7))
    delays = []
    for _ in range(5):
        started = time.time()
        [report] = watcher.poll(force=True)
        assert report.error
        delays.append(watcher.next_poll(watcher.feeds[0]) - started)
    # 2×, 4×, 8× the interval (each jittered within its upper half), then capped at 1000 s.
    for delay, full in zip(delays, (200, 400, 800, 1000, 1000)):
        assert full / 2 - 1 <= delay <= full + 1
    assert watcher.poll() == []  # not due while backing off


def test_faults_in_one_feed_leave_the_others_going(tmp_path, site):
    garbage = FeedSite()
    garbage.feed_override = ("application/rss+xml", b"\x00\x01 not xml at all \xff")
    html = FeedSite()
    html.feed_override = ("text/html", b"<html><body><p>Our news page, not a feed.</p></body></html>")
    site.entries[1].page = False  # one entry's page answers 404
    try:
        watcher = follower(watch_settings(tmp_path), "http://127.0.0.1:9/feed.xml", garbage.feed_url,
                           html.feed_url, site.feed_url, every_s=0.01)
        down, bad, page, good = watcher.poll(force=True)
        assert down.error and "ConnectError" in down.error
        assert bad.error and html.feed_url not in bad.error
        assert page.error == "not an RSS/Atom feed"
        # The entry whose page failed is stored from the feed's summary, and named in the log line.
        assert good.error is None and good.ingest.added == 2 and good.from_summary == 1
        [problem] = good.problems
        assert problem.item == site.page_url("library-1") and "HTTP 404" in problem.message
        assert f"1 entries failed: {site.page_url('library-1')} (HTTP 404" in good.summary()
        # Its page is tried again at the next poll while the feed itself answers 304 (its
        # validators were kept); the full text replaces the summary; the good page is not fetched again.
        site.entries[1].page = True
        time.sleep(0.05)
        [again] = follower(watch_settings(tmp_path), site.feed_url, every_s=0.01).poll(force=True)
        assert again.not_modified and (again.retried, again.recovered) == (1, 1)
        assert again.ingest.updated == 1 and again.ingest.added == 0
        assert site.hits["/news/harbour-1.html"] == 1
    finally:
        garbage.close()
        html.close()


def test_robots_txt_is_honoured_for_article_pages(tmp_path, site):
    site.robots = "User-agent: newsqa\nDisallow: /news/library\n"
    watcher = follower(watch_settings(tmp_path), site.feed_url, every_s=0.01)
    [report] = watcher.poll(force=True)
    assert report.ingest.added == 2 and report.from_summary == 1  # the disallowed page's summary stays
    [problem] = report.problems
    assert "robots.txt" in problem.message and report.given_up == 1
    site.entries.insert(0, entry(2))  # a later poll reads the feed again: the page is still never asked for
    time.sleep(0.05)
    [later] = watcher.poll(force=True)
    assert later.ingest.added == 1 and later.retried == 0
    assert site.hits["/news/library-1.html"] == 0
    [feed] = watcher.index.stats().feeds
    assert feed.entries_given_up == 1 and "disallows this page" in feed.given_up[0]


def test_a_feed_of_100000_entries_is_read_only_to_its_cap(tmp_path, site):
    site.entries = [entry(i) for i in range(3)]
    head, tail = site.feed_xml().split(b"</channel>")
    rest = b"".join(b"<item><guid>g%d</guid><title>t</title></item>" % n for n in range(99_997))
    site.feed_override = ("application/rss+xml", head + rest + b"</channel>" + tail)
    watcher = follower(watch_settings(tmp_path, max_entries=3), site.feed_url)
    started = time.monotonic()
    [report] = watcher.poll(force=True)
    assert report.entries == 3 and report.ingest.added == 3
    assert time.monotonic() - started < 60  # not the minutes feedparser takes for all of them
    [feed] = watcher.index.stats().feeds
    assert "99,997 entries beyond the first 3 not read" in feed.last_error


def test_an_endless_feed_body_is_capped(tmp_path, site):
    site.feed_override = ("application/rss+xml", b"<rss><channel>" + b"<item>x</item>" * 200_000)
    settings = watch_settings(tmp_path)
    settings.fetch.max_bytes = 1_000_000
    [report] = follower(settings, site.feed_url).poll(force=True)
    assert "over the 1,000,000-byte cap" in report.error


def test_a_page_answering_429_pauses_its_host_for_the_retry_after(tmp_path, site):
    site.entries.insert(0, entry(2))
    site.page_status["orchard-1"] = (429, {"Retry-After": "2"})  # the first page asked for
    started = time.monotonic()
    [report] = follower(watch_settings(tmp_path), site.feed_url).poll(force=True)
    assert [p.item for p in report.problems] == [site.page_url("orchard-1")]
    assert "HTTP 429" in report.problems[0].message and report.ingest.added == 3 and report.from_summary == 1
    assert time.monotonic() - started >= 2  # the next page waited for the host's Retry-After


def test_an_entry_whose_page_is_refused_is_stored_from_its_summary_until_the_page_comes(tmp_path):
    teaser = "The harbour of Port Elm reopened on Tuesday after ninety days of repairs to its sea wall."
    site = FeedSite([Entry(slug="harbour-1", title="Harbour reopens", text=TOPICS[0][1].format(n=9), summary=teaser)])
    site.page_status["harbour-1"] = (403, {})  # a paywall, or a site refusing bots
    try:
        settings = watch_settings(tmp_path)
        watcher = follower(settings, site.feed_url, every_s=0.01)
        [first] = watcher.poll(force=True)
        assert first.ingest.added == 1 and first.from_summary == 1
        assert f"{site.page_url('harbour-1')} (HTTP 403" in first.summary()
        [feed] = watcher.index.stats().feeds
        assert (feed.entries_retrying, feed.entries_from_summary, feed.entries_given_up) == (1, 1, 0)
        [hit] = watcher.index.search("When did the harbour of Port Elm reopen?", k=1)
        assert hit.from_summary and hit.text == teaser

        # Asked, the answer cites it as the feed's summary (the CLI; every face shows the same).
        env = {**os.environ, "NEWSQA_HOME": str(settings.home), "HF_HUB_OFFLINE": "1", "COLUMNS": "200"}
        asked = subprocess.run([str(NEWSQA), "ask", "When did the harbour of Port Elm reopen?", "--llm", "none"],
                               env=env, capture_output=True, text=True, timeout=300)
        assert asked.returncode == 0, asked.stderr
        assert "Harbour reopens" in asked.stdout and "summary from the feed" in asked.stdout

        # Still refused: tried again at the next poll (the feed itself answers 304), kept as it was.
        time.sleep(0.05)
        [second] = watcher.poll(force=True)
        assert second.not_modified and (second.retried, second.recovered) == (1, 0)
        assert site.hits["/news/harbour-1.html"] == 2
        # The page comes: its full text replaces the summary, the same article updated.
        del site.page_status["harbour-1"]
        time.sleep(0.1)  # the second try backs off twice the interval, jittered
        [third] = watcher.poll(force=True)
        assert (third.retried, third.recovered) == (1, 1) and third.ingest.updated == 1
        [hit] = watcher.index.search("When did the harbour of Port Elm reopen?", k=1)
        assert not hit.from_summary and "port authority" in hit.text
        assert titles(watcher.index) == ["Harbour reopens"]
        [feed] = watcher.index.stats().feeds
        assert (feed.entries_retrying, feed.entries_from_summary, feed.entries_given_up) == (0, 0, 0)
    finally:
        site.close()


def test_an_entry_without_a_summary_is_given_up_after_its_tries_and_named_in_stats(tmp_path, site):
    site.entries[1].page, site.entries[1].summary = False, ""  # a dead page and nothing of its own
    settings = watch_settings(tmp_path, entry_tries=2)
    watcher = follower(settings, site.feed_url, every_s=0.01)
    [first] = watcher.poll(force=True)
    assert first.ingest.added == 1 and first.from_summary == 0 and len(first.problems) == 1
    time.sleep(0.05)
    [second] = watcher.poll(force=True)
    assert second.not_modified and second.retried == 1 and second.given_up == 1
    assert "1 entries given up" in second.summary()
    time.sleep(0.05)
    [third] = watcher.poll(force=True)  # given up: asked for no more
    assert third.not_modified and third.retried == 0 and third.requests == 1
    assert site.hits["/news/library-1.html"] == 2
    [feed] = watcher.index.stats().feeds
    assert feed.entries_given_up == 1 and feed.entries_retrying == 0
    assert feed.given_up == [f"{site.page_url('library-1')}: HTTP 404 Not Found"]
    stats = subprocess.run([str(NEWSQA), "stats"], env={**os.environ, "NEWSQA_HOME": str(settings.home),
                                                       "COLUMNS": "400"}, capture_output=True, text=True, timeout=120)
    assert f"1 given up (latest: {site.page_url('library-1')}: HTTP 404" in stats.stdout


def test_requests_to_one_host_are_paced():
    pacer = HostPacer(0.2)
    started = time.monotonic()
    for _ in range(3):
        pacer.wait("http://a.test/x")
    pacer.wait("http://b.test/x")  # another host does not wait
    assert time.monotonic() - started >= 0.4


def test_syndicated_copies_are_stored_once_with_every_outlet(tmp_path):
    wire = WIRE  # long enough to be compared; each outlet also has a story of its own
    outlets = [FeedSite([Entry(slug=f"tram-{n}", title=f"Tram line approved ({name})", text=wire),
                         entry(n % 3, n)], title=name)
               for n, name in enumerate(["Daily Post", "Evening Star", "Morning Herald"])]
    try:
        watcher = follower(watch_settings(tmp_path), *(s.feed_url for s in outlets))
        reports = watcher.poll(force=True)
        assert sum(r.ingest.copies for r in reports) == 2
        assert sum(r.ingest.added for r in reports) == 4  # the wire story once, three others
        hits = watcher.index.search("new tramway line to the university campus", k=4)
        tram = [h for h in hits if "tramway" in h.text]
        assert len(tram) == 1  # the copies do not fill the results
        assert {c["source"] for c in tram[0].carried_by} | {tram[0].source} == {
            "Daily Post", "Evening Star", "Morning Herald"}
        assert watcher.index.stats().copies == 2
        # Forgetting a copy's URL takes its outlet off the story; forgetting the story, its copies too.
        copy = next(c for c in tram[0].carried_by)
        assert watcher.index.forget(urls=[copy["url"]]) == 1
        [hit] = [h for h in watcher.index.search("new tramway line", k=4) if "tramway" in h.text]
        assert len(hit.carried_by) == 1 and copy["url"] not in {c["url"] for c in hit.carried_by}
        # Polled again (a restarted watcher, feeds unchanged): nothing is added or copied twice.
        again = follower(watch_settings(tmp_path), *(s.feed_url for s in outlets)).poll(force=True)
        assert all(r.not_modified for r in again)
        assert watcher.index.forget(urls=[hit.url]) == 1  # the story; its remaining copy goes with it
        assert watcher.index.stats().copies == 0
    finally:
        for s in outlets:
            s.close()


def test_a_watcher_killed_mid_poll_neither_duplicates_nor_loses_an_entry(tmp_path, site):
    site.held = {"glacier-2"}
    env = {**os.environ, "NEWSQA_HOME": str(tmp_path / "home"), "NEWSQA_FETCH__ALLOW_PRIVATE": "true",
           "NEWSQA_WATCH__HOST_INTERVAL_S": "0"}
    # A first poll ingests two entries; then two more arrive and the watcher dies fetching one.
    site.entries = [entry(0), entry(1)]
    subprocess.run([str(NEWSQA), "watch", site.feed_url, "--once"], env=env, check=True, timeout=300)
    site.entries = [entry(3), entry(4, 2)] + site.entries
    watcher = subprocess.Popen([str(NEWSQA), "watch", site.feed_url, "--every", "1"], env=env)
    try:
        assert site.holding.wait(120), "the watcher never asked for the held page"
        watcher.send_signal(signal.SIGKILL)
        watcher.wait(timeout=30)
    finally:
        watcher.kill()
    site.held = set()
    site.release.set()
    done = subprocess.run([str(NEWSQA), "watch", site.feed_url, "--once"], env=env, check=True,
                          capture_output=True, text=True, timeout=300)
    assert "added 2" in done.stdout
    stats = subprocess.run([str(NEWSQA), "stats"], env={**env, "COLUMNS": "250"}, check=True,
                           capture_output=True, text=True).stdout
    assert f"{site.feed_url} · last poll" in stats and "· 4 articles added" in stats
    index = NewsIndex(IndexSettings(home=tmp_path / "home"))
    assert titles(index) == ["Glacier news 2", "Harbour news 1", "Library news 1", "Tramway news 1"]
    assert len(index.manifest.seen_entries(site.feed_url)) == 4


def test_watch_needs_feeds_and_says_so(tmp_path):
    done = subprocess.run([str(NEWSQA), "watch", "--once"], env={**os.environ, "NEWSQA_HOME": str(tmp_path)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "no feeds to follow" in done.stderr and "Traceback" not in done.stderr


def test_the_server_follows_the_configured_feeds(tmp_path, site):
    import httpx
    from conftest import NewsqaServer

    server = NewsqaServer(tmp_path / "home", NEWSQA_LLM="none", NEWSQA_FETCH__ALLOW_PRIVATE="true",
                          NEWSQA_WATCH__HOST_INTERVAL_S="0", NEWSQA_WATCH__FEEDS=f'["{site.feed_url}"]').wait_ready()
    try:
        # The articles are committed a moment before the poll's feed state: wait for both.
        deadline = time.monotonic() + 120
        while not ((stats := httpx.get(f"{server.url}/stats", timeout=30).json())["articles"] >= 2
                   and stats["feeds"] and stats["feeds"][0]["articles_added"] >= 2):
            assert time.monotonic() < deadline, server.log()[-2000:]
            time.sleep(0.5)
        [feed] = stats["feeds"]
        assert feed["url"] == site.feed_url and feed["articles_added"] == 2 and feed["last_error"] is None
        hits = httpx.post(f"{server.url}/search", json={"query": "harbour ferry", "k": 1}, timeout=30).json()
        assert hits[0]["title"] == "Harbour news 1"
    finally:
        server.stop()
