"""NewsIndex: the index's public interface — ingest, search, forget, stats, rebuild.

>>> from newsqa.index import NewsIndex, IndexSettings
>>> idx = NewsIndex(IndexSettings(home="/tmp/newsqa-doc"))          # doctest: +SKIP
>>> idx.ingest(load(["samples/"], idx.settings.fetch))              # doctest: +SKIP
>>> [h.title for h in idx.search("bridge vote", k=3)]               # doctest: +SKIP
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import cached_property
from typing import Any

from filelock import FileLock, Timeout
from pydantic import BaseModel

from newsqa.errors import EmptyIndex, ModelMismatch, NewsqaError
from newsqa.index.article import Article, canonical_url, with_inferred_date
from newsqa.index.chunking import Chunk, Chunker
from newsqa.index.embeddings import Embedder
from newsqa.index.filters import Filters
from newsqa.index.lexical import LexicalIndex
from newsqa.index.manifest import Manifest
from newsqa.index.search import SearchHit, diversify, fuse, rank, validate_query
from newsqa.index.settings import IndexSettings
from newsqa.index.sources import Problem
from newsqa.index.store import ChunkStore, chunk_metadata, where_clause

# The title is embedded with each chunk (a chunk often never names what the story is about);
# it is cut so title + chunk stay inside the model's window.
TITLE_EMBED_CHARS = 200

# Called after each written batch with (articles done, articles to write, chunks written).
ProgressFn = Callable[[int, int, int], None]


@dataclass
class IngestReport:
    """What one ingest did, item by item."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    chunks: int = 0
    chunk_tokens: int = 0
    failed: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        """One line of counts, the same in every face."""
        return (f"added {self.added} · updated {self.updated} · unchanged {self.unchanged}"
                f" · duplicates {self.duplicates} · failed {len(self.failed)}"
                f" — {self.chunks} chunks in {self.seconds:.1f} s")


def embedding_input(article: Article | Any, chunk_text: str) -> str:
    return f"{article.title[:TITLE_EMBED_CHARS]}\n{chunk_text}"


