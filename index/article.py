"""The Article: one news story with a stable id and a content hash for change detection."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import htmldate
from dateutil import parser as dateparser

# htmldate logs every date it cannot use at WARNING; the caller decides what is worth saying.
logging.getLogger("htmldate").setLevel(logging.ERROR)

_TRACKING_PREFIXES = ("utm_", "fbclid", "gclid", "mc_", "ref")


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, drop fragment, tracking parameters and a trailing slash."""
    parts = urlsplit(url.strip())
    query = "&".join(
        p for p in parts.query.split("&") if p and not p.lower().startswith(_TRACKING_PREFIXES)
    )
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def parse_published(value: Any) -> datetime | None:
    """A timezone-aware datetime from a date string, a datetime or a unix time; UTC when naive.

    Unparseable values give None rather than an error: a missing date must not lose the article.
    """
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, (int, float)):
        parsed = datetime.fromtimestamp(value, tz=timezone.utc)
    else:
        try:
            parsed = dateparser.parse(str(value))
        except (ValueError, OverflowError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


_MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_WRITTEN_DATE = rf"{_MONTHS}\s+\d{{1,2}},?\s+(?:19|20)\d\d|\d{{1,2}}\s+{_MONTHS}\s+(?:19|20)\d\d"
# "Updated June 16, 2026", "Published: 16 June 2026" anywhere near the top; a dateline
# ("WASHINGTON, June 16, 2026 —", "June 16, 2026 -") at the very start.
_STAMP = re.compile(rf"\b(?:Updated|Published|Posted)(?:\s+on)?:?\s+({_WRITTEN_DATE})", re.IGNORECASE)
_DATELINE = re.compile(rf"^\s*(?:[A-Z][A-Za-z .'()-]{{0,40}},\s+)?({_WRITTEN_DATE})\s*(?:[—–-]|\(|$)")


def inferred_published(article: Article) -> tuple[datetime, str] | None:
    """For an undated article, the date its URL (/2026/06/16/), an "Updated June 16, 2026"
    line or its dateline gives, with which of them gave it; None when none does."""
    if article.url:
        found = htmldate.find_date("<html><body></body></html>", url=article.url, extensive_search=False)
        if found:
            return parse_published(found), "url"
    head = article.text[:600]
    for pattern, how in ((_STAMP, "updated line"), (_DATELINE, "dateline")):
        match = pattern.search(head)
        published = parse_published(match.group(1)) if match else None
        if published is not None:
            return published, how
    return None


def with_inferred_date(article: Article) -> Article:
    """The article, dated from its URL or text when it has no date of its own; the inferred
    date is recorded as such in `extra["published_inferred"]` (url, updated line, dateline)."""
    if article.published is not None:
        return article
    inferred = inferred_published(article)
    if inferred is None:
        return article
    published, how = inferred
    return replace(article, published=published, extra={**article.extra, "published_inferred": how})


# The mark in `Article.extra` on an article stored from its feed entry's summary because its page
# could not be had (index/sources/feeds.py); the manifest reads it for citations.
SUMMARY_ONLY = "summary_only"


def _digest(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


@dataclass
class Article:
    """A news article as the index stores it.

    >>> a = Article(title="Rates held", text="The bank kept rates.", url="https://x.test/a?utm_source=y")
    >>> a.id == Article(title="Other", text="", url="https://X.test/a/").id
    True
    """

    title: str
    text: str
    url: str | None = None
    source: str | None = None
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # Where it was loaded from (file, file:line, URL): for reports, not part of the content.
    origin: str | None = field(default=None, compare=False)

    @property
    def id(self) -> str:
        """Hash of the canonical URL, else of title and text: stable across re-ingests."""
        key = canonical_url(self.url) if self.url else _digest(self.title, self.text)
        return _digest(key)[:24]

    @property
    def content_hash(self) -> str:
        """Changes when anything a reader or the index would see changes."""
        published = self.published.isoformat() if self.published else ""
        return _digest(
            self.title,
            self.text,
            self.url or "",
            self.source or "",
            published,
            json.dumps(self.authors),
            json.dumps(self.extra, sort_keys=True, default=str),
        )[:32]
