"""HTML pages: main text and metadata extracted with trafilatura."""

from __future__ import annotations

import trafilatura

from newsqa.errors import LoadError
from newsqa.index.article import Article, parse_published


def article_from_html(html: str | bytes, url: str | None, item: str) -> Article:
    """The article in an HTML page; LoadError when trafilatura finds no main text."""
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    if doc is None or not (doc.text or "").strip():
        raise LoadError(f"{item}: no article text found in the HTML")
    text = doc.text.strip()
    title = (doc.title or "").strip()
    # trafilatura keeps the headline as the text's first line; the title field already has it.
    first, _, rest = text.partition("\n")
    if title and first.strip() == title and rest.strip():
        text = rest.strip()
    authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
    return Article(
        title=title or first[:200],
        text=text,
        url=url or doc.url,
        source=doc.sitename or doc.hostname,
        authors=authors,
        published=parse_published(doc.date),
    )