class NewsIndex:
    """Articles in (with `ingest`), ranked passages out (with `search`)."""

    def __init__(self, settings: IndexSettings) -> None:
        self.settings = settings
        settings.home.mkdir(parents=True, exist_ok=True)
        self.manifest = Manifest(settings.manifest_path)
        self.lexical = LexicalIndex(self.manifest, settings.home / "lexical")
        stored = self.manifest.get_meta("embedding_model")
        if stored and stored != settings.embedding_model:
            raise ModelMismatch(
                f"the index in {settings.home} was built with embedding model {stored!r}, but "
                f"{settings.embedding_model!r} is configured; use the same model or another "
                "data directory (NEWSQA_HOME)"
            )

    # Loaded on first use: `stats` and `forget` need neither the model nor (for stats) vectors.
    @cached_property
    def embedder(self) -> Embedder:
        return Embedder.configured(self.settings)

    @cached_property
    def store(self) -> ChunkStore:
        return ChunkStore(self.settings, self.settings.embedding_model)

    @cached_property
    def chunker(self) -> Chunker:
        return Chunker(
            self.embedder.tokenizer, self.settings.chunk_tokens, self.settings.chunk_overlap_tokens
        )

    def close(self) -> None:
        self.manifest.close()

    # --- writing ----------------------------------------------------------------------------
    @contextmanager
    def _writing(self):
        lock = FileLock(str(self.settings.home / "write.lock"))
        try:
            lock.acquire(timeout=30)
        except Timeout:
            raise NewsqaError(
                f"another newsqa process is writing to {self.settings.home}; try again when it ends"
            ) from None
        try:
            _ = self.store  # reach the store before touching anything, so a dead server writes nothing
            self._recover()
            yield
            self.lexical.current()  # rebuild the lexical snapshot now, not on the first search
        finally:
            lock.release()

    def _recover(self) -> None:
        """Finish or undo what an interrupted ingest or forget left behind."""
        pending = self.manifest.pending()
        if pending:
            current = self.manifest.versions(a for a, _ in pending)
            for article_id, version in pending:
                if current.get(article_id) != version:
                    self.store.delete_version(article_id, version)
            self.manifest.clear_pending(pending)
        self._collect_garbage()

    def _collect_garbage(self) -> None:
        garbage = self.manifest.garbage()
        if garbage:
            self.store.delete_ids(garbage)
            self.manifest.clear_garbage(garbage)

    def ingest(
        self, items: Iterable[Article | Problem], on_progress: ProgressFn | None = None
    ) -> IngestReport:
        """Add new articles, replace changed ones, skip unchanged ones; report every item.

        Safe to interrupt at any moment: an article becomes visible only when its manifest entry
        is committed, and the next write cleans up whatever the interruption left in Chroma.
        """
        started = time.perf_counter()
        report = IngestReport()
        articles = self._changed_articles(items, report)
        with self._writing():
            self.manifest.set_meta("embedding_model", self.settings.embedding_model)
            batch: list[tuple[Article, list[Chunk]]] = []
            done = batch_chunks = 0
            for article in articles:
                chunks = self.chunker.chunk(article)
                batch.append((article, chunks))
                batch_chunks += len(chunks)
                if batch_chunks >= self.settings.write_batch_chunks:
                    self._write(batch, report)
                    done += len(batch)
                    batch, batch_chunks = [], 0
                    if on_progress:
                        on_progress(done, len(articles), report.chunks)
            if batch:
                self._write(batch, report)
                done += len(batch)
            if on_progress:
                on_progress(done, len(articles), report.chunks)
        report.seconds = time.perf_counter() - started
        return report

    def _changed_articles(
        self, items: Iterable[Article | Problem], report: IngestReport
    ) -> list[Article]:
        unique: dict[str, Article] = {}
        for item in items:
            if isinstance(item, Problem):
                (report.failed if item.level == "error" else report.warnings).append(item)
            elif item.id in unique:
                report.duplicates += 1
            else:
                unique[item.id] = with_inferred_date(item)
        stored = self.manifest.versions(unique)
        changed = []
        for article in unique.values():
            version = stored.get(article.id)
            if version == article.content_hash:
                report.unchanged += 1
                continue
            if version is None:
                report.added += 1
            else:
                report.updated += 1
            changed.append(article)
        return changed

    def _write(self, batch: list[tuple[Article, list[Chunk]]], report: IngestReport) -> None:
        now = time.time()
        ids, documents, metadatas, texts = [], [], [], []
        for article, chunks in batch:
            for chunk in chunks:
                ids.append(chunk.id)
                documents.append(chunk.text)
                metadatas.append(chunk_metadata(article, chunk, len(chunks), now))
                texts.append(embedding_input(article, chunk.text))
        vectors = self.embedder.encode(texts)
        self.manifest.add_pending((a.id, a.content_hash) for a, _ in batch)
        self.store.upsert(ids, vectors, documents, metadatas)
        self.manifest.commit_articles(batch)  # the moment these versions become visible
        self._collect_garbage()
        report.chunks += len(ids)
        report.chunk_tokens += sum(c.tokens for _, chunks in batch for c in chunks)

    def forget(
        self,
        ids: Sequence[str] = (),
        urls: Sequence[str] = (),
        sources: Sequence[str] = (),
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> int:
        """Remove the matching articles from the manifest, the lexical index and Chroma."""
        if not (ids or urls or sources or since or until):
            raise NewsqaError("forget needs at least one of: id, url, source, since, until")
        matched = self.manifest.select_articles(
            ids, [canonical_url(u) for u in urls] + list(urls), sources, since, until
        )
        with self._writing():
            self.manifest.remove_articles(matched)
            self._collect_garbage()
        return len(matched)

    def rebuild(self) -> int:
        """Rebuild the manifest and lexical index from Chroma alone; returns the article count.

        For each article the newest complete version in Chroma is kept; incomplete versions
        (an ingest interrupted elsewhere) are ignored.
        """
        versions: dict[tuple[str, str], dict[int, tuple[str, str, dict]]] = {}
        for chunk_id, document, meta in self.store.iter_all():
            key = (meta["article_id"], meta["version"])
            versions.setdefault(key, {})[int(meta["ordinal"])] = (chunk_id, document, meta)
        best: dict[str, tuple[float, list[tuple[str, str, dict]]]] = {}
        for (article_id, _), parts in versions.items():
            first = next(iter(parts.values()))[2]
            if len(parts) != int(first["n_chunks"]):
                continue
            stamp = float(first["ingested_at"])
            if article_id not in best or stamp > best[article_id][0]:
                best[article_id] = (stamp, [parts[i] for i in sorted(parts)])
        batch = [_from_stored(parts) for _, parts in best.values()]
        with self._writing():
            self.manifest.replace_all(batch)
            self.manifest.set_meta("embedding_model", self.settings.embedding_model)
        return len(batch)

    # --- reading ----------------------------------------------------------------------------
    def search(
        self,
        query: str,
        k: int | None = None,
        filters: Filters | None = None,
        as_of: datetime | None = None,
        per_article: int | None = None,
    ) -> list[SearchHit]:
        """The k best chunks for `query`: dense and lexical rankings fused, filtered by source
        and date, nothing published after `as_of`, fresher news preferred, at most
        `per_article` (default `max_chunks_per_article`) chunks of one article."""
        query = validate_query(query)
        cfg = self.settings.search
        k = k or cfg.k
        filters = replace(filters or Filters())  # a copy: the caller's filters stay as given
        filters.as_of = as_of or filters.as_of
        if filters.sources:
            filters.sources = self.manifest.stored_sources(filters.sources) or ["\x00no such source"]
        vector = self.embedder.encode([query])[0]
        where = where_clause(
            filters.sources,
            filters.since.timestamp() if filters.since else None,
            filters.until.timestamp() if filters.until else None,
            filters.as_of.timestamp() if filters.as_of else None,
        )
        per_article = per_article or cfg.max_chunks_per_article
        candidates = max(cfg.candidates, k * per_article * 2)
        dense = [cid for cid, _ in self.store.query(vector, candidates, where)]
        lexical = [cid for cid, _ in self.lexical.search(query, candidates, filters)]
        fused = fuse(dense, lexical, cfg)
        chunks = self.manifest.chunks(list(fused))
        return diversify(rank(fused, chunks, filters.as_of, cfg), k, per_article)

    def stats(self) -> IndexStats:
        """What the index holds and where it is, for every face to render."""
        chroma = self.settings.chroma
        return IndexStats(
            **self.manifest.stats(),
            embedding_model=self.manifest.get_meta("embedding_model") or self.settings.embedding_model,
            store_mode=chroma.mode,
            store_location=chroma.url if chroma.mode == "server" else str(self.settings.chroma_path),
            collection=chroma.collection,
            home=str(self.settings.home),
        )

    def require_articles(self) -> None:
        """EmptyIndex (with the command that fixes it) when nothing has been ingested yet."""
        if self.manifest.is_empty():
            raise EmptyIndex(
                f"the index in {self.settings.home} is empty; add articles first: newsqa ingest PATH_OR_URL"
            )


class IndexStats(BaseModel):
    """Articles, chunks, outlets and dates in the index, the embedding model, and where it is."""

    articles: int
    chunks: int
    chunk_tokens: int
    sources: dict[str, int]  # outlet → articles, most first
    published_first: datetime | None
    published_last: datetime | None
    embedding_model: str
    store_mode: str
    store_location: str
    collection: str
    home: str


def _from_stored(parts: list[tuple[str, str, dict]]) -> tuple[Article, list[Chunk]]:
    """An article and its chunks as rebuilt from Chroma's documents and metadata."""
    meta = parts[0][2]
    published = meta["published"]
    article = Article(
        title=meta["title"],
        text="",
        url=meta["url"] or None,
        source=meta["source"] or None,
        authors=json.loads(meta["authors"]),
        published=datetime.fromtimestamp(published, tz=timezone.utc) if published >= 0 else None,
        extra=json.loads(meta["extra"]),
    )
    chunks = [
        Chunk(meta["article_id"], meta["version"], int(m["ordinal"]), int(m["start"]),
              int(m["end"]), doc, int(m["tokens"]))
        for _, doc, m in parts
    ]
    return _StoredArticle(article, meta["article_id"], meta["version"]), chunks


class _StoredArticle(Article):
    """An article rebuilt from Chroma: its id and version are the stored ones (no text here)."""

    def __init__(self, article: Article, article_id: str, version: str) -> None:
        super().__init__(**{f: getattr(article, f) for f in article.__dataclass_fields__})
        self._id, self._version = article_id, version

    @property
    def id(self) -> str:
        return self._id

    @property
    def content_hash(self) -> str:
        return self._version
