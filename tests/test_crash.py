"""An ingest killed with SIGKILL at any moment leaves the index consistent once re-run."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_index import assert_consistent

from newsqa.index import IndexSettings, NewsIndex

HELPER = Path(__file__).with_name("crash_ingest.py")


def start(home: Path, version: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(HELPER), str(home), version],
        stdout=subprocess.PIPE, text=True, cwd=HELPER.parent,
    )


def wait_for(proc: subprocess.Popen, prefix: str, count: int = 1) -> None:
    seen = 0
    for line in proc.stdout:
        if line.startswith(prefix):
            seen += 1
            if seen == count:
                return
    pytest.fail(f"helper ended before {count} × {prefix!r}")


def fresh_index(home: Path) -> NewsIndex:
    """An index opened as a new process would: Chroma caches open databases per process."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    return NewsIndex(IndexSettings(home=home))


def assert_no_half_article_visible(home: Path) -> None:
    index = fresh_index(home)
    try:
        rows = index.manifest._rows(
            "SELECT a.n_chunks, COUNT(c.id) FROM articles a JOIN chunks c ON c.article_id = a.id GROUP BY a.id"
        )
        assert all(n == counted for n, counted in rows)
        visible = index.manifest.all_chunk_ids()
        for hit in index.search("river ferry people", k=20):
            assert hit.chunk_id in visible
        # Every article the manifest lists has all its chunks in Chroma.
        stored = set(index.store.collection.get(include=[])["ids"])
        assert visible <= stored
    finally:
        index.close()


@pytest.mark.slow
def test_kill_9_at_random_moments_then_rerun(tmp_path: Path):
    home = tmp_path / "home"
    rng = random.Random(7)
    # Kill a first ingest, then several ingests of a changed corpus, each at a random moment.
    for round_number, version in enumerate(["v1", "v1", "v2", "v2", "v3"]):
        proc = start(home, version)
        wait_for(proc, "ready")
        if round_number % 2:
            wait_for(proc, "batch", rng.randint(1, 3))
        time.sleep(rng.uniform(0.0, 1.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert_no_half_article_visible(home)
    proc = start(home, "v3")
    wait_for(proc, "done")
    proc.wait(timeout=300)
    assert proc.returncode == 0
    index = fresh_index(home)
    assert index.stats().articles == 240
    assert_consistent(index)
    versions = {v for _, v in index.manifest._rows("SELECT id, version FROM articles")}
    assert len(versions) == 240  # one version of each article
    hits = index.search("Report 17 river ferry", k=5)
    assert all("(v3)" in h.text for h in hits)
    # A further run finds nothing to do.
    proc = start(home, "v3")
    out = proc.communicate(timeout=300)[0]
    assert "done 0 0 240" in out
