"""NewsIndex: the index's public interface — ingest, search, forget, stats, rebuild.

>>> from newsqa.index import NewsIndex, IndexSettings
>>> idx = NewsIndex(IndexSettings(home="/tmp/newsqa-doc"))          # doctest: +SKIP
>>> idx.ingest(load(["samples/"], idx.settings.fetch))              # doctest: +SKIP
>>> [h.title for h in idx.search("bridge vote", k=3)]               # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Any

from filelock import FileLock, Timeout
from pydantic import BaseModel, Field

from newsqa.errors import EmptyIndex, ModelMismatch, NewsqaError, StoreUnavailable
from newsqa.index.article import Article, canonical_url, with_inferred_date
from newsqa.index.changes import OVERLAP_S, ChangeLog
from newsqa.index.chunking import Chunk, Chunker
from newsqa.index.embeddings import Embedder
from newsqa.index.engine import Engine, open_engine
from newsqa.index.filters import Filters
from newsqa.index.lexical import LexicalIndex
from newsqa.index.manifest import Manifest, from_timestamp
from newsqa.index.near_duplicates import CopyFinder, signature_if_long, to_bytes
from newsqa.index.ranker import Candidate, load_ranker
from newsqa.index.search import SearchHit, diversify, fuse, rank, validate_query
from newsqa.index.settings import IndexSettings
from newsqa.index.sources import Problem
from newsqa.index.spelling import Spelling, written_forms
from newsqa.index.store import chunk_metadata

if TYPE_CHECKING:
    from newsqa.index.milvus import MilvusChangeLog

log = logging.getLogger(__name__)

# The title is embedded with each chunk (a chunk often never names what the story is about);
# it is cut so title + chunk stay inside the model's window.
TITLE_EMBED_CHARS = 200

# How long a sync waits for another process of the data directory to finish rebuilding it.
REBUILD_WAIT_S = 1800.0

# Called after each written batch with (articles done, articles to write, chunks written).
ProgressFn = Callable[[int, int, int], None]


@dataclass
class IngestReport:
    """What one ingest did, item by item."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    copies: int = 0  # syndicated copies of a stored story: recorded on it, not stored again
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
                f" · duplicates {self.duplicates} · copies {self.copies} · failed {len(self.failed)}"
                f" — {self.chunks} chunks in {self.seconds:.1f} s")


def embedding_input(article: Article | Any, chunk_text: str) -> str:
    return f"{article.title[:TITLE_EMBED_CHARS]}\n{chunk_text}"


