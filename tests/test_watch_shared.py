"""Several processes on one engine server (`chroma run`, or milvus-lite's server over TCP as a Milvus
standalone would be): what a watcher ingests or forgets reaches the others' manifests (and lexical
indexes) through the change log, without a restart or a `rebuild`."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import threading
import time
from contextlib import closing
from pathlib import Path

import httpx
import pytest
from conftest import NEWSQA, NewsqaServer, free_port, start_chroma
from feed_site import WIRE, Entry, FeedSite, entry

from newsqa.index import IndexSettings, NewsIndex
from newsqa.index.follow import FeedFollower
from newsqa.index.settings import ChromaSettings, FeedSetting, FetchSettings, MilvusSettings, WatchSettings

pytestmark = pytest.mark.server


@pytest.fixture(params=["chroma", "milvus"])
def engine_server(request) -> dict[str, str]:
    """The engine's server every process shares (`chroma run`, or milvus-lite's server over TCP), as
    the settings that name it."""
    if request.param == "milvus":
        return {"NEWSQA_ENGINE": "milvus", "NEWSQA_MILVUS__URI": request.getfixturevalue("milvus_server")}
    chroma = request.getfixturevalue("chroma_server")
    return {"NEWSQA_CHROMA__MODE": "server", "NEWSQA_CHROMA__HOST": chroma.host,
            "NEWSQA_CHROMA__PORT": str(chroma.port)}


def shared(home: Path, server: dict[str, str], collection: str) -> IndexSettings:
    """A data directory over the shared server, reading the others' changes before every search."""
    engine = {"engine": "milvus", "milvus": MilvusSettings(uri=server["NEWSQA_MILVUS__URI"], collection=collection)} \
        if "NEWSQA_MILVUS__URI" in server else \
        {"chroma": ChromaSettings(mode="server", host=server["NEWSQA_CHROMA__HOST"],
                                  port=int(server["NEWSQA_CHROMA__PORT"]), collection=collection, sync_every_s=0)}
    return IndexSettings(home=home, fetch=FetchSettings(allow_private=True, timeout_s=3),
                         watch=WatchSettings(host_interval_s=0), **engine)


def found(index: NewsIndex, query: str) -> list[str]:
    return [h.title for h in index.search(query, k=3) if query.split()[0] in h.text.lower()]


def test_a_reader_sees_what_a_watcher_ingests_copies_and_forgets(tmp_path, engine_server):
    site = FeedSite([entry(0), Entry("tram-wire", "Tram line approved", WIRE)])
    wire = FeedSite([Entry("tram", "Tram line approved", WIRE)], title="Evening Star")  # a syndicated copy
    try:
        writer = NewsIndex(shared(tmp_path / "a", engine_server, "shared_inproc"))
        watcher = FeedFollower(writer, [FeedSetting(url=site.feed_url)])
        watcher.poll(force=True)
        reader = NewsIndex(shared(tmp_path / "b", engine_server, "shared_inproc"))
        assert found(reader, "harbour ferry") == ["Harbour news 1"]  # first sync: from the engine

        site.entries.insert(0, entry(1))
        watcher.poll(force=True)
        FeedFollower(writer, [FeedSetting(url=wire.feed_url)]).poll(force=True)
        assert found(reader, "library midnight vote") == ["Library news 1"]
        [hit] = [h for h in reader.search("tramway university campus", k=3) if "tramway" in h.text.lower()]
        assert [c["source"] for c in hit.carried_by] == ["Evening Star"]
        # The watcher's feed status reaches the reader's stats.
        feeds = {f.url: f for f in reader.stats().feeds}
        assert feeds[site.feed_url].articles_added == 3 and feeds[site.feed_url].last_error is None

        writer.forget(urls=[site.page_url("library-1")])
        assert found(reader, "library midnight vote") == []
        assert reader.stats().articles == 2
    finally:
        site.close()
        wire.close()


