"""JSON and JSONL records of articles, including RealTime QA weekly `*_gcs.jsonl` search results."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from newsqa.index.article import Article, parse_published
from newsqa.index.sources.problems import Problem

TITLE_KEYS = ("title", "headline", "name")
TEXT_KEYS = ("text", "body", "content", "article", "maintext", "description")
URL_KEYS = ("url", "link", "href", "canonical_url")
SOURCE_KEYS = ("source", "publisher", "outlet", "site_name", "sitename", "source_name")
DATE_KEYS = ("published", "published_at", "publish_date", "publishedAt", "date", "pubDate")
AUTHOR_KEYS = ("authors", "author", "byline")


def authors_from(value: Any) -> list[str]:
    """Authors from a list, a 'name; name' string, or a list of {"name": ...} objects."""
    if not value:
        return []
    if isinstance(value, str):
        return [a.strip() for a in value.replace(" and ", ";").split(";") if a.strip()]
    names = []
    for entry in value if isinstance(value, list) else [value]:
        name = entry.get("name") if isinstance(entry, dict) else entry
        if name and str(name).strip():
            names.append(str(name).strip())
    return names


def _first(record: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = record.get(key)
        if value not in (None, "", []):
            return value
    return None


def _source_name(value: Any) -> str | None:
    if isinstance(value, dict):  # NewsAPI-style {"id": ..., "name": ...}
        value = value.get("name")
    return str(value).strip() if value else None


def article_from_record(record: dict[str, Any], default_source: str | None = None) -> Article:
    """Map the common field names of article records onto an Article."""
    text = _first(record, TEXT_KEYS)
    if isinstance(text, list):
        text = "\n\n".join(str(p) for p in text)
    used = set(TITLE_KEYS + TEXT_KEYS + URL_KEYS + SOURCE_KEYS + DATE_KEYS + AUTHOR_KEYS)
    extra = {
        k: v for k, v in record.items() if k not in used and isinstance(v, (str, int, float, bool))
    }
    return Article(
        title=str(_first(record, TITLE_KEYS) or "").strip(),
        text=str(text or "").strip(),
        url=_first(record, URL_KEYS),
        source=_source_name(_first(record, SOURCE_KEYS)) or default_source,
        authors=authors_from(_first(record, AUTHOR_KEYS)),
        published=parse_published(_first(record, DATE_KEYS)),
        extra=extra,
    )


def _records_in(value: Any) -> list[Any]:
    """The article records inside one parsed JSON value."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        if isinstance(value.get("search_result"), list):  # RealTime QA weekly *_gcs.jsonl
            return value["search_result"]
        for key in ("articles", "items", "results", "data"):
            if isinstance(value.get(key), list):
                return value[key]
        return [value]
    return []


def articles_from_json_values(
    values: Iterator[tuple[str, Any] | Problem], default_source: str | None = None
) -> Iterator[Article | Problem]:
    """Articles from (item label, parsed JSON value) pairs; Problems pass through."""
    for parsed in values:
        if isinstance(parsed, Problem):
            yield parsed
            continue
        item, value = parsed
        for index, record in enumerate(_records_in(value)):
            label = item if index == 0 and not isinstance(value, list) else f"{item}#{index}"
            if not isinstance(record, dict):
                yield Problem(label, "not an article record (expected a JSON object)")
                continue
            article = _with_url_source(article_from_record(record, default_source))
            article.origin = label
            yield article


def _with_url_source(article: Article) -> Article:
    """Without a named outlet, the URL's host is the best source name a reader gets."""
    if not article.source and article.url:
        host = urlsplit(article.url).hostname or ""
        article.source = host.removeprefix("www.") or None
    return article


def parse_jsonl(text: str, item: str) -> Iterator[tuple[str, Any] | Problem]:
    """Parsed lines of a JSONL text; a malformed line is a Problem naming its line number."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield f"{item}:{number}", json.loads(line)
        except json.JSONDecodeError as exc:
            yield Problem(f"{item}:{number}", f"malformed JSON on line {number}: {exc.msg}")


def parse_json(text: str, item: str) -> Iterator[tuple[str, Any] | Problem]:
    """A .json file holding one record, a list, or an object wrapping a list; JSONL tolerated."""
    try:
        yield item, json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # several values, one a line: treat it as JSONL
            yield from parse_jsonl(text, item)
        else:
            yield Problem(item, f"malformed JSON at line {exc.lineno}: {exc.msg}")
