"""The manifest: every article with its content hash and its chunks (with their texts).

One SQLite file holds the article records and the chunk records. A commit is the moment an
article version becomes visible; it also bumps the manifest's `generation`. Every chunk added or
removed is noted in `lexical_journal` by triggers, in the same transaction, so the lexical index
(index/lexical.py) can apply exactly what changed since it last caught up; and the same transactions
keep the passages' word counts (`vocabulary`, `word_forms`) that spelling corrections read
(index/spelling.py). Chroma may briefly
hold chunks the manifest does not list (written before the commit, or superseded and not yet deleted), and
search shows only chunks the manifest lists. Two journal tables let an interrupted ingest be
finished or undone on the next write: `pending` (versions written to Chroma before their
commit) and `garbage` (chunk ids still to delete from Chroma).

Beside them: `copies` (syndicated copies of a stored article, with their outlet and URL) and
`signatures` (each article's MinHash, to find copies); `outbox` (changes committed here and not
yet published to other processes' readers, written in the same transaction as the change) and
`applied_log` (changes read from others); `feeds` and `feed_entries` (what following feeds has
seen, so a restarted watcher neither repeats nor skips an entry).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NamedTuple

from newsqa.index.article import SUMMARY_ONLY, Article
from newsqa.index.chunking import Chunk
from newsqa.index.filters import Filters
from newsqa.index.passage_reading import stored_readings
from newsqa.index.spelling import WordCounts, count_words

log = logging.getLogger(__name__)

# Passages read a transaction at a time when a manifest made before readings were kept is opened.
READING_BATCH = 2_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    version TEXT NOT NULL,
    title TEXT NOT NULL,
    url TEXT,
    source TEXT COLLATE NOCASE,
    published REAL,
    authors TEXT NOT NULL DEFAULT '[]',
    extra TEXT NOT NULL DEFAULT '{}',
    n_chunks INTEGER NOT NULL,
    ingested_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_url ON articles(url);
CREATE INDEX IF NOT EXISTS articles_source ON articles(source);
CREATE INDEX IF NOT EXISTS articles_published ON articles(published);
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    article_id TEXT NOT NULL REFERENCES articles(id),
    ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    tokens INTEGER NOT NULL,
    text TEXT NOT NULL,
    reading TEXT  -- what the learned ranker reads of the text (index/passage_reading.py)
);
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id);
CREATE TABLE IF NOT EXISTS pending (article_id TEXT NOT NULL, version TEXT NOT NULL,
                                    PRIMARY KEY (article_id, version));
CREATE TABLE IF NOT EXISTS garbage (chunk_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS copies (
    copy_id TEXT PRIMARY KEY,
    article_id TEXT NOT NULL,
    version TEXT NOT NULL,
    url TEXT,
    source TEXT COLLATE NOCASE,
    published REAL
);
CREATE INDEX IF NOT EXISTS copies_article ON copies(article_id);
CREATE TABLE IF NOT EXISTS signatures (article_id TEXT PRIMARY KEY, hashvalues BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, entry TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS applied_log (id TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS lexical_journal (seq INTEGER PRIMARY KEY AUTOINCREMENT, chunk_id TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS chunk_added AFTER INSERT ON chunks
    BEGIN INSERT INTO lexical_journal (chunk_id) VALUES (NEW.id); END;
CREATE TRIGGER IF NOT EXISTS chunk_removed AFTER DELETE ON chunks
    BEGIN INSERT INTO lexical_journal (chunk_id) VALUES (OLD.id); END;
CREATE TABLE IF NOT EXISTS vocabulary (word TEXT PRIMARY KEY, passages INTEGER NOT NULL,
    capitalized INTEGER NOT NULL, lowercase INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS word_forms (form TEXT PRIMARY KEY, passages INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    last_poll REAL,
    last_new_entry REAL,
    articles_added INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    failures INTEGER NOT NULL DEFAULT 0,
    next_poll REAL NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS feed_entries (
    feed_url TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    seen_at REAL NOT NULL,
    PRIMARY KEY (feed_url, key)
);
CREATE TABLE IF NOT EXISTS feed_retries (
    feed_url TEXT NOT NULL,
    key TEXT NOT NULL,
    label TEXT NOT NULL,
    entry TEXT NOT NULL,
    outlet TEXT,
    tries INTEGER NOT NULL,
    next_try REAL NOT NULL,
    reason TEXT NOT NULL,
    given_up INTEGER NOT NULL DEFAULT 0,
    summary INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (feed_url, key)
);
"""


