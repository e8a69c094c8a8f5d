"""Plain text and Markdown articles, with optional YAML front matter for the metadata."""

from __future__ import annotations

import re
from typing import Any

import frontmatter

from newsqa.index.article import Article, parse_published
from newsqa.index.sources.records import authors_from

MAX_HEADLINE_CHARS = 150
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")


def article_from_text(raw: str, fallback_title: str) -> Article:
    """Split front matter, take the title from it or from the first heading or line."""
    meta: dict[str, Any] = {}
    body = raw
    if raw.lstrip().startswith("---"):
        try:
            post = frontmatter.loads(raw)
            meta, body = dict(post.metadata), post.content
        except Exception:  # malformed front matter: keep the whole file as text
            meta, body = {}, raw
    title = str(meta.pop("title", "") or "").strip()
    lines = body.strip().splitlines()
    if not title and lines:
        heading = _HEADING.match(lines[0])
        if heading or _looks_like_headline(lines[0]):
            title = heading.group(1) if heading else lines[0].strip()
            lines = lines[1:]
        else:  # the text starts straight away: name it by its opening words, keep them in the text
            title = _opening_words(lines[0])
    text = "\n".join(lines).strip()
    if not title:
        title = fallback_title
    return Article(
        title=title[:500],
        text=text,
        url=_pop(meta, "url", "link") or None,
        source=_pop(meta, "source", "publisher", "outlet") or None,
        authors=authors_from(meta.pop("authors", None) or meta.pop("author", None)),
        published=parse_published(_pop(meta, "published", "date", "published_at")),
        extra={k: v for k, v in meta.items() if isinstance(v, (str, int, float, bool))},
    )


def _looks_like_headline(line: str) -> bool:
    line = line.strip()
    return 0 < len(line) <= MAX_HEADLINE_CHARS and not line.endswith((".", "!", "?", ":", ";", ","))


def _opening_words(line: str) -> str:
    words = line.split()
    title = " ".join(words[:12])
    return title + ("…" if len(words) > 12 else "")


def _pop(meta: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if meta.get(key) not in (None, ""):
            return meta.pop(key)
    return None
