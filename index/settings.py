"""Settings of the index layer: the store, the embedding model, chunking, fetching and search.

The one configuration object of the project (`bot.config.Settings`) holds an `IndexSettings`;
the index layer takes it explicitly and never reads the environment itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import BaseModel, Field, field_validator


def default_home() -> Path:
    """Per-user data directory used when NEWSQA_HOME is not set."""
    return Path(platformdirs.user_data_dir("newsqa", appauthor=False))


class ChromaSettings(BaseModel):
    """Where the vectors live: an embedded PersistentClient or a Chroma server."""

    mode: Literal["embedded", "server"] = "embedded"
    host: str = "localhost"
    port: int = 8000
    ssl: bool = False
    headers: dict[str, str] = Field(default_factory=dict)
    collection: str = "newsqa"
    timeout_s: float = 10.0
    # Server mode: how often a process reads the change log other writers publish, so that their
    # ingests and forgets reach its manifest and lexical index (checked before a search or stats).
    sync_every_s: float = 30.0
    # How long the change log keeps an entry; a process that has not synced for longer rebuilds.
    log_keep_days: float = 7.0

    @property
    def url(self) -> str:
        """The server's address, as users see it in messages and stats."""
        return f"{'https' if self.ssl else 'http'}://{self.host}:{self.port}"


class FetchSettings(BaseModel):
    """Limits of the guarded http(s) fetcher."""

    timeout_s: float = 10.0
    max_bytes: int = 10_000_000
    max_redirects: int = 5
    allow_private: bool = False
    user_agent: str = "newsqa/0.1 (+news question answering)"


class FeedSetting(BaseModel):
    """One followed feed: its URL, optionally the outlet to name and its own poll interval."""

    url: str
    source: str | None = None
    every_s: float | None = Field(default=None, gt=0)


class WatchSettings(BaseModel):
    """Feeds followed on a schedule (`newsqa watch`, and `serve`/`discord` when feeds are set)."""

    feeds: list[FeedSetting] = Field(default_factory=list)
    every_s: float = Field(default=900.0, gt=0)
    host_interval_s: float = Field(default=1.0, ge=0)  # at least this long between two requests to one host
    max_entries: int = 200  # entries read from one feed body (newest first); the rest are ignored
    max_backoff_s: float = 21_600.0  # a failing feed is retried at most this far apart (6 h)
    robots_ttl_s: float = 86_400.0  # how long a host's robots.txt is trusted

    @field_validator("feeds", mode="before")
    @classmethod
    def _urls_alone(cls, value: object) -> object:
        """A feed may be given as its URL alone."""
        if isinstance(value, list):
            return [{"url": item} if isinstance(item, str) else item for item in value]
        return value


class DedupSettings(BaseModel):
    """Syndicated copies: a new article this similar to a stored one is recorded as its copy."""

    enabled: bool = True
    # Shorter texts are never merged: a failed extraction (a page's boilerplate) reads the same on
    # every page of a site.
    min_words: int = 100
    # Estimated Jaccard similarity of 5-word shingles (MinHash); chosen in bench/near_duplicates.py.
    threshold: float = 0.7
    shingle_words: int = 5
    permutations: int = 128


class SearchSettings(BaseModel):
    """Hybrid search: fusion, diversity and recency."""

    k: int = 8
    candidates: int = 50
    rrf_k: int = 60
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    max_chunks_per_article: int = 2
    recency_half_life_days: float = 30.0
    recency_weight: float = 0.1


class IndexSettings(BaseModel):
    """Everything the index layer needs; `home` holds the manifest and the embedded Chroma."""

    home: Path = Field(default_factory=default_home)
    embedding_model: str = "all-MiniLM-L6-v2"
    embedding_device: str = "cpu"
    embed_batch_size: int = 64
    # Chunks embedded and written together: big enough for efficient batches, small enough that
    # an interrupted ingest loses little work.
    write_batch_chunks: int = 512
    chunk_tokens: int = 160
    chunk_overlap_tokens: int = 40
    chroma: ChromaSettings = Field(default_factory=ChromaSettings)
    fetch: FetchSettings = Field(default_factory=FetchSettings)
    search: SearchSettings = Field(default_factory=SearchSettings)
    watch: WatchSettings = Field(default_factory=WatchSettings)
    dedup: DedupSettings = Field(default_factory=DedupSettings)

    @property
    def manifest_path(self) -> Path:
        return self.home / "manifest.sqlite3"

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"
