"""Settings of the index layer: the store, the embedding model, chunking, fetching and search.

The one configuration object of the project (`bot.config.Settings`) holds an `IndexSettings`;
the index layer takes it explicitly and never reads the environment itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


def default_home() -> Path:
    """Per-user data directory used when NEWSQA_HOME is not set."""
    return Path(platformdirs.user_data_dir("newsqa", appauthor=False))


class ChromaSettings(BaseModel):
    """Where the vectors live: an embedded PersistentClient or a Chroma server."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    mode: Literal["embedded", "server"] = "embedded"
    """`embedded` (under `home/chroma`) or `server`."""
    host: str = "localhost"
    """The Chroma server's host."""
    port: int = 8000
    """The Chroma server's port."""
    ssl: bool = False
    """Reach the Chroma server over HTTPS."""
    headers: dict[str, str] = Field(default_factory=dict)
    """Extra HTTP headers for the Chroma server, e.g. an auth token."""
    collection: str = "newsqa"
    """Collection name (the change log is `<collection>-changes`)."""
    timeout_s: float = 10.0
    """Not read yet: the Chroma client's own timeouts apply."""
    # Server mode: how often a process reads the change log other writers publish, so that their
    # ingests and forgets reach its manifest and lexical index (checked before a search or stats).
    sync_every_s: float = 30.0
    """Server mode: how often a process reads what other writers published (before a search or stats)."""
    # How long the change log keeps an entry; a process that has not synced for longer rebuilds.
    log_keep_days: float = 7.0
    """How long the change log keeps an entry; a process away longer rebuilds from Chroma."""

    @property
    def url(self) -> str:
        """The server's address, as users see it in messages and stats."""
        return f"{'https' if self.ssl else 'http'}://{self.host}:{self.port}"


class MilvusSettings(BaseModel):
    """Where the vectors live when `engine` is "milvus": a milvus-lite file, or a Milvus server."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    uri: str = ""
    """A Milvus server's address (`http://host:19530`), or a file path for milvus-lite; empty:
    `home/milvus.db`."""
    token: SecretStr | None = None
    """The Milvus server's token (`user:password` or an API key); not shown anywhere."""
    collection: str = "newsqa"
    """Collection name."""
    timeout_s: float = 10.0
    """Seconds a call to Milvus may take before it fails."""
    sync_every_s: float = 0.0
    """Server mode: how often a process reads what other writers published (before a search or
    stats); 0, every time: one small query, so another machine's write is found at once."""
    log_keep_days: float = 7.0
    """How long the change log keeps an entry; a process away longer rebuilds from Milvus."""

    @property
    def is_server(self) -> bool:
        """Whether `uri` names a server (else a milvus-lite file)."""
        return self.uri.startswith(("http://", "https://", "tcp://", "grpc://"))


class FetchSettings(BaseModel):
    """Limits of the guarded http(s) fetcher."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    timeout_s: float = 10.0
    """Per-request timeout for URLs and feed pages, in seconds."""
    max_bytes: int = 10_000_000
    """Size cap of one fetched page or one HTML, text or feed file."""
    max_redirects: int = 5
    """Redirects followed, each hop checked."""
    allow_private: bool = False
    """Allow private, loopback and link-local addresses."""
    user_agent: str = "newsqa/0.1 (+news question answering)"
    """User-Agent of fetches."""


class FeedSetting(BaseModel):
    """One followed feed: its URL, optionally the outlet to name and its own poll interval."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    url: str
    """The feed's URL."""
    source: str | None = None
    """The outlet to name for its articles (default: what the feed says)."""
    every_s: float | None = Field(default=None, gt=0)
    """Its own poll interval in seconds (default: `watch.every_s`)."""


class WatchSettings(BaseModel):
    """Feeds followed on a schedule (`newsqa watch`, and `serve`/`discord` when feeds are set)."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    feeds: list[FeedSetting] = Field(default_factory=list)
    """Feeds to follow: URLs, or `{url, source, every_s}` objects."""
    every_s: float = Field(default=900.0, gt=0)
    """Seconds between polls of a feed (flag `--every`)."""
    host_interval_s: float = Field(default=1.0, ge=0)  # at least this long between two requests to one host
    """At least this long between two requests to one host."""
    max_entries: int = 200  # entries read from one feed body (newest first); the rest are ignored
    """Entries read from one feed (the first ones; the rest is reported)."""
    max_backoff_s: float = 21_600.0  # a failing feed is retried at most this far apart (6 h)
    """Longest wait before retrying a failing feed, or an entry's page."""
    entry_tries: int = Field(default=6, ge=1)
    """Times an entry's page is tried (the first read, then with backoff) before it is given up on;
    an entry with a summary keeps it."""
    robots_ttl_s: float = 86_400.0  # how long a host's robots.txt is trusted
    """How long a host's robots.txt is trusted."""

    @field_validator("feeds", mode="before")
    @classmethod
    def _urls_alone(cls, value: object) -> object:
        """A feed may be given as its URL alone."""
        if isinstance(value, list):
            return [{"url": item} if isinstance(item, str) else item for item in value]
        return value


