"""Loaders: every format, and every kind of bad input named by the index issue."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import SAMPLES

from newsqa.index import Article, Problem, load
from newsqa.index.settings import FetchSettings

FETCH = FetchSettings(allow_private=True, timeout_s=2)


def load_all(*targets: str, **kwargs) -> tuple[list[Article], list[Problem]]:
    items = list(load(list(targets), kwargs.pop("fetch", FETCH), **kwargs))
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, Problem)]


def test_markdown_front_matter_gives_metadata():
    [article], problems = load_all(str(SAMPLES / "2025-03-04-bridge-vote.md"))
    assert not problems
    assert article.title.startswith("Millbrook council approves")
    assert article.source == "Millbrook Ledger"
    assert article.authors == ["Dana Okafor"]
    assert article.published == datetime(2025, 3, 4, 18, 30, tzinfo=timezone.utc)
    assert article.text.startswith("The Millbrook city council voted 7 to 2")


def test_text_title_from_heading_or_short_first_line(tmp_path: Path):
    (tmp_path / "a.md").write_text("# Storm closes ferry\n\nThe ferry stopped on Monday.\n")
    (tmp_path / "b.txt").write_text("Ferry back in service\nThe ferry resumed on Friday after repairs.\n")
    (tmp_path / "c.txt").write_text("The ferry resumed on Friday after repairs. It carries 300 cars.\n")
    articles, problems = load_all(str(tmp_path))
    assert not problems
    by_name = {Path(a.origin).name: a for a in articles}
    assert by_name["a.md"].title == "Storm closes ferry"
    assert by_name["a.md"].text == "The ferry stopped on Monday."
    assert by_name["b.txt"].title == "Ferry back in service"
    # A first line that is a sentence stays in the text; the title is made from its words.
    assert by_name["c.txt"].text.startswith("The ferry resumed on Friday")
    assert by_name["c.txt"].title.startswith("The ferry resumed")


def test_html_main_text_and_metadata():
    [article], problems = load_all(str(SAMPLES / "2025-03-14-heat-pumps.html"))
    assert not problems
    assert article.title == "Region's heat pump rebate runs out of money early"
    assert article.source == "Valley Energy Report"
    assert article.authors == ["Sam Whitlock"]
    assert article.published.date().isoformat() == "2025-03-14"
    assert "2,610 households" in article.text
    assert "Subscribe to our newsletter" not in article.text  # boilerplate left out


def test_json_records_map_common_field_names(tmp_path: Path):
    records = [
        {"headline": "A", "content": "Alpha text.", "link": "https://x.example/a",
         "source": {"id": "w", "name": "Wire"}, "publishedAt": "2025-01-02T03:04:05Z",
         "authors": [{"name": "Kim Lo"}], "section": "world"},
        {"title": "B", "body": "Beta text.", "url": "https://x.example/b", "outlet": "Post",
         "date": "2025/01/03", "author": "Ann; Bo"},
    ]
    (tmp_path / "list.json").write_text(json.dumps({"articles": records}))
    articles, problems = load_all(str(tmp_path / "list.json"))
    assert not problems
    a, b = articles
    assert (a.title, a.text, a.url, a.source, a.authors) == (
        "A", "Alpha text.", "https://x.example/a", "Wire", ["Kim Lo"])
    assert a.published == datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert a.extra == {"section": "world"}
    assert (b.source, b.authors, b.published.date().isoformat()) == ("Post", ["Ann", "Bo"], "2025-01-03")


def test_jsonl_records_and_malformed_line_number(tmp_path: Path):
    path = tmp_path / "wire.jsonl"
    path.write_text(
        '{"title": "One", "text": "First story."}\n'
        '{"title": "Two", "text": \n'
        '{"title": "Three", "text": "Third story."}\n'
    )
    articles, problems = load_all(str(path))
    assert [a.title for a in articles] == ["One", "Three"]
    [problem] = problems
    assert problem.item == f"{path}:2" and "line 2" in problem.message


def test_realtimeqa_gcs_records(tmp_path: Path):
    record = {"question_id": "20250103_0", "search_time": "2025/01/04/00:09", "search_result": [
        {"url": "https://www.usatoday.com/story/a", "title": "T1", "text": "Body one.", "authors": [],
         "publish_date": "2021/02/03"},
        {"url": "https://www.cnn.com/b", "title": "T2", "text": "Body two.", "authors": ["Al"],
         "publish_date": None},
    ]}
    (tmp_path / "20250103_gcs.jsonl").write_text(json.dumps(record) + "\n")
    articles, problems = load_all(str(tmp_path / "20250103_gcs.jsonl"))
    assert not problems
    assert [a.source for a in articles] == ["usatoday.com", "cnn.com"]
    assert articles[0].published.date().isoformat() == "2021-02-03"
    assert articles[1].published is None


def test_realtimeqa_week_from_shared_data(shared_data: Path):
    articles, problems = load_all(str(shared_data / "realtimeqa/2025/20250103_gcs.jsonl"))
    assert len(articles) > 50
    assert all(a.url and a.text for a in articles)
    assert all(p.message == "article has no text" for p in problems)


def test_directory_recursive_with_glob(tmp_path: Path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.md").write_text("# A\n\nText a.")
    (tmp_path / "b.txt").write_text("B\nText b.")
    (tmp_path / ".hidden.md").write_text("# H\n\nHidden.")
    articles, _ = load_all(str(tmp_path))
    assert sorted(a.title for a in articles) == ["A", "B"]
    articles, _ = load_all(str(tmp_path), glob="*.md")
    assert [a.title for a in articles] == ["A"]


def test_source_override(tmp_path: Path):
    articles, _ = load_all(str(SAMPLES / "wire-briefs.jsonl"), source="My Wire")
    assert {a.source for a in articles} == {"My Wire"}


# --- bad input: one clear problem each, the rest of the batch goes on -------------------------
def test_bad_files_each_reported_and_batch_goes_on(tmp_path: Path):
    good = tmp_path / "good.md"
    good.write_text("# Good\n\nA fine article.")
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02binary" * 10)
    (tmp_path / "notext.json").write_text(json.dumps({"title": "Only a title", "text": "  "}))
    (tmp_path / "broken-link.md").symlink_to(tmp_path / "nowhere.md")
    big = tmp_path / "big.html"
    big.write_bytes(b"<html><body><p>" + b"word " * 10_500_000 + b"</p></body></html>")
    articles, problems = load_all(str(tmp_path), str(tmp_path / "missing.txt"))
    assert [a.title for a in articles] == ["Good"]
    messages = {Path(p.item.split(":")[0]).name: p.message for p in problems}
    assert messages["empty.txt"] == "empty file"
    assert messages["binary.txt"] == "binary file, not text"
    assert messages["notext.json"] == "article has no text"
    assert messages["broken-link.md"] == "no such file or directory"
    assert messages["missing.txt"] == "no such file or directory"
    assert "over the 10,000,000-byte cap" in messages["big.html"]
    assert all("\n" not in p.message for p in problems)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path: Path):
    path = tmp_path / "secret.md"
    path.write_text("# S\n\nText.")
    path.chmod(0)
    _, [problem] = load_all(str(path))
    assert problem.message.startswith("cannot read")


def test_invalid_utf8_is_replaced_with_a_warning(tmp_path: Path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Café reopens\nThe café on Main Street reopened.".encode("latin-1"))
    [article], [warning] = load_all(str(path))
    assert warning.level == "warning" and "invalid UTF-8" in warning.message
    assert "\ufffd" in article.text and "reopened" in article.text


def test_feed_file_and_not_a_feed(tmp_path: Path, web: str):
    from conftest import _feed

    (tmp_path / "wire.rss").write_text(_feed("https://x.example", summary_only=False))
    (tmp_path / "fake.rss").write_text("just some words, no feed here")
    articles, problems = load_all(str(tmp_path / "wire.rss"), str(tmp_path / "fake.rss"))
    assert [a.title for a in articles] == ["Story 1", "Story 2"]
    assert articles[0].source == "Test Wire"
    assert articles[0].published.date().isoformat() == "2025-03-01"
    [problem] = problems
    assert problem.item.endswith("fake.rss") and problem.message.startswith("not an RSS/Atom feed")


# --- URLs, through the guarded fetcher --------------------------------------------------------
def test_url_article(web: str):
    [article], problems = load_all(f"{web}/article.html")
    assert not problems and "2,610 households" in article.text
    assert article.url == f"{web}/article.html"


def test_feed_url_fetches_pages_of_summary_only_entries(web: str):
    articles, problems = load_all(f"{web}/feed.xml")
    assert not problems
    assert [a.title for a in articles] == ["Story 1", "Story 2"]
    assert "reopened after 20 days" in articles[1].text
    assert articles[1].url == f"{web}/story2.html"


def test_url_failures_are_one_line_each(web: str):
    urls = [f"{web}/missing", f"{web}/loop", f"{web}/slow", f"{web}/big.html", f"{web}/notfeed.xml",
            f"{web}/image.png", f"{web}/article.html"]
    fetch = FetchSettings(allow_private=True, timeout_s=1, max_bytes=5_000_000)
    articles, problems = load_all(*urls, fetch=fetch)
    assert len(articles) == 1
    messages = {p.item.removeprefix(web): p.message for p in problems}
    assert messages["/missing"] == "HTTP 404 Not Found"
    assert messages["/loop"] == "more than 5 redirects"
    assert messages["/slow"] == "timed out after 1 s"
    assert messages["/big.html"] == "over the 5,000,000-byte cap"
    assert messages["/notfeed.xml"].startswith("not an RSS/Atom feed")
    assert messages["/image.png"] == "unsupported content type image/png"


def test_private_addresses_refused_unless_allowed(web: str):
    _, [problem] = load_all(f"{web}/article.html", fetch=FetchSettings())
    assert "non-public address 127.0.0.1" in problem.message
    for url in ("http://169.254.169.254/latest", "http://10.0.0.1/", "http://[::1]/", "file:///etc/passwd"):
        _, [problem] = load_all(url, fetch=FetchSettings())
        assert "refused" in problem.message or "only http and https" in problem.message
