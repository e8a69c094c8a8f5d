"""Feed polling benchmark (not a test): what a poll costs when nothing changed.

Serves `--feeds` feeds of `--entries` teaser entries each on loopback (tests/feed_site.py: the
site answers If-None-Match with 304) and measures, side by side in one run:
- the reference: reading the same feeds again as `newsqa ingest FEED…` does (every feed and every
  entry page fetched, every article compared with the index);
- `FeedFollower`, first poll (everything new) and then a poll when nothing changed.
For each: requests made, of them answered 304, pages fetched, texts embedded, seconds.
Saves bench/results/watch_poll.md.

Run: .venv/bin/python bench/watch_poll.py [--feeds 20] [--entries 10]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from feed_site import TOPICS, Entry, FeedSite  # noqa: E402

from bench.common import write_table  # noqa: E402
from newsqa.index import IndexSettings, NewsIndex, load  # noqa: E402
from newsqa.index.embeddings import Embedder  # noqa: E402
from newsqa.index.follow import FeedFollower  # noqa: E402
from newsqa.index.settings import FeedSetting, FetchSettings, WatchSettings  # noqa: E402

EMBEDDED = [0]  # texts embedded, counted through Embedder.encode


def count_embedding() -> None:
    encode = Embedder.encode

    def counted(self, texts, *args, **kwargs):
        EMBEDDED[0] += len(texts)
        return encode(self, texts, *args, **kwargs)

    Embedder.encode = counted


def sites(feeds: int, entries: int) -> list[FeedSite]:
    made = []
    for f in range(feeds):
        items = []
        for e in range(entries):
            slug, text = TOPICS[(f + e) % len(TOPICS)]
            # Every article its own: feed and entry numbers in the text keep them apart.
            body = f"Report {f}-{e} from desk {f}. " + text.format(n=e + 1) + f" Filed by desk {f}, item {e}."
            items.append(Entry(slug=f"{slug}-{f}-{e}", title=f"{slug.title()} {f}-{e}", text=body * 3))
        made.append(FeedSite(items, title=f"Desk {f}"))
    return made


def measure(label: str, feeds: list[FeedSite], run) -> list[str]:
    hits_before = [sum(s.hits.values()) for s in feeds]
    not_modified_before = [s.not_modified for s in feeds]
    pages_before = [s.page_hits() for s in feeds]
    embedded_before = EMBEDDED[0]
    started = time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    requests = sum(sum(s.hits.values()) for s in feeds) - sum(hits_before)
    not_modified = sum(s.not_modified for s in feeds) - sum(not_modified_before)
    pages = sum(s.page_hits() for s in feeds) - sum(pages_before)
    return [label, f"{requests:,}", f"{not_modified:,}", f"{pages:,}", f"{EMBEDDED[0] - embedded_before:,}",
            f"{seconds:.2f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--entries", type=int, default=10)
    args = parser.parse_args()
    count_embedding()
    feeds = sites(args.feeds, args.entries)
    home = Path(tempfile.mkdtemp(prefix="newsqa-watch-bench-"))
    settings = IndexSettings(home=home / "home", fetch=FetchSettings(allow_private=True),
                             watch=WatchSettings(host_interval_s=0))
    index = NewsIndex(settings)
    follower = FeedFollower(index, [FeedSetting(url=s.feed_url) for s in feeds])
    urls = [s.feed_url for s in feeds]
    rows = [
        measure("first poll (all entries new)", feeds, lambda: follower.poll(force=True)),
        measure("poll, nothing changed", feeds, lambda: follower.poll(force=True)),
        measure("reference: `newsqa ingest FEED…` again", feeds,
                lambda: index.ingest(load(urls, settings.fetch))),
    ]
    for s in feeds:
        s.close()
    notes = [
        f"{args.feeds} feeds × {args.entries} teaser entries (each article's text on its page), all on one "
        "loopback host, `watch.host_interval_s` 0 (the default 1 s would pace requests to one host).",
        "requests: every GET the site answered (feeds, pages, robots.txt); 304: conditional requests "
        "answered 'not modified'; embedded: texts given to the embedding model.",
        "The reference reads every feed and page again and compares each article with the index (unchanged "
        "articles are not embedded again either); the follower's unchanged poll is one conditional request a feed.",
        f"Command: .venv/bin/python bench/watch_poll.py --feeds {args.feeds} --entries {args.entries}",
    ]
    write_table("watch_poll", "Following feeds: the cost of a poll when nothing changed",
                ["run", "requests", "304", "pages", "embedded", "seconds"], rows, notes)


if __name__ == "__main__":
    main()