class DedupSettings(BaseModel):
    """Syndicated copies: a new article this similar to a stored one is recorded as its copy."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    enabled: bool = True
    """Store a syndicated copy once, its outlet kept on the stored article."""
    # Shorter texts are never merged: a failed extraction (a page's boilerplate) reads the same on
    # every page of a site.
    min_words: int = 100
    """Shorter texts are never merged."""
    # Estimated Jaccard similarity of 5-word shingles (MinHash); chosen in bench/near_duplicates.py.
    threshold: float = 0.7
    """Estimated Jaccard similarity (5-word shingles) from which an article is a copy."""
    shingle_words: int = 5
    """Words in one shingle."""
    permutations: int = 128
    """MinHash permutations of a signature."""


class SearchSettings(BaseModel):
    """Hybrid search: fusion, diversity and recency."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    k: int = 8
    """Passages returned (flag `-k`)."""
    candidates: int = 50
    """Candidates taken from each of dense and lexical search."""
    rrf_k: int = 60
    """Reciprocal rank fusion constant."""
    dense_weight: float = 1.0
    """Weight of the dense ranking in the fusion."""
    lexical_weight: float = 1.0
    """Weight of the lexical ranking in the fusion."""
    max_chunks_per_article: int = 2
    """Passages of one article in the results at most (diversity)."""
    recency_half_life_days: float = 30.0
    """Half-life of the recency preference, in days."""
    recency_weight: float = 0.1
    """Most a fresh story's score is raised (0 turns recency off)."""
    # The learned ranker: more right answers at a higher precision on the dev weeks and the test
    # weeks alike (bench/results/eval_realtimeqa.md; docs: the ranker guide).
    ranker: str = "learned"
    """What orders the candidates: "learned" (the learned ranker shipped with newsqa), "none" (the
    fused score alone), or the path of a model written by `newsqa train`."""


EmbeddingBackend = Literal["onnx", "torch", "onnx-int8"]


class IndexSettings(BaseModel):
    """Everything the index layer needs; `home` holds the manifest and the embedded Chroma."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    home: Path = Field(default_factory=default_home)
    """Data directory: the manifest, the embedded Chroma, the config file, feedback (flag `--home`)."""
    embedding_model: str = "all-MiniLM-L6-v2"
    """sentence-transformers model name or local path (all-MiniLM-L6-v2 comes from its PyPI package)."""
    embedding_device: str = "cpu"
    """torch device for embeddings (with `embedding_backend = "torch"`)."""
    # ONNX Runtime gives torch's vectors (the same passages reach the model on the dev weeks) at a
    # quarter of the cost per question, and a process that never imports torch starts in about a
    # second instead of 5-9 (bench/studies/results/embedding_backends.md).
    embedding_backend: EmbeddingBackend = "onnx"
    """What runs the embedding model: "onnx" (ONNX Runtime, on the CPU; exported from the model on
    first use), "torch" (sentence-transformers, on `embedding_device`), or "onnx-int8" (int8
    weights: about twice as fast to ingest, vectors a little off; for bulk backfills, see "A big
    backlog" in the guide to ingest, search and ask)."""
    embed_batch_size: int = 64
    """Texts per embedding batch."""
    # Chunks embedded and written together: big enough for efficient batches, small enough that
    # an interrupted ingest loses little work.
    write_batch_chunks: int = 512
    """Chunks embedded and written together."""
    chunk_tokens: int = 160
    """Chunk size, in the embedding model's tokens."""
    chunk_overlap_tokens: int = 40
    """At most this many tokens of whole sentences repeated in the next chunk."""
    engine: Literal["chroma", "milvus"] = "chroma"
    """The search engine that holds the passages: "chroma" (the `chroma` settings, with newsqa's own
    BM25 beside it) or "milvus" (the `milvus` settings; BM25 and dense search run inside Milvus)."""
    chroma: ChromaSettings = Field(default_factory=ChromaSettings)
    """Where the vectors live with the Chroma engine."""
    milvus: MilvusSettings = Field(default_factory=MilvusSettings)
    """Where the passages live with the Milvus engine."""
    fetch: FetchSettings = Field(default_factory=FetchSettings)
    """Limits of the guarded fetcher."""
    search: SearchSettings = Field(default_factory=SearchSettings)
    """Hybrid search."""
    watch: WatchSettings = Field(default_factory=WatchSettings)
    """Feeds followed on a schedule."""
    dedup: DedupSettings = Field(default_factory=DedupSettings)
    """Syndicated copies."""

    @property
    def manifest_path(self) -> Path:
        return self.home / "manifest.sqlite3"

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @property
    def chroma_location(self) -> str:
        """Where Chroma keeps the vectors, as users see it: the server's address or the folder."""
        return self.chroma.url if self.chroma.mode == "server" else str(self.chroma_path)

    @property
    def milvus_uri(self) -> str:
        """The Milvus server's address, or the milvus-lite file (`home/milvus.db` when unset)."""
        return self.milvus.uri or str(self.home / "milvus.db")