class NewsIndex:
    """Articles in (with `ingest`), ranked passages out (with `search`)."""

    def __init__(self, settings: IndexSettings) -> None:
        self.settings = settings
        settings.home.mkdir(parents=True, exist_ok=True)
        self.manifest = Manifest(settings.manifest_path)
        self.lexical = LexicalIndex(self.manifest, settings.home)
        self._spelling: tuple[int, Spelling] | None = None  # (manifest generation, its corrections)
        # With a Chroma or Milvus server other processes may write: changes are published and read.
        self.shared = settings.milvus.is_server if settings.engine == "milvus" else settings.chroma.mode == "server"
        self.sharing = settings.milvus if settings.engine == "milvus" else settings.chroma  # how often, how long
        self._sync_lock = threading.Lock()
        # One lock object a process, so that a sync's rebuild can hold it across its own writing.
        self._write_lock = FileLock(str(settings.home / "write.lock"))
        self._synced_at = float("-inf")  # monotonic time of the last sync
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
    def store(self) -> Engine:
        """The search engine holding the chunks (`settings.engine`)."""
        return open_engine(self.settings, self.lexical)

    @cached_property
    def changes(self) -> ChangeLog | MilvusChangeLog:
        """The change log beside the chunks (server mode), in the engine's own store."""
        if self.settings.engine == "milvus":
            from newsqa.index.milvus import MilvusChangeLog

            return MilvusChangeLog(self.store.client, self.settings.milvus.collection)
        return ChangeLog(self.store.client, self.settings.chroma.collection)

    @cached_property
    def writer_id(self) -> str:
        """This data directory's name in the change log (its own entries are not applied back)."""
        found = self.manifest.get_meta("writer_id")
        if not found:
            found = uuid.uuid4().hex[:12]
            self.manifest.set_meta("writer_id", found)
        return found

    @cached_property
    def chunker(self) -> Chunker:
        return Chunker(
            self.embedder.tokenizer, self.settings.chunk_tokens, self.settings.chunk_overlap_tokens
        )

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()
        self.manifest.close()

    # --- writing ----------------------------------------------------------------------------
    @contextmanager
    def _writing(self, wait_s: float = 30):
        lock = self._write_lock  # held again by the same thread, it counts (a rebuild inside a sync)
        try:
            lock.acquire(timeout=wait_s)
        except Timeout:
            raise NewsqaError(
                f"another newsqa process is writing to {self.settings.home}; try again when it ends"
            ) from None
        try:
            _ = self.store  # reach the store before touching anything, so a dead server writes nothing
            self._recover()
            yield
            self._lexical_catch_up()  # the writer applies its changes now, not the next search
        finally:
            lock.release()

    def _lexical_catch_up(self) -> None:
        """Bring newsqa's BM25 index up to date with the manifest; on the Milvus path, which holds
        its own BM25 index, the journal of changes serves no one and is dropped."""
        if self.settings.engine == "chroma":
            self.lexical.catch_up()
        else:
            self.manifest.prune_journal(self.manifest.journal_end())

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
        self._publish()  # changes committed before an interruption and not yet published

    def _publish(self) -> None:
        """Send the outbox to the change log (server mode), then clear it; old entries are pruned."""
        if not self.shared:
            return
        outbox = self.manifest.outbox()
        if outbox:
            self.changes.publish(self.writer_id, outbox)
            self.manifest.clear_outbox(outbox[-1][0])
            self.changes.prune(time.time() - self.sharing.log_keep_days * 86400)

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
        articles, stored, known_copies = self._changed_articles(items, report)
        articles, copies, signatures = self._without_copies(articles, stored, known_copies, report)
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
            self.manifest.set_signatures(list(signatures.items()))
            self.manifest.add_copies(copies, publish=self.shared)
            # A recorded copy now stored as a story of its own is no longer "also carried by".
            own = [article.id for article in articles if article.id in known_copies]
            if own:
                self.manifest.remove_copies(own, publish=self.shared)
            self._publish()
        report.seconds = time.perf_counter() - started
        return report

    def _changed_articles(
        self, items: Iterable[Article | Problem], report: IngestReport
    ) -> tuple[list[Article], set[str], set[str]]:
        """The new or changed articles, and the ids stored before as articles and as copies."""
        unique: dict[str, Article] = {}
        for item in items:
            if isinstance(item, Problem):
                (report.failed if item.level == "error" else report.warnings).append(item)
            elif item.id in unique:
                report.duplicates += 1
            else:
                unique[item.id] = with_inferred_date(item)
        as_articles = self.manifest.versions(unique)
        as_copies = self.manifest.copy_versions(a for a in unique if a not in as_articles)
        stored = {**as_articles, **as_copies}
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
        return changed, set(as_articles), set(as_copies)

    def _without_copies(
        self, articles: list[Article], stored: set[str], known_copies: set[str], report: IngestReport
    ) -> tuple[list[Article], list[tuple[str, Article]], dict[str, bytes]]:
        """Split off syndicated copies of stored (or earlier) articles: (articles to store,
        (original id, copy) pairs, signatures of the articles to store). A stored article that
        changed stays itself; a new article, or a recorded copy that changed, is compared."""
        dedup = self.settings.dedup
        if not dedup.enabled or not articles:
            return articles, [], {}
        finder = CopyFinder(dedup, self.manifest.signatures())
        keep, copies, signatures = [], [], {}
        for article in articles:
            minhash = signature_if_long(article.text, dedup)
            if minhash is None:
                keep.append(article)
                continue
            original = None if article.id in stored else finder.original_of(minhash, article.id)
            if original is not None:
                copies.append((original, article))
                report.copies += 1
                if article.id in known_copies:
                    report.updated -= 1
                else:
                    report.added -= 1
                continue
            finder.add(article.id, minhash)
            signatures[article.id] = to_bytes(minhash)
            keep.append(article)
        return keep, copies, signatures

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
        self.manifest.commit_articles(batch, publish=self.shared)  # the moment these versions become visible
        self._collect_garbage()
        self._publish()
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
        """Remove the matching articles (with their recorded copies) from the manifest, the lexical
        index and Chroma, and the matching copies from the articles that carry them; returns how
        many articles and copies matched (a forgotten article's copies go with it uncounted)."""
        if not (ids or urls or sources or since or until):
            raise NewsqaError("forget needs at least one of: id, url, source, since, until")
        urls = [canonical_url(u) for u in urls] + list(urls)
        ids = list(ids) + [Article(title="", text="", url=u).id for u in urls]
        matched = self.manifest.select_articles(ids, urls, sources, since, until)
        copies = self.manifest.select_articles(ids, urls, sources, since, until, copies=True)
        with self._writing():
            self.manifest.remove_articles(matched, publish=self.shared)
            self.manifest.remove_copies(copies, publish=self.shared)
            self._collect_garbage()
            self._publish()
        return len(matched) + len(copies)

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
            self.manifest.replace_signatures(self._signatures_of_stored(batch))
            self.manifest.set_meta("embedding_model", self.settings.embedding_model)
        return len(batch)

    def _signatures_of_stored(self, batch: list[tuple[Article, list[Chunk]]]) -> list[tuple[str, bytes]]:
        """The near-duplicate signatures of rebuilt articles, from the text their chunks hold:
        without them a rebuilt manifest would store the next copy of a stored story again."""
        dedup = self.settings.dedup
        if not dedup.enabled:
            return []
        found = []
        for article, chunks in batch:
            if (minhash := signature_if_long(_stored_text(chunks), dedup)) is not None:
                found.append((article.id, to_bytes(minhash)))
        return found

    # --- reading ----------------------------------------------------------------------------
    def search(
        self,
        query: str,
        k: int | None = None,
        filters: Filters | None = None,
        as_of: datetime | None = None,
        per_article: int | None = None,
    ) -> list[SearchHit]:
        """The k best chunks for `query`: dense and lexical candidates fused, ordered by the
        learned ranker when `search.ranker` names one, filtered by source and date, nothing published after
        `as_of`, at most `per_article` (default `max_chunks_per_article`) chunks of one article."""
        query = validate_query(query)
        cfg = self.settings.search
        k = k or cfg.k
        per_article = per_article or cfg.max_chunks_per_article
        pool, as_of = self.candidate_pool(query, max(cfg.candidates, k * per_article * 2), filters, as_of)
        ranker = load_ranker(cfg.ranker)
        if ranker is None:  # the fused order: only the hits' copies are needed
            hits = diversify([c.hit for c in pool], k, per_article)
            carried = self.manifest.carried_by(sorted({h.article_id for h in hits}))
        else:  # the ranker reads how many outlets carried each candidate's story
            carried = self.manifest.carried_by(sorted({c.hit.article_id for c in pool}))
            copies = {article_id: len(outlets) for article_id, outlets in carried.items()}
            hits = diversify(ranker.order(query, pool, as_of, copies), k, per_article)
        for hit in hits:
            hit.carried_by = carried.get(hit.article_id, [])
        return hits

    def spelled(self, text: str) -> str:
        """`text` with the words no passage holds read as the passages' nearest words, where one is
        clearly nearest (index/spelling.py); names typed with a capital only as names."""
        generation = self.manifest.generation()
        known = self._spelling
        if known is None or known[0] != generation:
            words = self.manifest.word_counts()
            known = self._spelling = (generation, Spelling(words.counts, words.capitalized, written_forms(words)))
        return known[1].correct(text)

    def candidate_pool(self, query: str, candidates: int, filters: Filters | None = None,
                       as_of: datetime | None = None) -> tuple[list[Candidate], datetime | None]:
        """What a search ranks: the `candidates` nearest chunks and the `candidates` best BM25
        matches within the filters, fused and dated (today's order, best first), each with its
        leg scores; and the as_of the filters hold."""
        query = validate_query(query)
        self.sync_if_due()
        filters = replace(filters or Filters())  # a copy: the caller's filters stay as given
        filters.as_of = as_of or filters.as_of
        if filters.sources:
            asked = filters.sources
            filters.sources = self.manifest.stored_sources(asked)
            filters.carried = self.manifest.carried_by_sources(asked)
            if not (filters.sources or filters.carried):
                filters.sources = ["\x00no such source"]
        vector = self.embedder.encode([query])[0]
        dense = dict(self.store.dense_search(vector, candidates, filters))
        lexical = dict(self.store.lexical_search(query, candidates, filters))
        fused = fuse(list(dense), list(lexical), self.settings.search)
        chunks = self.manifest.chunks(list(fused))
        ranked = rank(fused, chunks, filters.as_of, self.settings.search)
        pool = [Candidate(hit, dense.get(hit.chunk_id), lexical.get(hit.chunk_id), chunks[hit.chunk_id].ordinal,
                          chunks[hit.chunk_id].reading) for hit in ranked]
        return pool, filters.as_of

    # --- other processes' changes (server mode) -------------------------------------------
    def sync_if_due(self) -> int:
        """`sync` when `sync_every_s` (chroma's or milvus's) has passed since the last one (server mode)."""
        if not self.shared or time.monotonic() - self._synced_at < self.sharing.sync_every_s:
            return 0
        return self.sync()

    def sync(self) -> int:
        """Apply what other processes published to the change log since the last sync: their
        commits, removals and copies reach this manifest (and so the lexical index) without a
        rebuild. The first sync, or one after the log has forgotten our cursor, rebuilds from
        Chroma. Returns the number of changes applied."""
        if not self.shared:
            return 0
        with self._sync_lock:
            started = time.time()
            cursor = float(self.manifest.get_meta("synced_at") or "-inf")
            applied = 0
            horizon = started - self.sharing.log_keep_days * 86400  # older than the log keeps
            if cursor < horizon:
                cursor = self._rebuild_for_sync(horizon)
            if cursor > float("-inf"):
                applied = self._apply_changes(cursor)
            if self.settings.engine == "milvus":
                self._lexical_catch_up()
            # Entries are stamped by their writer's clock: the next sync reads from OVERLAP_S
            # before this one's start, which covers a late entry and clocks somewhat apart.
            self.manifest.set_meta("synced_at", repr(max(cursor, started - OVERLAP_S)))
            self._synced_at = time.monotonic()
            return applied

    def _rebuild_for_sync(self, horizon: float) -> float:
        """Rebuild the manifest from the engine, unless another process of this data directory did
        while this one waited for it (two readers starting together: at 1,000,000 passages a
        rebuild takes minutes, so they wait for each other instead of failing after 30 s). The
        cursor to read the log from: -inf after a rebuild here."""
        with self._writing(wait_s=REBUILD_WAIT_S):
            cursor = float(self.manifest.get_meta("synced_at") or "-inf")
            if cursor >= horizon:
                return cursor
            self.rebuild()
            # Copies are not in the chunks' metadata: the log holds those it still keeps.
            for _, _, _, change in self.changes.since(0.0):
                if change["op"] == "copies":
                    self.manifest.copy_rows(change["rows"])
            return float("-inf")

    def _apply_changes(self, cursor: float) -> int:
        entries = self.changes.since(cursor - OVERLAP_S)
        fresh = [e for e in entries if e[2] != self.writer_id]
        seen = self.manifest.applied([e[0] for e in fresh])
        fresh = [e for e in fresh if e[0] not in seen]
        for _, _, _, change in fresh:
            self._apply(change)
        self.manifest.mark_applied([(e[0], e[1]) for e in fresh], forget_before=cursor - 4 * OVERLAP_S)
        return len(fresh)

    def _apply(self, change: dict[str, Any]) -> None:
        """One change another process made, made here too (without publishing it again)."""
        if change["op"] == "commit":
            if self.manifest.versions([change["article_id"]]).get(change["article_id"]) == change["version"]:
                return
            parts = self.store.version_parts(change["article_id"], change["version"])
            if parts and len(parts) == int(parts[0][2]["n_chunks"]):  # else superseded since
                parts.sort(key=lambda p: int(p[2]["ordinal"]))
                self.manifest.commit_articles([_from_stored(parts)], remote=True)
        elif change["op"] == "remove":
            self.manifest.remove_articles(change["article_ids"], remote=True)
        elif change["op"] == "copies":
            self.manifest.copy_rows(change["rows"])
        elif change["op"] == "uncopy":
            self.manifest.remove_copies(change["copy_ids"])

    def stats(self) -> IndexStats:
        """What the index holds and where it is, for every face to render."""
        reachable = self._sync_for_stats()
        mode, location, collection = self._where_stored()
        return IndexStats(
            **self.manifest.stats(),
            feeds=self.feed_statuses(shared=reachable),
            embedding_model=self.manifest.get_meta("embedding_model") or self.settings.embedding_model,
            engine=self.settings.engine,
            store_mode=mode,
            store_location=location,
            collection=collection,
            home=str(self.settings.home),
        )

    def _where_stored(self) -> tuple[str, str, str]:
        """(mode, location, collection) of the engine, told without reaching it."""
        if self.settings.engine == "milvus":
            milvus = self.settings.milvus
            return ("server" if milvus.is_server else "file"), self.settings.milvus_uri, milvus.collection
        chroma = self.settings.chroma
        return chroma.mode, self.settings.chroma_location, chroma.collection

    def _sync_for_stats(self) -> bool:
        """Sync if due; False when the server cannot be reached (stats then show what this
        data directory knows, as they do without a server)."""
        try:
            self.sync_if_due()
            return self.shared
        except StoreUnavailable as exc:
            log.warning("stats without the latest changes: %s", exc)
            return False

    def feed_statuses(self, shared: bool = True) -> list[FeedStatus]:
        """How each followed feed is doing: as this data directory's watcher saw it, and (with a
        Chroma or Milvus server) as every watcher published it; the latest poll of each feed wins."""
        states = {s["url"]: s for s in self.manifest.feed_states()}
        if self.shared and shared:
            for state in self.changes.feeds():
                mine = states.get(state["url"])
                if mine is None or (state.get("last_poll") or 0) > (mine.get("last_poll") or 0):
                    states[state["url"]] = state
        return [FeedStatus.from_state(s) for s in sorted(states.values(), key=lambda s: s["url"])]

    def has_news(self, since: datetime, until: datetime) -> bool:
        """Whether the index holds an article published from `since` to `until`: whether it
        follows the news of that time or is an archive of earlier news."""
        return self.manifest.published_between(since, until)

    def require_articles(self) -> None:
        """EmptyIndex (with the command that fixes it) when nothing has been ingested yet."""
        self.sync_if_due()  # another process may have ingested
        if self.manifest.is_empty():
            raise EmptyIndex(
                f"the index in {self.settings.home} is empty; add articles first: newsqa ingest PATH_OR_URL"
            )


