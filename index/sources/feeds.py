"""RSS and Atom feeds: one article an entry, its page fetched when the entry holds only a summary."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import feedparser
import lxml.html

from newsqa.errors import LoadError
from newsqa.index.article import Article
from newsqa.index.settings import FetchSettings
from newsqa.index.sources.fetch import fetch
from newsqa.index.sources.html import article_from_html
from newsqa.index.sources.problems import Problem
from newsqa.index.sources.records import authors_from

# An entry whose own content is shorter than this is a teaser: the article is on its page.
FULL_TEXT_MIN_CHARS = 600


def looks_like_feed(head: bytes) -> bool:
    """Cheap sniff of a document's first bytes for RSS, Atom or RDF roots."""
    sample = head[:2048].lower()
    return any(tag in sample for tag in (b"<rss", b"<feed", b"<rdf:rdf"))


def articles_from_feed(
    body: bytes, item: str, fetch_settings: FetchSettings
) -> Iterator[Article | Problem]:
    """Every entry of the feed; an entry whose page cannot be fetched is a Problem."""
    parsed = feedparser.parse(body)
    if not parsed.entries:
        if looks_like_feed(body) and not parsed.bozo:
            yield Problem(item, "the feed has no entries", "warning")
        else:
            yield Problem(item, "not an RSS/Atom feed")
        return
    outlet = parsed.feed.get("title")
    for number, entry in enumerate(parsed.entries, start=1):
        label = entry.get("link") or f"{item}#entry{number}"
        try:
            article = _entry_article(entry, outlet, fetch_settings)
            article.origin = label
            yield article
        except LoadError as exc:
            yield Problem(label, str(exc).removeprefix(f"{label}: "))


def _entry_html(entry: feedparser.FeedParserDict) -> str:
    if entry.get("content"):
        return max((c.get("value", "") for c in entry.content), key=len)
    return entry.get("summary", "")


def _entry_article(
    entry: feedparser.FeedParserDict, outlet: str | None, fetch_settings: FetchSettings
) -> Article:
    link = entry.get("link")
    inline = _entry_html(entry)
    inline_text = _plain(inline)
    if len(inline_text) >= FULL_TEXT_MIN_CHARS or not link:
        article = Article(title=entry.get("title", "").strip(), text=inline_text, url=link)
    else:
        page = fetch(link, fetch_settings)
        article = article_from_html(page.body, page.url, link)
        article.url = link
    article.title = entry.get("title", "").strip() or article.title
    article.source = article.source or outlet
    article.authors = article.authors or authors_from(entry.get("authors") or entry.get("author"))
    published = entry.get("published_parsed") or entry.get("updated_parsed")
    if published and article.published is None:
        article.published = datetime(*published[:6], tzinfo=timezone.utc)
    return article


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
