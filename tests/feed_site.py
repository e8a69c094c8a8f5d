"""A news site on loopback whose feed changes between polls, for the tests of following feeds.

It answers conditional requests as a real site does (ETag and Last-Modified, 304 when unchanged)
and counts what it serves: GETs per path and 304 answers. An entry's page can be held (the request
waits until released) so a test can stop a watcher in the middle of a poll.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

TOPICS = [
    ("harbour", "The harbour of Port Elm reopened on Tuesday after {n}0 days of repairs to its sea wall, "
                "the port authority said, and the first ferry left at dawn with forty passengers aboard."),
    ("library", "The city library in Marlow will stay open until midnight from next month, the council "
                "decided in a vote of {n} to 2, after students asked for a quiet place to revise."),
    ("orchard", "Apple growers in the Tarn valley expect a harvest {n}0 percent smaller than last year "
                "because a late frost in April killed most of the blossom in the higher orchards."),
    ("tramway", "Work on the new tramway in Ostrava starts in {n} weeks, the transport office said, and "
                "the line will link the main station with the university campus by the end of next year."),
    ("glacier", "Scientists measured that the Morteratsch glacier lost {n} metres of length this summer, "
                "the largest retreat recorded since measurements began at the site in the 1870s."),
]


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        pass  # a client that hangs up early (the size cap) is expected here


# A wire story long enough to be compared for copies (`dedup.min_words`), about none of TOPICS' events
# but the tramway and the glacier.
WIRE = (TOPICS[3][1].format(n=1) + " Officials said the cost would be shared by the city and the region, and that "
        "tenders for the trams themselves would open in the spring. Residents of the districts along the "
        "route will be invited to public meetings in March, where engineers will present the plans for "
        "each of the nine stops and answer questions about noise and traffic. " + TOPICS[4][1].format(n=1))


@dataclass
class Entry:
    slug: str
    title: str
    text: str  # the page's article text
    summary: str = "A short teaser."
    page: bool = True  # False: the page answers 404


def entry(topic: int, n: int = 1) -> Entry:
    slug, text = TOPICS[topic]
    return Entry(slug=f"{slug}-{n}", title=f"{slug.title()} news {n}", text=text.format(n=n))


class FeedSite:
    """The site: `entries` is its feed, newest first; change it between polls."""

    def __init__(self, entries: list[Entry] | None = None, title: str = "Loopback News") -> None:
        self.entries = list(entries or [])
        self.title = title
        self.robots: str | None = "User-agent: *\nAllow: /\n"
        self.hits: Counter[str] = Counter()
        self.not_modified = 0
        self.feed_status: tuple[int, dict[str, str]] | None = None  # e.g. (503, {"Retry-After": "120"})
        self.feed_override: tuple[str, bytes] | None = None  # (content type, body)
        self.held: set[str] = set()  # slugs whose page waits for `release`
        self.page_status: dict[str, tuple[int, dict[str, str]]] = {}  # slug → (status, headers)
        self.holding = threading.Event()  # set when a held page has been asked for
        self.release = threading.Event()
        self._server = _QuietServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def feed_url(self) -> str:
        return f"{self.url}/feed.xml"

    def page_url(self, slug: str) -> str:
        return f"{self.url}/news/{slug}.html"

    def page_hits(self) -> int:
        return sum(n for path, n in self.hits.items() if path.startswith("/news/"))

    def close(self) -> None:
        self.release.set()
        self._server.shutdown()

    def feed_xml(self) -> bytes:
        items = "".join(
            f"<item><title>{escape(e.title)}</title><link>{self.page_url(e.slug)}</link>"
            f"<guid>{e.slug}</guid><description>{escape(e.summary)}</description></item>"
            for e in self.entries
        )
        return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{escape(self.title)}</title>'
                f"<link>{self.url}</link><description>news</description>{items}</channel></rss>").encode()

    def page_html(self, e: Entry) -> bytes:
        return (f"<html><head><title>{escape(e.title)}</title></head><body><article><h1>{escape(e.title)}</h1>"
                f"<p>{escape(e.text)}</p><p>{escape(e.text)}</p></article></body></html>").encode()

    def _handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def send(self, status: int, body: bytes, content_type: str = "text/html",
                     headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                site.hits[self.path] += 1
                if self.path == "/feed.xml":
                    self.feed()
                elif self.path == "/robots.txt":
                    if site.robots is None:
                        self.send(404, b"no robots.txt")
                    else:
                        self.send(200, site.robots.encode(), "text/plain")
                elif self.path.startswith("/news/"):
                    self.page(self.path.removeprefix("/news/").removesuffix(".html"))
                else:
                    self.send(404, b"not found")

            def feed(self) -> None:
                if site.feed_status:
                    status, headers = site.feed_status
                    self.send(status, b"unavailable", "text/plain", headers)
                    return
                if site.feed_override:
                    content_type, body = site.feed_override
                    self.send(200, body, content_type)
                    return
                body = site.feed_xml()
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    site.not_modified += 1
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send(200, body, "application/rss+xml",
                          {"ETag": etag, "Last-Modified": formatdate(usegmt=True)})

            def page(self, slug: str) -> None:
                found = next((e for e in site.entries if e.slug == slug and e.page), None)
                if found is None:
                    self.send(404, b"not found")
                    return
                if slug in site.page_status:
                    status, headers = site.page_status[slug]
                    self.send(status, b"slow down", "text/plain", headers)
                    return
                if slug in site.held:
                    site.holding.set()
                    site.release.wait(60)
                self.send(200, site.page_html(found))

        return Handler