def test_a_separate_server_finds_new_entries_and_misses_none_across_a_restart(tmp_path, engine_server):
    """`newsqa watch` and `newsqa serve` with data directories of their own over one engine server:
    a new entry is found by the server within its sync interval (Chroma: 1 s here; Milvus: at
    once), a forgotten one disappears, and a server restarted while the watcher goes on finds what
    came while it was down."""
    site = FeedSite([entry(0)])
    engine = {**engine_server, "NEWSQA_FETCH__ALLOW_PRIVATE": "true", "NEWSQA_WATCH__HOST_INTERVAL_S": "0",
              "NEWSQA_CHROMA__COLLECTION": "shared_procs", "NEWSQA_MILVUS__COLLECTION": "shared_procs"}
    watcher_env = {**os.environ, **engine, "NEWSQA_HOME": str(tmp_path / "watcher")}
    subprocess.run([str(NEWSQA), "watch", site.feed_url, "--once"], env=watcher_env, check=True,
                   capture_output=True, timeout=300)
    (tmp_path / "server").mkdir()

    def start_server() -> NewsqaServer:
        return NewsqaServer(tmp_path / "server" / "home", NEWSQA_LLM="none", NEWSQA_CHROMA__SYNC_EVERY_S="1",
                            **engine).wait_ready()

    server = start_server()
    watcher = subprocess.Popen([str(NEWSQA), "watch", site.feed_url, "--every", "1"], env=watcher_env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def titles(query: str) -> list[str]:
            hits = httpx.post(f"{server.url}/search", json={"query": query, "k": 3}, timeout=30).json()
            return [h["title"] for h in hits if query.split()[0] in h["text"].lower()]

        def within(seconds: float, query: str, expected: list[str]) -> list[str]:
            deadline = time.monotonic() + seconds
            while (got := titles(query)) != expected and time.monotonic() < deadline:
                time.sleep(0.5)
            return got

        def stored_by_watcher() -> int:
            with closing(sqlite3.connect(tmp_path / "watcher" / "manifest.sqlite3")) as db:
                return db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

        assert titles("harbour ferry") == ["Harbour news 1"]
        site.entries.insert(0, entry(2))  # a new entry: the watcher's next poll ingests it
        assert within(120, "orchard frost", ["Orchard news 1"]) == ["Orchard news 1"]
        server.stop()
        site.entries.insert(0, entry(3))  # published while the server is down
        deadline = time.monotonic() + 120
        while stored_by_watcher() < 3 and time.monotonic() < deadline:
            time.sleep(0.5)
        server = start_server()
        assert titles("tramway university campus") == ["Tramway news 1"]  # nothing missed across the restart
        subprocess.run([str(NEWSQA), "forget", "--url", site.page_url("orchard-1")], env=watcher_env,
                       check=True, capture_output=True, timeout=300)
        assert within(60, "orchard frost", []) == []
        assert httpx.get(f"{server.url}/stats", timeout=30).json()["articles"] == 2 == stored_by_watcher()
    finally:
        watcher.terminate()
        watcher.wait(timeout=30)
        server.stop()
        site.close()


def test_the_watcher_outlives_the_chroma_server_and_stores_what_came_meanwhile(tmp_path):
    """`newsqa watch` with its Chroma server killed: polls fail and say why, the process stays up,
    and once the server is back the entries published meanwhile are stored."""
    port = free_port()
    chroma = start_chroma(tmp_path / "chroma", port)
    site = FeedSite([entry(0)])
    home = tmp_path / "watcher"
    env = {**os.environ, "NEWSQA_HOME": str(home), "NEWSQA_CHROMA__MODE": "server", "NEWSQA_CHROMA__HOST": "127.0.0.1",
           "NEWSQA_CHROMA__PORT": str(port), "NEWSQA_FETCH__ALLOW_PRIVATE": "true",
           "NEWSQA_WATCH__HOST_INTERVAL_S": "0"}
    log = tmp_path / "watch.log"
    watcher = subprocess.Popen([str(NEWSQA), "watch", site.feed_url, "--every", "1"], env=env,
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        def stored() -> int:
            if not (home / "manifest.sqlite3").exists():
                return 0
            with closing(sqlite3.connect(home / "manifest.sqlite3")) as db:
                return db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

        def within(seconds: float, predicate) -> bool:
            deadline = time.monotonic() + seconds
            while not predicate() and time.monotonic() < deadline:
                time.sleep(0.5)
            return predicate()

        assert within(180, lambda: stored() == 1), log.read_text()[-2000:]
        chroma.kill()
        chroma.wait()
        site.entries.insert(0, entry(1))
        assert within(60, lambda: "Chroma" in log.read_text()), log.read_text()[-2000:]  # says why
        time.sleep(3)  # a few more polls against the dead server
        assert watcher.poll() is None, log.read_text()[-2000:]
        assert stored() == 1
        chroma = start_chroma(tmp_path / "chroma", port)
        assert within(120, lambda: stored() == 2), log.read_text()[-2000:]
        assert watcher.poll() is None
    finally:
        watcher.terminate()
        watcher.wait(timeout=30)
        chroma.kill()
        site.close()


def test_the_milvus_change_log_carries_a_forget_of_thousands_of_articles(tmp_path):
    """A change too long for one Milvus text field (forgetting an outlet names every article) is
    published in parts, and a reader reads back every id (a milvus-lite file of its own: the shared
    server's long-lived channels are the other tests')."""
    from newsqa.index.milvus import MilvusChangeLog, connect

    client = connect(IndexSettings(home=tmp_path / "home", engine="milvus"))
    log = MilvusChangeLog(client, "big_forget")
    ids = [f"{n:06d}-{'x' * 24}" for n in range(5000)]
    log.publish("writer1", [(1, {"op": "remove", "article_ids": ids}), (2, {"op": "uncopy", "copy_ids": ["c1"]})])
    entries = log.since(0.0)
    removed = [c for *_, c in entries if c["op"] == "remove"]
    assert len(removed) > 1 and sorted(i for c in removed for i in c["article_ids"]) == ids
    assert [c for *_, c in entries if c["op"] == "uncopy"] == [{"op": "uncopy", "copy_ids": ["c1"]}]
    client.close()


def test_two_readers_of_one_data_directory_starting_together_wait_for_one_rebuild(tmp_path, chroma_server):
    """Two processes of one data directory (a server and a bot) start together: the first sync of
    one rebuilds the manifest from the engine (minutes at 1,000,000 passages); the other waits for
    it, past the 30 s a writer waits, and then reads the log instead of failing."""
    server = {"NEWSQA_CHROMA__HOST": chroma_server.host, "NEWSQA_CHROMA__PORT": str(chroma_server.port)}
    site = FeedSite([entry(0)])
    try:
        FeedFollower(NewsIndex(shared(tmp_path / "a", server, "shared_rebuild")),
                     [FeedSetting(url=site.feed_url)]).poll(force=True)
        first, second = (NewsIndex(shared(tmp_path / "b", server, "shared_rebuild")) for _ in range(2))
        answers: list[list[str] | BaseException] = []

        def ask() -> None:
            try:
                answers.append(found(second, "harbour ferry"))
            except BaseException as exc:  # the reader's failure is the test's verdict
                answers.append(exc)

        with first._writing():  # the first reader's rebuild, held longer than a writer waits
            asking = threading.Thread(target=ask)
            asking.start()
            first.sync()
            time.sleep(32)
            assert asking.is_alive() and not answers  # still waiting, not failed
        asking.join(timeout=120)
        assert answers == [["Harbour news 1"]]
    finally:
        site.close()
