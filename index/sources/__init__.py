"""Sources: paths, directories, URLs and feeds in; Articles (or Problems naming the item) out.

Every item is loaded on its own: a bad file, record, entry or URL becomes a `Problem` and the
rest of the batch goes on.

>>> from newsqa.index.settings import FetchSettings
>>> [type(x).__name__ for x in load(["/no/such/file.txt"], FetchSettings())]
['Problem']
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from newsqa.errors import LoadError
from newsqa.index.article import Article
from newsqa.index.settings import FetchSettings
from newsqa.index.sources.feeds import articles_from_feed, looks_like_feed
from newsqa.index.sources.fetch import fetch
from newsqa.index.sources.html import article_from_html
from newsqa.index.sources.problems import Problem
from newsqa.index.sources.records import articles_from_json_values, parse_json, parse_jsonl
from newsqa.index.sources.text import article_from_text

__all__ = ["Problem", "load", "KNOWN_SUFFIXES"]

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
FEED_SUFFIXES = {".rss", ".atom", ".xml"}
KNOWN_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | FEED_SUFFIXES | {".json", ".jsonl", ".ndjson"}
# Record files (.json/.jsonl) are whole corpora and have no cap; single documents do.
SINGLE_DOCUMENT_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | FEED_SUFFIXES


def load(
    targets: Iterable[str],
    fetch_settings: FetchSettings,
    glob: str | None = None,
    source: str | None = None,
) -> Iterator[Article | Problem]:
    """Load every target: a file, a directory (recursively, filtered by `glob`) or an http(s) URL.

    `source` names the outlet of every article loaded, overriding what the item says.
    """
    for target in targets:
        if target.startswith(("http://", "https://")):
            loaded = _load_url(target, fetch_settings)
        elif "://" in target:
            loaded = iter([Problem(target, "only http and https URLs can be fetched")])
        else:
            loaded = _load_path(Path(target), fetch_settings, glob)
        for result in loaded:
            yield _finish(result, source) if isinstance(result, Article) else result


def _finish(article: Article, source: str | None) -> Article | Problem:
    if source:
        article.source = source
    if not article.text.strip():
        return Problem(article.origin or article.url or article.title or "record", "article has no text")
    if not article.title.strip():
        article.title = " ".join(article.text.split()[:12])
    return article


def _load_path(path: Path, fetch_settings: FetchSettings, glob: str | None) -> Iterator[Article | Problem]:
    if path.is_dir():
        pattern = glob or "*"
        files = sorted(
            p for p in path.rglob(pattern) if (p.is_file() or p.is_symlink()) and not _hidden(p, path)
        )
        if not glob:
            files = [p for p in files if p.suffix.lower() in KNOWN_SUFFIXES]
        if not files:
            yield Problem(str(path), f"no article files matching {pattern!r} in this directory")
        for file in files:
            yield from _load_file(file, fetch_settings)
    else:
        yield from _load_file(path, fetch_settings)


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _load_file(path: Path, fetch_settings: FetchSettings) -> Iterator[Article | Problem]:
    item = str(path)
    try:
        if not path.is_file():
            missing = not path.exists()
            yield Problem(item, "no such file or directory" if missing else "not a regular file")
            return
        suffix = path.suffix.lower()
        size = path.stat().st_size
        if suffix in SINGLE_DOCUMENT_SUFFIXES and size > fetch_settings.max_bytes:
            yield Problem(item, f"{size:,} bytes is over the {fetch_settings.max_bytes:,}-byte cap")
            return
        body = path.read_bytes()
    except OSError as exc:
        yield Problem(item, f"cannot read: {exc.strerror or exc}")
        return
    yield from _load_document(body, item, suffix, None, fetch_settings)


def _load_url(url: str, fetch_settings: FetchSettings) -> Iterator[Article | Problem]:
    try:
        fetched = fetch(url, fetch_settings)
    except LoadError as exc:
        yield Problem(url, str(exc).removeprefix(f"{url}: "))
        return
    suffix = _suffix_for_content_type(fetched.content_type)
    yield from _load_document(fetched.body, url, suffix, fetched.url, fetch_settings)


def _suffix_for_content_type(content_type: str) -> str:
    if "json" in content_type:
        return ".jsonl" if "ndjson" in content_type or "jsonl" in content_type else ".json"
    if any(t in content_type for t in ("rss", "atom", "rdf", "xml")) and "xhtml" not in content_type:
        return ".xml"
    if content_type in ("text/plain", "text/markdown"):
        return ".txt"
    return ".html"


def _load_document(
    body: bytes, item: str, suffix: str, url: str | None, fetch_settings: FetchSettings
) -> Iterator[Article | Problem]:
    """Route one document's bytes to the loader its suffix (or content) calls for."""
    if not body.strip():
        yield Problem(item, "empty file")
        return
    if b"\x00" in body[:8192]:
        yield Problem(item, "binary file, not text")
        return
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = body.decode("utf-8", errors="replace")
        yield Problem(item, f"invalid UTF-8 at byte {exc.start}; undecodable bytes replaced", "warning")
    text = text.removeprefix("\ufeff")
    kind = _kind(suffix, body)
    try:
        if kind == "feed":
            yield from articles_from_feed(body, item, fetch_settings)
        elif kind == "html":
            yield _labelled(article_from_html(text, url, item), item)
        elif kind == "json":
            yield from articles_from_json_values(parse_json(text, item))
        elif kind == "jsonl":
            yield from articles_from_json_values(parse_jsonl(text, item))
        else:
            article = article_from_text(text, fallback_title=Path(item).stem)
            article.url = article.url or url
            yield _labelled(article, item)
    except LoadError as exc:
        yield Problem(item, str(exc).removeprefix(f"{item}: "))


def _labelled(article: Article, item: str) -> Article:
    article.origin = article.origin or item
    return article


def _kind(suffix: str, body: bytes) -> str:
    if suffix in FEED_SUFFIXES:
        return "feed"
    if suffix in HTML_SUFFIXES:
        return "feed" if looks_like_feed(body) else "html"
    if suffix == ".json":
        return "json"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in TEXT_SUFFIXES:
        return "text"
    head = body.lstrip()[:1]
    if looks_like_feed(body):
        return "feed"
    if head == b"<":
        return "html"
    if head in (b"{", b"["):
        return "json"
    return "text"
