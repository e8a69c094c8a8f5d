"""RSS and Atom feeds: one article an entry, its page fetched when the entry holds only a summary.

When that page cannot be had, the entry's own summary can stand in for it (`summary_article`):
the article is marked `extra["summary_only"]` and citations say "summary from the feed"; the
watcher (index/follow.py) keeps the entry (`entry_record`) to try its page again later."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

import feedparser
import lxml.html

from newsqa.errors import LoadError
from newsqa.index.article import SUMMARY_ONLY, Article
from newsqa.index.settings import FetchSettings
from newsqa.index.sources.fetch import Fetched, fetch
from newsqa.index.sources.html import article_from_html
from newsqa.index.sources.problems import Problem
from newsqa.index.sources.records import authors_from

# An entry whose own content is shorter than this is a teaser: the article is on its page.
FULL_TEXT_MIN_CHARS = 600
# What of a feedparser entry building its article reads: kept to build it again later.
_ENTRY_FIELDS = ("title", "link", "summary", "content", "author", "authors", "published_parsed", "updated_parsed")


def looks_like_feed(head: bytes) -> bool:
    """Cheap sniff of a document's first bytes for RSS, Atom or RDF roots."""
    sample = head[:2048].lower()
    return any(tag in sample for tag in (b"<rss", b"<feed", b"<rdf:rdf"))


# The start of an RSS item or Atom entry, to count entries before feedparser reads them all.
_ENTRY_START = re.compile(rb"<(?:item|entry)[\s>/]", re.IGNORECASE)

# Fetches an entry's page (the guarded fetcher, or a polite one that also honours robots.txt).
PageFetcher = Callable[[str], Fetched]


@dataclass
class FeedEntry:
    """One entry of a parsed feed: a stable key, and a fingerprint that changes when it does."""

    key: str
    label: str
    fingerprint: str
    raw: feedparser.FeedParserDict


@dataclass
class ParsedFeed:
    outlet: str | None
    entries: list[FeedEntry]
    capped: int  # entries left unread beyond `max_entries` (0 when none)


def parse_feed(body: bytes, item: str, max_entries: int | None = None) -> ParsedFeed:
    """The feed's entries, at most `max_entries` of them (the first ones: feeds list the newest
    first); LoadError when the body is not an RSS/Atom feed."""
    body, capped = _first_entries(body, max_entries)
    parsed = feedparser.parse(body)
    if not parsed.entries and not (looks_like_feed(body) and not parsed.bozo):
        raise LoadError(f"{item}: not an RSS/Atom feed")
    entries = []
    for number, entry in enumerate(parsed.entries, start=1):
        label = entry.get("link") or f"{item}#entry{number}"
        key = entry.get("id") or entry.get("link") or f"{entry.get('title', '')}#{number}"
        entries.append(FeedEntry(key=key, label=label, fingerprint=_fingerprint(entry), raw=entry))
    return ParsedFeed(parsed.feed.get("title"), entries, capped)


def _first_entries(body: bytes, max_entries: int | None) -> tuple[bytes, int]:
    """The body cut before its (max_entries + 1)-th entry, so a feed of 100,000 entries costs
    what one of `max_entries` does; feedparser reads the unclosed rest leniently."""
    if not max_entries:
        return body, 0
    starts = [m.start() for m in _ENTRY_START.finditer(body)]
    if len(starts) <= max_entries:
        return body, 0
    return body[: starts[max_entries]], len(starts) - max_entries


def _fingerprint(entry: feedparser.FeedParserDict) -> str:
    """What a reader of the feed would notice changing: title, link, dates, summary, content."""
    seen = [entry.get(k) for k in ("title", "link", "updated", "published", "summary")]
    seen.append([c.get("value") for c in entry.get("content", [])])
    return hashlib.sha256(json.dumps(seen, default=str).encode()).hexdigest()[:24]