class FeedStatus(BaseModel):
    """One followed feed: when it was last polled, when it last had a new entry, how many
    articles it added, its last error (None when the last poll went well), its next poll, and its
    entries whose page could not be had: being tried again, stored from the feed's summary, and
    given up on (the latest named, with why)."""

    url: str
    last_poll: datetime | None = None
    last_new_entry: datetime | None = None
    articles_added: int = 0
    last_error: str | None = None
    next_poll: datetime | None = None
    entries_retrying: int = 0
    entries_from_summary: int = 0
    entries_given_up: int = 0
    given_up: list[str] = Field(default_factory=list)

    def entry_troubles(self) -> str:
        """Its entries' troubles as the faces show them after the feed's line ("" when none)."""
        parts = [f"{self.entries_retrying} entries retrying" if self.entries_retrying else "",
                 f"{self.entries_from_summary} from the feed's summary" if self.entries_from_summary else "",
                 f"{self.entries_given_up} given up" + (f" (latest: {self.given_up[0]})" if self.given_up else "")
                 if self.entries_given_up else ""]
        return "".join(f" · {p}" for p in parts if p)

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> FeedStatus:
        def when(key: str) -> datetime | None:
            return from_timestamp(state.get(key) or None)  # 0: never

        return cls(url=state["url"], last_poll=when("last_poll"), last_new_entry=when("last_new_entry"),
                   articles_added=state.get("articles_added") or 0, last_error=state.get("last_error"),
                   next_poll=when("next_poll"), entries_retrying=state.get("entries_retrying") or 0,
                   entries_from_summary=state.get("entries_from_summary") or 0,
                   entries_given_up=state.get("entries_given_up") or 0, given_up=state.get("given_up") or [])


class IndexStats(BaseModel):
    """Articles, chunks, outlets and dates in the index, the embedding model, where it is, and
    the followed feeds."""

    articles: int
    chunks: int
    chunk_tokens: int
    copies: int = 0  # syndicated copies recorded on stored articles
    sources: dict[str, int]  # outlet → articles, most first
    published_first: datetime | None
    published_last: datetime | None
    embedding_model: str
    engine: str = "chroma"  # "chroma" or "milvus"
    store_mode: str  # chroma: "embedded" or "server"; milvus: "file" or "server"
    store_location: str
    collection: str
    home: str
    feeds: list[FeedStatus] = []


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


def _stored_text(chunks: list[Chunk]) -> str:
    """An article's text as its chunks hold it: chunks are exact slices that overlap or leave
    only white space between them, which is all a signature's word shingles need."""
    pieces, at = [], 0
    for chunk in sorted(chunks, key=lambda c: c.start):
        if chunk.end <= at:
            continue
        if chunk.start > at:
            pieces.append(" ")
        pieces.append(chunk.text[max(at - chunk.start, 0):])
        at = chunk.end
    return "".join(pieces)


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
