"""Server mode against a real `chroma run` on loopback, a second machine, and a dead server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLES, free_port

from newsqa.index import Filters, IndexSettings, NewsIndex, StoreUnavailable, load
from newsqa.index.settings import ChromaSettings

pytestmark = pytest.mark.server


def server_settings(home: Path, chroma: ChromaSettings, collection: str) -> IndexSettings:
    return IndexSettings(home=home, chroma=chroma.model_copy(update={"collection": collection}))


def test_ingest_and_search_on_a_chroma_server(tmp_path: Path, chroma_server: ChromaSettings):
    settings = server_settings(tmp_path / "a", chroma_server, "server-basic")
    index = NewsIndex(settings)
    report = index.ingest(load([str(SAMPLES)], settings.fetch))
    assert report.ok and report.added == 6
    assert not (settings.home / "chroma").exists()  # nothing embedded: vectors are on the server
    [hit] = index.search("How long did the Port of Kessel strike last?", k=1)
    assert "nine-day strike" in hit.text
    assert index.stats().store_location == f"http://127.0.0.1:{chroma_server.port}"


def test_second_machine_builds_its_lexical_index_from_the_server(tmp_path: Path, chroma_server):
    first = NewsIndex(server_settings(tmp_path / "first", chroma_server, "server-shared"))
    first.ingest(load([str(SAMPLES)], first.settings.fetch))
    query = "How much was the heat pump rebate?"
    expected = [h.chunk_id for h in first.search(query, k=4)]
    second = NewsIndex(server_settings(tmp_path / "second", chroma_server, "server-shared"))
    # Its own manifest starts empty: the first search syncs it from the server, no rebuild needed.
    assert [h.chunk_id for h in second.search(query, k=4)] == expected
    assert second.rebuild() == 6
    assert [h.chunk_id for h in second.search(query, k=4)] == expected
    assert second.lexical.search("heat pump rebate", 5, Filters())


def test_chroma_server_down_writes_nothing(tmp_path: Path):
    dead = ChromaSettings(mode="server", host="127.0.0.1", port=free_port(), timeout_s=2)
    settings = IndexSettings(home=tmp_path / "home", chroma=dead)
    index = NewsIndex(settings)
    with pytest.raises(StoreUnavailable, match=rf"cannot reach the Chroma server at http://127.0.0.1:{dead.port}"):
        index.ingest(load([str(SAMPLES)], settings.fetch))
    assert index.stats().articles == 0
    assert index.manifest.pending() == []


def test_cli_reports_a_dead_server_in_one_line(tmp_path: Path):
    env = {"NEWSQA_HOME": str(tmp_path / "home"), "NEWSQA_CHROMA__MODE": "server",
           "NEWSQA_CHROMA__PORT": str(free_port()), "NEWSQA_CHROMA__HOST": "127.0.0.1",
           "HF_HUB_OFFLINE": "1", "PATH": str(Path(sys.executable).parent)}
    run = subprocess.run([str(Path(sys.executable).with_name("newsqa")), "ingest", str(SAMPLES)],
                         capture_output=True, text=True, env=env)
    assert run.returncode == 2
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: cannot reach the Chroma server")
    assert "Traceback" not in run.stderr
