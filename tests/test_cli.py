"""The `newsqa` command as a user runs it: summaries, exit codes, JSON, stats, forget."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLES

NEWSQA = str(Path(sys.executable).with_name("newsqa"))


def newsqa(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, NEWSQA_HOME=str(home), HF_HUB_OFFLINE="1", COLUMNS="200")
    return subprocess.run([NEWSQA, *args], input=stdin, capture_output=True, text=True, env=env, timeout=300)


def _ingested_home(path: Path) -> Path:
    run = newsqa(path, "ingest", str(SAMPLES))
    assert run.returncode == 0, run.stderr
    return path


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """The sample articles, ingested once; the tests that use it only read it."""
    return _ingested_home(tmp_path_factory.mktemp("cli") / "home")


def test_ingest_summary_and_failures(tmp_path: Path):
    home = tmp_path / "home"
    (tmp_path / "empty.md").write_text("")
    run = newsqa(home, "ingest", str(SAMPLES), str(tmp_path / "empty.md"))
    assert run.returncode == 1  # one item failed
    assert "added 6 · updated 0 · unchanged 0 · duplicates 0 · copies 0 · failed 1" in run.stdout
    assert f"failed  {tmp_path / 'empty.md'}: empty file" in run.stderr
    again = newsqa(home, "ingest", str(SAMPLES))
    assert again.returncode == 0
    assert "added 0 · updated 0 · unchanged 6" in again.stdout


def test_search_json(home: Path):
    run = newsqa(home, "search", "Who will start in goal for Millbrook Rovers?", "-k", "2", "--json")
    assert run.returncode == 0, run.stderr
    hits = json.loads(run.stdout)
    assert len(hits) == 2
    assert set(hits[0]) == {"article_id", "chunk_id", "title", "source", "url", "published", "text",
                            "start", "end", "score", "carried_by"}
    assert "Tomasz Wilk" in hits[0]["text"]
    assert hits[0]["published"].startswith("2025-03-14")


def test_search_filters_and_text_output(home: Path):
    run = newsqa(home, "search", "strike", "--source", "coastal wire", "--until", "2025-03-13")
    assert run.returncode == 0, run.stderr
    assert "Port of Kessel dock workers end nine-day strike" in run.stdout
    assert "Lumen Nine" not in run.stdout  # same outlet, published after --until
    bad = newsqa(home, "search", "strike", "--since", "not a date")
    assert bad.returncode == 2
    assert bad.stderr.strip() == "error: --since: cannot read 'not a date' as a date (try 2025-01-31)"


def test_stats(home: Path):
    run = newsqa(home, "stats", "--json")
    data = json.loads(run.stdout)
    assert data["articles"] == 6
    assert data["sources"] == {"Millbrook Ledger": 3, "Coastal Wire": 2, "Valley Energy Report": 1}
    assert data["published_first"].startswith("2025-03-04") and data["published_last"].startswith("2025-03-15")
    assert data["embedding_model"] == "all-MiniLM-L6-v2" and data["store_mode"] == "embedded"


def test_forget_then_search(tmp_path: Path):
    home = _ingested_home(tmp_path / "home")
    run = newsqa(home, "forget", "--source", "Valley Energy Report")
    assert run.returncode == 0 and "forgot 1 article" in run.stdout
    hits = json.loads(newsqa(home, "search", "heat pump rebate", "--json").stdout)
    assert all(h["source"] != "Valley Energy Report" for h in hits)
    assert newsqa(home, "forget").returncode == 2


def test_empty_index_says_how_to_ingest(tmp_path: Path):
    run = newsqa(tmp_path / "empty-home", "search", "anything")
    assert run.returncode == 2
    assert "is empty; add articles first: newsqa ingest PATH_OR_URL" in run.stderr


def test_ask_json_and_text(home: Path):
    run = newsqa(home, "ask", "How many clean sheets did Tomasz Wilk keep last season?", "--llm", "none", "--json")
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert set(answer) >= {"question", "standalone_question", "answer", "short_answer", "abstained", "citations",
                           "retrieved", "timings", "tokens_in", "tokens_out", "provider", "model", "as_of"}
    assert "14 clean sheets" in answer["answer"] and answer["citations"][0]["source"] == "Millbrook Ledger"
    text = newsqa(home, "ask", "How many clean sheets did Tomasz Wilk keep last season?", "--llm", "none")
    lines = text.stdout.splitlines()
    assert "14 clean sheets" in lines[0] and "[1]" in lines[0]
    assert any(line.startswith("[1] Millbrook Rovers sign goalkeeper Tomasz Wilk") for line in lines)
    empty = newsqa(home, "ask", "   ", "--llm", "none")
    assert empty.returncode == 2 and empty.stderr.strip() == "error: the question is empty"


def test_chat_keeps_the_conversation(home: Path):
    script = ("Which goalkeeper did Millbrook Rovers sign?\nHow many clean sheets did he keep?\n"
              "/sources\n/reset\n/sources\n/quit\n")
    run = newsqa(home, "chat", "--llm", "none", stdin=script)
    assert run.returncode == 0, run.stderr
    assert "14 clean sheets" in run.stdout  # the follow-up found the goalkeeper story
    assert "[1] Millbrook Rovers sign goalkeeper" in run.stdout  # /sources
    assert "Conversation reset." in run.stdout and "No sources yet." in run.stdout


def test_ask_streams_tokens_then_the_checked_answer(home: Path):
    run = newsqa(home, "ask", "Which goalkeeper did Millbrook Rovers sign?", "--llm", "test", "--stream")
    assert run.returncode == 0, run.stderr
    assert run.stderr.strip()  # the model's tokens, as they came
    first = run.stdout.splitlines()[0]
    assert first == "I don't know." or "[1]" in first  # then the verified answer


def test_ask_says_which_news_the_questions_time_searched(home: Path):
    run = newsqa(home, "ask", "What did the Millbrook council approve this week?", "--llm", "none",
                 "--as-of", "2025-03-15")
    assert run.returncode == 0, run.stderr
    assert "Searched news from 8–15 March 2025 first (“this week”), then older news." in run.stdout
    assert ("note: The cited article was published on 4 March 2025, before the time the question names "
            "(8–15 March 2025): it may report an earlier event.") in " ".join(run.stdout.split())
    answer = json.loads(newsqa(home, "ask", "What did the Millbrook council approve this week?", "--llm", "none",
                               "--as-of", "2025-03-15", "--json").stdout)
    assert answer["time_window"]["phrase"] == "this week" and answer["time_window"]["used"] == "prefer"