def to_timestamp(value: datetime | None) -> float | None:
    return value.timestamp() if value else None


def from_timestamp(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, tz=timezone.utc) if value is not None else None


@dataclass
class ArticleRecord:
    """An article as the manifest lists it (no text: the chunks hold that)."""

    id: str
    version: str
    title: str
    url: str | None
    source: str | None
    published: datetime | None
    authors: list[str]
    extra: dict[str, Any]
    n_chunks: int
    ingested_at: float


class LexicalRow(NamedTuple):
    """A visible chunk as the lexical index reads it."""

    chunk_id: str
    words: str  # the article's title and the chunk's text
    source: str | None
    published: float | None  # unix seconds
    article_id: str


@dataclass
class StoredChunk:
    """A visible chunk with its article's metadata, as search returns it."""

    id: str
    article_id: str
    ordinal: int
    start: int
    end: int
    text: str
    title: str
    url: str | None
    source: str | None
    published: datetime | None
    # The article's text is its feed entry's summary: its page could not be had (index/follow.py).
    from_summary: bool = False
    reading: str | None = None  # what the learned ranker reads of the text (index/passage_reading.py)


class Manifest:
    """The SQLite manifest; safe to share between threads of one process."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._lock = threading.RLock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._add_reading_column()
        self._count_words_once()
        self._read_passages_once()

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # --- metadata -------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        rows = self._rows("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # --- reading --------------------------------------------------------------------------
    def versions(self, article_ids: Iterable[str]) -> dict[str, str]:
        """article id → its visible version, for the stored articles among these ids."""
        return self._versions("SELECT id, version FROM articles WHERE id IN", article_ids)

    def _versions(self, select: str, ids: Iterable[str]) -> dict[str, str]:
        """(id, version) rows of `select … IN (ids)`, asked 500 ids at a time (SQLite's limit)."""
        ids = list(ids)
        found: dict[str, str] = {}
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            found.update(self._rows(f"{select} ({','.join('?' * len(part))})", part))
        return found

    def article(self, article_id: str) -> ArticleRecord | None:
        rows = self._rows(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id = ?", (article_id,))
        return _article_record(rows[0]) if rows else None

    def visible(self, chunk_ids: Sequence[str]) -> set[str]:
        """The chunk ids the manifest lists, i.e. that search may show."""
        if not chunk_ids:
            return set()
        marks = ",".join("?" * len(chunk_ids))
        return {r[0] for r in self._rows(f"SELECT id FROM chunks WHERE id IN ({marks})", chunk_ids)}

    def within(self, chunk_ids: Sequence[str], filters: Filters) -> set[str]:
        """The chunk ids the manifest lists whose article passes the search filters (as the
        engines' own filters read them: undated articles pass `as_of` but not since/until)."""
        clauses, params = filter_sql(filters)
        found: set[str] = set()
        for i in range(0, len(chunk_ids), 500):
            part = list(chunk_ids[i : i + 500])
            where = " AND ".join([f"c.id IN ({','.join('?' * len(part))})", *clauses])
            # CROSS JOIN keeps SQLite on the chunk ids: by the outlet's index it reads all its articles.
            found.update(r[0] for r in self._rows(
                f"SELECT c.id FROM chunks c CROSS JOIN articles a ON a.id = c.article_id WHERE {where}",
                [*part, *params]))
        return found

    def chunk_ids_within(self, filters: Filters, limit: int) -> list[str]:
        """Up to `limit` ids of the chunks whose article passes the search filters."""
        clauses, params = filter_sql(filters)
        where = " AND ".join(clauses) or "1"
        return [r[0] for r in self._rows(f"SELECT c.id {_CHUNKS} WHERE {where} LIMIT ?", [*params, limit])]

    def chunks(self, chunk_ids: Sequence[str]) -> dict[str, StoredChunk]:
        if not chunk_ids:
            return {}
        marks = ",".join("?" * len(chunk_ids))
        rows = self._rows(
            f"""SELECT c.id, c.article_id, c.ordinal, c.start, c.end, c.text,
                       a.title, a.url, a.source, a.published,
                       COALESCE(json_extract(a.extra, '$.{SUMMARY_ONLY}'), 0), c.reading
                FROM chunks c JOIN articles a ON a.id = c.article_id WHERE c.id IN ({marks})""",
            list(chunk_ids),
        )
        return {
            r[0]: StoredChunk(*r[:9], published=from_timestamp(r[9]), from_summary=bool(r[10]), reading=r[11])
            for r in rows
        }

    def generation(self) -> int:
        """Bumped by every change of what is visible."""
        return int(self.get_meta("generation") or 0)

    # --- what the lexical index reads -----------------------------------------------------
    def journal_end(self) -> int:
        """The number of the latest change noted in `lexical_journal` (0 before any)."""
        with self._lock:
            return _journal_end(self._db)

    def journal_pruned(self) -> int:
        """Changes up to this number are no longer in the journal: an index that applied fewer must
        be built again from the chunks."""
        return int(self.get_meta("lexical_journal_pruned") or 0)

    def prune_journal(self, up_to: int) -> None:
        """Forget the journal's changes up to `up_to` (applied, or of no use to anyone)."""
        with self.transaction() as db:
            db.execute("DELETE FROM lexical_journal WHERE seq <= ?", (up_to,))
            db.execute("INSERT INTO meta VALUES ('lexical_journal_pruned', ?) ON CONFLICT(key) DO UPDATE"
                       " SET value = MAX(CAST(value AS INTEGER), excluded.value)", (up_to,))

    def lexical_corpus(self) -> tuple[int, list[LexicalRow]]:
        """(journal end, every visible chunk as a `LexicalRow`), read in one snapshot."""
        end, _, rows = self._lexical_rows(None)
        return end, rows

    def lexical_changes(self, after: int) -> tuple[int, list[str], list[LexicalRow]]:
        """What changed since the journal's change `after`: (journal end, the chunk ids added or
        removed since, the rows of those among them visible now), read in one snapshot."""
        return self._lexical_rows(after)

    def _lexical_rows(self, after: int | None) -> tuple[int, list[str], list[LexicalRow]]:
        touched = "SELECT chunk_id FROM lexical_journal WHERE seq > ?"
        where, params = ("", ()) if after is None else (f"WHERE c.id IN ({touched})", (after,))
        with self._lock:
            db = self._db
            db.execute("BEGIN")  # one read snapshot: the rows are those the journal's end describes
            try:
                end = _journal_end(db)
                ids = [] if after is None else [r[0] for r in db.execute(f"SELECT DISTINCT chunk_id FROM ({touched})",
                                                                          params)]
                rows = db.execute(
                    f"SELECT c.id, {_PASSAGE}, a.source, a.published, c.article_id {_CHUNKS} {where} ORDER BY c.rowid",
                    params).fetchall()
            finally:
                db.execute("COMMIT")
        return end, ids, [LexicalRow(*r) for r in rows]

    # --- the passages' words, for spelling corrections ------------------------------------
    def word_counts(self) -> WordCounts:
        """The word counts of the visible passages (titles with their texts)."""
        found = WordCounts()
        with self._lock:
            db = self._db
            db.execute("BEGIN")
            try:
                for word, passages, capitalized, lowercase in db.execute(
                        "SELECT word, passages, capitalized, lowercase FROM vocabulary WHERE passages > 0"):
                    found.counts[word] = passages
                    if capitalized:
                        found.capitalized[word] = capitalized
                    if lowercase:
                        found.in_lowercase[word] = lowercase
                found.forms.update(dict(db.execute("SELECT form, passages FROM word_forms WHERE passages > 0")))
            finally:
                db.execute("COMMIT")
        return found

    def _count_words_once(self) -> None:
        """Count the passages' words of a manifest made before the counts were kept."""
        if self.get_meta("vocabulary") == "1":
            return
        with self.transaction() as db:
            if (db.execute("SELECT value FROM meta WHERE key = 'vocabulary'").fetchone() or [None])[0] == "1":
                return  # another process counted them first
            db.execute("DELETE FROM vocabulary")
            db.execute("DELETE FROM word_forms")
            texts = (r[0] for r in db.execute(f"SELECT {_PASSAGE} {_CHUNKS}"))
            _add_word_counts(db, count_words(texts), 1)
            db.execute("INSERT OR REPLACE INTO meta VALUES ('vocabulary', '1')")

    def _add_reading_column(self) -> None:
        """Give a manifest made before passages' readings were kept their column (empty until read)."""
        if "reading" in self._columns("chunks"):
            return
        with self.transaction() as db:
            if "reading" not in self._columns("chunks"):  # another process may have added it meanwhile
                db.execute("ALTER TABLE chunks ADD COLUMN reading TEXT")

    def _columns(self, table: str) -> set[str]:
        return {row[1] for row in self._rows(f"PRAGMA table_info({table})")}

    def _read_passages_once(self) -> None:
        """Read the passages of a manifest made before their readings were kept, a batch at a time
        (read outside the transaction that stores them, so searches and writes go on meanwhile)."""
        if self.get_meta("readings") == "1":
            return
        if unread := self._rows("SELECT COUNT(*) FROM chunks WHERE reading IS NULL")[0][0]:
            log.warning("reading %d passages stored before their readings were kept, once (about 4,000 a second)",
                        unread)
        while True:
            rows = self._rows("SELECT id, text FROM chunks WHERE reading IS NULL LIMIT ?", (READING_BATCH,))
            readings = stored_readings([text for _, text in rows])
            with self.transaction() as db:  # a chunk id names one text: a row changed meanwhile is not touched
                db.executemany("UPDATE chunks SET reading = ? WHERE id = ? AND reading IS NULL",
                               [(reading, chunk_id) for (chunk_id, _), reading in zip(rows, readings)])
                if len(rows) < READING_BATCH:
                    db.execute("INSERT OR REPLACE INTO meta VALUES ('readings', '1')")
                    return

    def select_articles(
        self,
        ids: Sequence[str] = (),
        urls: Sequence[str] = (),
        sources: Sequence[str] = (),
        since: datetime | None = None,
        until: datetime | None = None,
        copies: bool = False,
    ) -> list[str]:
        """Ids of the articles (with `copies`: of the recorded copies) matching any of
        ids/urls/sources, within the date range if given."""
        table, id_column = ("copies", "copy_id") if copies else ("articles", "id")
        clauses, params = [], []
        for column, values in ((id_column, ids), ("url", urls), ("source", sources)):
            if values:
                clauses.append(f"{column} IN ({','.join('?' * len(values))})")
                params.extend(values)
        where = f"({' OR '.join(clauses)})" if clauses else "1"
        if since:
            where += " AND published >= ?"
            params.append(since.timestamp())
        if until:
            where += " AND published <= ?"
            params.append(until.timestamp())
        return [r[0] for r in self._rows(f"SELECT {id_column} FROM {table} WHERE {where}", params)]

    def is_empty(self) -> bool:
        return not self._rows("SELECT 1 FROM articles LIMIT 1")

    def published_between(self, since: datetime, until: datetime) -> bool:
        """Whether any article was published from `since` to `until`."""
        return bool(self._rows("SELECT 1 FROM articles WHERE published >= ? AND published <= ? LIMIT 1",
                               (since.timestamp(), until.timestamp())))

    def stats(self) -> dict[str, Any]:
        (articles, first, last), = self._rows(
            "SELECT COUNT(*), MIN(published), MAX(published) FROM articles"
        )
        (chunks, tokens), = self._rows("SELECT COUNT(*), COALESCE(SUM(tokens), 0) FROM chunks")
        (copies,), = self._rows("SELECT COUNT(*) FROM copies")
        sources = self._rows(
            "SELECT COALESCE(source, '(none)'), COUNT(*) FROM articles GROUP BY 1 ORDER BY 2 DESC"
        )
        return {
            "articles": articles,
            "chunks": chunks,
            "chunk_tokens": tokens,
            "copies": copies,
            "sources": dict(sources),
            "published_first": from_timestamp(first),
            "published_last": from_timestamp(last),
        }

    def stored_sources(self, names: Sequence[str]) -> list[str]:
        """The stored spellings of these source names (matched without regard to case)."""
        if not names:
            return []
        marks = ",".join("?" * len(names))
        query = f"SELECT DISTINCT source FROM articles WHERE source IN ({marks})"
        return [r[0] for r in self._rows(query, list(names))]

    def all_chunk_ids(self) -> set[str]:
        return {r[0] for r in self._rows("SELECT id FROM chunks")}

    # --- the write journal ------------------------------------------------------------------
    def add_pending(self, versions: Iterable[tuple[str, str]]) -> None:
        with self.transaction() as db:
            db.executemany("INSERT OR IGNORE INTO pending VALUES (?, ?)", list(versions))

    def pending(self) -> list[tuple[str, str]]:
        return self._rows("SELECT article_id, version FROM pending")

    def clear_pending(self, versions: Iterable[tuple[str, str]]) -> None:
        with self.transaction() as db:
            db.executemany("DELETE FROM pending WHERE article_id = ? AND version = ?", list(versions))

    def garbage(self) -> list[str]:
        return [r[0] for r in self._rows("SELECT chunk_id FROM garbage")]

    def clear_garbage(self, chunk_ids: Iterable[str]) -> None:
        with self.transaction() as db:
            db.executemany("DELETE FROM garbage WHERE chunk_id = ?", [(c,) for c in chunk_ids])

    # --- writing ----------------------------------------------------------------------------
    def commit_articles(self, batch: Sequence[tuple[Article, Sequence[Chunk]]], publish: bool = False,
                        remote: bool = False) -> None:
        """Make these article versions the visible ones, atomically.

        Their previous chunks move to `garbage` (to be deleted from Chroma), their new chunks go
        into the lexical index, and their `pending` entries are cleared, in one transaction; with
        `publish`, the change also goes to the outbox for other processes. A `remote` change is
        one another process made: its old chunks are that process's to delete, not ours.
        """
        now = time.time()
        # Read outside the transaction: the write lock is held no longer than the writes take.
        readings = [stored_readings([c.text for c in chunks]) for _, chunks in batch]
        with self.transaction() as db:
            for (article, chunks), chunk_readings in zip(batch, readings):
                self._drop_article(db, article.id, collect=not remote)
                db.execute(
                    f"INSERT INTO articles ({_ARTICLE_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (
                        article.id,
                        article.content_hash,
                        article.title,
                        article.url,
                        article.source,
                        to_timestamp(article.published),
                        json.dumps(article.authors),
                        json.dumps(article.extra, default=str),
                        len(chunks),
                        now,
                    ),
                )
                for chunk, reading in zip(chunks, chunk_readings):
                    db.execute(
                        "INSERT INTO chunks (id, article_id, ordinal, start, end, tokens, text, reading)"
                        " VALUES (?,?,?,?,?,?,?,?)",
                        (chunk.id, chunk.article_id, chunk.ordinal, chunk.start, chunk.end,
                         chunk.tokens, chunk.text, reading),
                    )
                _add_word_counts(db, count_words(passage_words(article.title, c.text) for c in chunks), 1)
                db.execute(
                    "DELETE FROM pending WHERE article_id = ? AND version = ?",
                    (article.id, article.content_hash),
                )
                if publish:
                    _to_outbox(db, {"op": "commit", "article_id": article.id, "version": article.content_hash})
            _bump_generation(db)

    def remove_articles(self, article_ids: Sequence[str], publish: bool = False, remote: bool = False) -> None:
        """Hide these articles (and their copies) at once; their chunk ids move to `garbage`
        (unless `remote`: another process removed them and deletes their chunks)."""
        with self.transaction() as db:
            for article_id in article_ids:
                self._drop_article(db, article_id, collect=not remote)
                db.execute("DELETE FROM copies WHERE article_id = ?", (article_id,))
                db.execute("DELETE FROM signatures WHERE article_id = ?", (article_id,))
            if publish and article_ids:
                _to_outbox(db, {"op": "remove", "article_ids": list(article_ids)})
            _bump_generation(db)

    # --- syndicated copies ------------------------------------------------------------------
    def add_copies(self, copies: Sequence[tuple[str, Article]], publish: bool = False) -> None:
        """Record each (stored article id, copy) pair: the copy's outlet and URL join the story."""
        rows = [(copy.id, article_id, copy.content_hash, copy.url, copy.source, to_timestamp(copy.published))
                for article_id, copy in copies]
        self.copy_rows(rows, publish)

    def remove_copies(self, copy_ids: Sequence[str], publish: bool = False) -> None:
        with self.transaction() as db:
            db.executemany("DELETE FROM copies WHERE copy_id = ?", [(c,) for c in copy_ids])
            if publish and copy_ids:
                _to_outbox(db, {"op": "uncopy", "copy_ids": list(copy_ids)})

    def copy_rows(self, rows: Sequence[Sequence[Any]], publish: bool = False) -> None:
        """Record copies as rows of the `copies` table (as `add_copies` makes them, or as another
        process published them)."""
        rows = [tuple(r) for r in rows]
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO copies VALUES (?,?,?,?,?,?)", rows)
            if publish and rows:
                _to_outbox(db, {"op": "copies", "rows": rows})

    def copy_versions(self, copy_ids: Iterable[str]) -> dict[str, str]:
        """copy id → the version recorded, for the copies among these ids."""
        return self._versions("SELECT copy_id, version FROM copies WHERE copy_id IN", copy_ids)

    def carried_by_sources(self, names: Sequence[str]) -> list[str]:
        """Ids of the stored articles these outlets (matched without regard to case) carried as copies."""
        if not names:
            return []
        marks = ",".join("?" * len(names))
        return [r[0] for r in self._rows(f"SELECT DISTINCT article_id FROM copies WHERE source IN ({marks})",
                                         list(names))]

    def carried_by(self, article_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """article id → the other outlets that carried it: [{source, url, published}]."""
        if not article_ids:
            return {}
        marks = ",".join("?" * len(article_ids))
        rows = self._rows(
            f"SELECT article_id, source, url, published FROM copies WHERE article_id IN ({marks})"
            " ORDER BY published", list(article_ids))
        found: dict[str, list[dict[str, Any]]] = {}
        for article_id, source, url, published in rows:
            stamp = from_timestamp(published)
            found.setdefault(article_id, []).append(
                {"source": source, "url": url, "published": stamp.isoformat() if stamp else None})
        return found

    def set_signatures(self, signatures: Sequence[tuple[str, bytes]]) -> None:
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO signatures VALUES (?, ?)", list(signatures))

    def replace_signatures(self, signatures: Sequence[tuple[str, bytes]]) -> None:
        """Keep exactly these signatures (after a rebuild)."""
        with self.transaction() as db:
            db.execute("DELETE FROM signatures")
            db.executemany("INSERT INTO signatures VALUES (?, ?)", list(signatures))

    def signatures(self) -> list[tuple[str, bytes]]:
        """(article id, MinHash values) of every visible article that has one."""
        return self._rows("SELECT s.article_id, s.hashvalues FROM signatures s JOIN articles a ON a.id = s.article_id")

    # --- the outbox and the changes read from others ----------------------------------------
    def outbox(self) -> list[tuple[int, dict[str, Any]]]:
        return [(seq, json.loads(entry)) for seq, entry in self._rows("SELECT seq, entry FROM outbox ORDER BY seq")]

    def clear_outbox(self, up_to: int) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM outbox WHERE seq <= ?", (up_to,))

    def applied(self, log_ids: Sequence[str]) -> set[str]:
        if not log_ids:
            return set()
        marks = ",".join("?" * len(log_ids))
        return {r[0] for r in self._rows(f"SELECT id FROM applied_log WHERE id IN ({marks})", list(log_ids))}

    def mark_applied(self, entries: Sequence[tuple[str, float]], forget_before: float) -> None:
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO applied_log VALUES (?, ?)", list(entries))
            db.execute("DELETE FROM applied_log WHERE at < ?", (forget_before,))

    # --- followed feeds ---------------------------------------------------------------------
    def feed_state(self, url: str) -> dict[str, Any]:
        """A feed's stored state, with its entries being retried and given up on."""
        rows = self._rows(f"SELECT {_FEED_COLUMNS} FROM feeds WHERE url = ?", (url,))
        state = dict(zip(_FEED_COLUMNS.split(", "), rows[0])) if rows else {"url": url, "next_poll": 0.0,
                                                                             "failures": 0, "articles_added": 0}
        return {**state, **self._retry_summary(url)}

    def feed_states(self) -> list[dict[str, Any]]:
        return [{**dict(zip(_FEED_COLUMNS.split(", "), r)), **self._retry_summary(r[0])}
                for r in self._rows(f"SELECT {_FEED_COLUMNS} FROM feeds ORDER BY url")]

    def _retry_summary(self, url: str) -> dict[str, Any]:
        rows = self._rows("SELECT label, reason, given_up, summary FROM feed_retries WHERE feed_url = ? "
                          "ORDER BY next_try DESC", (url,))
        given_up = [f"{label}: {reason}" for label, reason, done, _ in rows if done]
        return {"entries_retrying": sum(1 for r in rows if not r[2]), "entries_given_up": len(given_up),
                "given_up": given_up[:GIVEN_UP_SHOWN], "entries_from_summary": sum(1 for r in rows if r[3])}

    def due_retries(self, feed_url: str, now: float) -> list[dict[str, Any]]:
        """The entries of this feed whose page is due to be tried again, oldest first."""
        rows = self._rows(f"SELECT {_RETRY_COLUMNS} FROM feed_retries WHERE feed_url = ? AND given_up = 0 "
                          "AND next_try <= ? ORDER BY next_try", (feed_url, now))
        return [dict(zip(_RETRY_COLUMNS.split(", "), r)) for r in rows]

    def save_feed_state(self, state: dict[str, Any], seen: Sequence[tuple[str, str]] = (),
                        keep_keys: Sequence[str] | None = None, retries: Sequence[dict[str, Any]] = (),
                        resolved: Sequence[str] = ()) -> None:
        """Store a feed's state, the entries now seen ((key, fingerprint)), the entries to try again
        (`retries`, rows of feed_retries) and those that went through at last (`resolved` keys),
        in one transaction; with `keep_keys`, entries no longer in the feed and seen a month ago
        are dropped."""
        now = time.time()
        values = [state.get(c) for c in _FEED_COLUMNS.split(", ")]
        with self.transaction() as db:
            db.execute(f"INSERT OR REPLACE INTO feeds ({_FEED_COLUMNS}) VALUES ({','.join('?' * len(values))})",
                       values)
            db.executemany("INSERT OR REPLACE INTO feed_entries VALUES (?, ?, ?, ?)",
                           [(state["url"], key, fingerprint, now) for key, fingerprint in seen])
            db.executemany("DELETE FROM feed_retries WHERE feed_url = ? AND key = ?",
                           [(state["url"], key) for key in resolved])
            db.executemany(f"INSERT OR REPLACE INTO feed_retries ({_RETRY_COLUMNS}) "
                           f"VALUES ({','.join('?' * len(_RETRY_COLUMNS.split(', ')))})",
                           [[{**row, "feed_url": state["url"]}[c] for c in _RETRY_COLUMNS.split(", ")]
                            for row in retries])
            if keep_keys is not None:
                stale = [r[0] for r in db.execute("SELECT key FROM feed_entries WHERE feed_url = ? AND seen_at < ?",
                                                  (state["url"], now - 30 * 86400)).fetchall()]
                gone = set(stale) - set(keep_keys)
                db.executemany("DELETE FROM feed_entries WHERE feed_url = ? AND key = ?",
                               [(state["url"], key) for key in gone])

    def seen_entries(self, feed_url: str) -> dict[str, str]:
        """entry key → fingerprint, for the entries of this feed already ingested."""
        return dict(self._rows("SELECT key, fingerprint FROM feed_entries WHERE feed_url = ?", (feed_url,)))

    def replace_all(self, batch: Sequence[tuple[Article, Sequence[Chunk]]]) -> None:
        """Empty the manifest and fill it with `batch` (used to rebuild it from Chroma)."""
        with self.transaction() as db:
            for table in ("chunks", "articles", "pending", "garbage", "vocabulary", "word_forms"):
                db.execute(f"DELETE FROM {table}")
            _bump_generation(db)
        self.commit_articles(batch)

    @staticmethod
    def _drop_article(db: sqlite3.Connection, article_id: str, collect: bool = True) -> None:
        if collect:
            db.execute(
                "INSERT OR IGNORE INTO garbage SELECT id FROM chunks WHERE article_id = ?", (article_id,)
            )
        texts = db.execute(f"SELECT {_PASSAGE} {_CHUNKS} WHERE c.article_id = ?", (article_id,)).fetchall()
        _add_word_counts(db, count_words(t for t, in texts), -1)
        db.execute("DELETE FROM chunks WHERE article_id = ?", (article_id,))
        db.execute("DELETE FROM articles WHERE id = ?", (article_id,))


# What the lexical index and the word counts read of a chunk: its article's title and its text.
def filter_sql(filters: Filters) -> tuple[list[str], list[Any]]:
    """SQL conditions on `articles a` (and their parameters) for the search filters."""
    clauses: list[str] = []
    params: list[Any] = []
    either = []
    if filters.sources:
        either.append(f"a.source IN ({','.join('?' * len(filters.sources))})")
        params.extend(filters.sources)
    if filters.carried:
        either.append(f"a.id IN ({','.join('?' * len(filters.carried))})")
        params.extend(filters.carried)
    if either:
        clauses.append(f"({' OR '.join(either)})")
    if filters.since is not None:
        clauses.append("a.published >= ?")
        params.append(filters.since.timestamp())
    if filters.until is not None:
        clauses.append("a.published <= ?")
        params.append(filters.until.timestamp())
    if filters.as_of is not None:
        clauses.append("(a.published IS NULL OR a.published <= ?)")
        params.append(filters.as_of.timestamp())
    return clauses, params


_PASSAGE = "a.title || char(10) || c.text"
_CHUNKS = "FROM chunks c JOIN articles a ON a.id = c.article_id"


def passage_words(title: str, text: str) -> str:
    """A chunk's words as `_PASSAGE` reads them in SQL."""
    return f"{title}\n{text}"


def _journal_end(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'lexical_journal'").fetchone()
    return int(row[0]) if row else 0


def _add_word_counts(db: sqlite3.Connection, words: WordCounts, sign: int) -> None:
    """Add (sign 1) or take away (sign -1) passages' word counts; words no passage holds go."""
    db.executemany(
        "INSERT INTO vocabulary VALUES (?, ?, ?, ?) ON CONFLICT(word) DO UPDATE SET"
        " passages = passages + excluded.passages, capitalized = capitalized + excluded.capitalized,"
        " lowercase = lowercase + excluded.lowercase",
        [(w, sign * n, sign * words.capitalized[w], sign * words.in_lowercase[w]) for w, n in words.counts.items()])
    db.executemany("INSERT INTO word_forms VALUES (?, ?) ON CONFLICT(form) DO UPDATE"
                   " SET passages = passages + excluded.passages",
                   [(form, sign * n) for form, n in words.forms.items()])
    if sign < 0:
        db.executemany("DELETE FROM vocabulary WHERE word = ? AND passages <= 0", [(w,) for w in words.counts])
        db.executemany("DELETE FROM word_forms WHERE form = ? AND passages <= 0", [(f,) for f in words.forms])


def _to_outbox(db: sqlite3.Connection, entry: dict[str, Any]) -> None:
    db.execute("INSERT INTO outbox (entry) VALUES (?)", (json.dumps(entry),))


_FEED_COLUMNS = "url, etag, last_modified, last_poll, last_new_entry, articles_added, last_error, failures, next_poll"
_RETRY_COLUMNS = "feed_url, key, label, entry, outlet, tries, next_try, reason, given_up, summary"
# How many of a feed's entries given up on its status names (the latest first).
GIVEN_UP_SHOWN = 5


def _bump_generation(db: sqlite3.Connection) -> None:
    db.execute(
        "INSERT INTO meta VALUES ('generation', '1') ON CONFLICT(key) DO UPDATE"
        " SET value = CAST(value AS INTEGER) + 1"
    )


_ARTICLE_COLUMNS = (
    "id, version, title, url, source, published, authors, extra, n_chunks, ingested_at"
)


def _article_record(row: tuple) -> ArticleRecord:
    return ArticleRecord(
        id=row[0],
        version=row[1],
        title=row[2],
        url=row[3],
        source=row[4],
        published=from_timestamp(row[5]),
        authors=json.loads(row[6]),
        extra=json.loads(row[7]),
        n_chunks=row[8],
        ingested_at=row[9],
    )