def articles_from_feed(
    body: bytes, item: str, fetch_settings: FetchSettings
) -> Iterator[Article | Problem]:
    """Every entry of the feed; an entry whose page cannot be fetched is a Problem."""
    try:
        feed = parse_feed(body, item)
    except LoadError as exc:
        yield Problem(item, str(exc).removeprefix(f"{item}: "))
        return
    if not feed.entries:
        yield Problem(item, "the feed has no entries", "warning")
        return
    for entry in feed.entries:
        try:
            yield article_from_entry(entry, feed.outlet, lambda url: fetch(url, fetch_settings))
        except LoadError as exc:
            yield Problem(entry.label, str(exc).removeprefix(f"{entry.label}: "))


def article_from_entry(entry: FeedEntry, outlet: str | None, fetch_page: PageFetcher) -> Article:
    """The entry's article: its own content when full, else its page's (LoadError if that fails)."""
    article = _entry_article(entry.raw, outlet, fetch_page)
    article.origin = entry.label
    return article


def summary_article(entry: FeedEntry, outlet: str | None) -> Article | None:
    """The article as the entry itself gives it (title, summary, date, link), marked as a summary,
    for when its page cannot be had; None when the entry has no text of its own."""
    raw = entry.raw
    text = _plain(_entry_html(raw))
    if not text:
        return None
    article = Article(title=raw.get("title", "").strip(), text=text, url=raw.get("link"))
    article.source = outlet or urlsplit(article.url or "").hostname
    article.authors = authors_from(raw.get("authors") or raw.get("author"))
    article.published = _published(raw)
    article.extra = {SUMMARY_ONLY: True}
    article.origin = entry.label
    return article


def entry_record(entry: FeedEntry) -> str:
    """The entry as JSON, enough to build its article again (`entry_from_record`)."""
    kept = {k: entry.raw.get(k) for k in _ENTRY_FIELDS if entry.raw.get(k) is not None}
    for k in ("published_parsed", "updated_parsed"):
        if k in kept:
            kept[k] = list(kept[k])[:6]
    return json.dumps({"key": entry.key, "label": entry.label, "fingerprint": entry.fingerprint, "raw": kept},
                      default=str)


def entry_from_record(record: str) -> FeedEntry:
    data = json.loads(record)
    raw = feedparser.FeedParserDict(data["raw"])
    if raw.get("content"):
        raw["content"] = [feedparser.FeedParserDict(c) for c in raw["content"]]
    return FeedEntry(key=data["key"], label=data["label"], fingerprint=data["fingerprint"], raw=raw)


def _published(entry: feedparser.FeedParserDict) -> datetime | None:
    published = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime(*published[:6], tzinfo=timezone.utc) if published else None


def _entry_html(entry: feedparser.FeedParserDict) -> str:
    if entry.get("content"):
        return max((c.get("value", "") for c in entry.content), key=len)
    return entry.get("summary", "")


def _entry_article(entry: feedparser.FeedParserDict, outlet: str | None, fetch_page: PageFetcher) -> Article:
    link = entry.get("link")
    inline = _entry_html(entry)
    inline_text = _plain(inline)
    if len(inline_text) >= FULL_TEXT_MIN_CHARS or not link:
        article = Article(title=entry.get("title", "").strip(), text=inline_text, url=link)
    else:
        page = fetch_page(link)
        article = article_from_html(page.body, page.url, link)
        article.url = link
    article.title = entry.get("title", "").strip() or article.title
    if outlet and _named_by_host_only(article.source, link):
        article.source = outlet  # the feed's title names the outlet better than its host name
    article.authors = article.authors or authors_from(entry.get("authors") or entry.get("author"))
    if article.published is None:
        article.published = _published(entry)
    return article


def _named_by_host_only(source: str | None, link: str | None) -> bool:
    """True when the page gave no outlet name of its own, only its host's."""
    if not source:
        return True
    parts = urlsplit(link or "")
    hosts = {parts.netloc.lower(), (parts.hostname or "").lower()}
    return source.lower() in hosts | {h.removeprefix("www.") for h in hosts}


def _plain(html: str) -> str:
    """Text of an entry's HTML content, paragraphs kept as lines."""
    if "<" not in html:
        return html.strip()
    try:
        root = lxml.html.fromstring(html)
    except Exception:
        return html.strip()
    blocks = [b.text_content().strip() for b in root.iter("p", "li", "h1", "h2", "h3", "blockquote")]
    text = "\n".join(b for b in blocks if b)
    return text or root.text_content().strip()
