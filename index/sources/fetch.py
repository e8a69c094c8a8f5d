"""The guarded http(s) fetcher every URL goes through (CLI ingest, feeds, the Discord /ingest).

Guards: scheme http(s) only; every hop's host must resolve to public addresses unless
`allow_private`; redirects followed by hand so each hop is checked, at most `max_redirects`;
a timeout; a size cap enforced while streaming; and a content-type check.

Conditional requests: given the validators of an earlier answer (ETag, Last-Modified), the
server may answer 304 and the result says `not_modified` with no body. A 429 or 503 raises a
FetchError carrying the server's Retry-After.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx

from newsqa.errors import FetchError
from newsqa.index.settings import FetchSettings

TEXT_TYPES = (
    "text/html",
    "application/xhtml+xml",
    "text/plain",
    "text/markdown",
    "application/json",
    "application/x-ndjson",
    "application/jsonl",
    "application/rss+xml",
    "application/atom+xml",
    "application/xml",
    "text/xml",
    "application/rdf+xml",
    "application/feed+json",
)


@dataclass(frozen=True)
class Validators:
    """What a server said identifies its answer, sent back to ask "changed since?"."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        sent = {"If-None-Match": self.etag, "If-Modified-Since": self.last_modified}
        return {name: value for name, value in sent.items() if value}


@dataclass
class Fetched:
    """A fetched document: its final URL after redirects, content type and body; `not_modified`
    when a conditional request was answered 304 (then the body is empty)."""

    url: str
    content_type: str
    body: bytes
    validators: Validators = Validators()
    not_modified: bool = False

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def _address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_host_allowed(url: str, allow_private: bool) -> None:
    """Refuse non-http(s) URLs and hosts that resolve to private, loopback or link-local addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"{url}: only http and https URLs can be fetched")
    if not parts.hostname:
        raise FetchError(f"{url}: no host in URL")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise FetchError(f"{url}: cannot resolve host {parts.hostname} ({exc.strerror})") from None
    for info in infos:
        address = str(info[4][0])
        if not _address_is_public(address):
            raise FetchError(
                f"{url}: refused, {parts.hostname} resolves to non-public address {address} "
                "(set fetch.allow_private to allow it)"
            )


def fetch(
    url: str,
    settings: FetchSettings,
    accept: tuple[str, ...] = TEXT_TYPES,
    since: Validators | None = None,
) -> Fetched:
    """GET `url` within the guards; raise FetchError with a one-line reason on any failure.

    With `since`, the request is conditional and a 304 gives `Fetched(not_modified=True)`.
    """
    headers = {"User-Agent": settings.user_agent, "Accept": ", ".join(accept) + ";q=0.9, */*;q=0.1"}
    headers.update(since.headers() if since else {})
    current = url
    with httpx.Client(timeout=settings.timeout_s, follow_redirects=False, headers=headers) as client:
        for _ in range(settings.max_redirects + 1):
            check_host_allowed(current, settings.allow_private)
            try:
                with client.stream("GET", current) as response:
                    if response.is_redirect and response.status_code != 304:
                        location = response.headers.get("location")
                        if not location:
                            raise FetchError(f"{url}: redirect without a Location header")
                        current = urljoin(current, location)
                        continue
                    return _read_body(url, current, response, settings, accept)
            except httpx.TimeoutException:
                raise FetchError(f"{url}: timed out after {settings.timeout_s:g} s") from None
            except httpx.HTTPError as exc:
                raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from None
    raise FetchError(f"{url}: more than {settings.max_redirects} redirects")


def _read_body(
    url: str,
    final_url: str,
    response: httpx.Response,
    settings: FetchSettings,
    accept: tuple[str, ...],
) -> Fetched:
    validators = Validators(response.headers.get("etag"), response.headers.get("last-modified"))
    if response.status_code == 304:
        return Fetched(url=final_url, content_type="", body=b"", validators=validators, not_modified=True)
    if response.status_code >= 400:
        wait = retry_after_s(response.headers.get("retry-after")) if response.status_code in (429, 503) else None
        raise FetchError(f"{url}: HTTP {response.status_code} {response.reason_phrase}",
                         status=response.status_code, retry_after_s=wait)
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type and content_type not in accept:
        raise FetchError(f"{url}: unsupported content type {content_type}")
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > settings.max_bytes:
        raise FetchError(f"{url}: {int(declared):,} bytes is over the {settings.max_bytes:,}-byte cap")
    body = bytearray()
    for block in response.iter_bytes():
        body.extend(block)
        if len(body) > settings.max_bytes:
            raise FetchError(f"{url}: over the {settings.max_bytes:,}-byte cap")
    return Fetched(url=final_url, content_type=content_type, body=bytes(body), validators=validators)


def retry_after_s(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date; None if unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
