"""The manifest: every article with its content hash, its chunks, and the lexical (BM25) index.

One SQLite file holds the article records, the chunk records and an FTS5 table of the chunk
texts, so the manifest and the lexical index change together in one transaction. That
transaction is the moment an article version becomes visible: Chroma may briefly hold chunks
the manifest does not list (written before the commit, or superseded and not yet deleted), and
search shows only chunks the manifest lists. Two journal tables let an interrupted ingest be
finished or undone on the next write: `pending` (versions written to Chroma before their
commit) and `garbage` (chunk ids still to delete from Chroma).
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from index.article import Article
from index.chunking import Chunk

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
    tokens INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    title, text, tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS pending (article_id TEXT NOT NULL, version TEXT NOT NULL,
                                    PRIMARY KEY (article_id, version));
CREATE TABLE IF NOT EXISTS garbage (chunk_id TEXT PRIMARY KEY);
"""

# BM25 weights of the FTS columns (title, text): a title match counts, but less than the text's.
TITLE_WEIGHT = 0.5
TEXT_WEIGHT = 1.0
_WORD = re.compile(r"\w+", re.UNICODE)


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


@dataclass
class Filters:
    """Which articles a search may return."""

    sources: Sequence[str] = ()
    since: datetime | None = None
    until: datetime | None = None
    # `as_of` caps dates like `until`, but keeps undated articles (they may be older).
    as_of: datetime | None = None


def fts_query(text: str) -> str | None:
    """An OR query of the question's content words, each quoted so FTS syntax cannot leak in."""
    words = [w for w in _WORD.findall(text.lower()) if w not in ENGLISH_STOP_WORDS]
    words = list(dict.fromkeys(words))
    if not words:
        return None
    return " OR ".join(f'"{w}"' for w in words)


class Manifest:
    """The SQLite manifest and lexical index; safe to share between threads of one process."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._lock = threading.RLock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

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
        ids = list(article_ids)
        found: dict[str, str] = {}
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            marks = ",".join("?" * len(part))
            found.update(self._rows(f"SELECT id, version FROM articles WHERE id IN ({marks})", part))
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

    def chunks(self, chunk_ids: Sequence[str]) -> dict[str, StoredChunk]:
        if not chunk_ids:
            return {}
        marks = ",".join("?" * len(chunk_ids))
        rows = self._rows(
            f"""SELECT c.id, c.article_id, c.ordinal, c.start, c.end, f.text,
                       a.title, a.url, a.source, a.published
                FROM chunks c JOIN chunks_fts f ON f.rowid = c.rowid
                JOIN articles a ON a.id = c.article_id WHERE c.id IN ({marks})""",
            list(chunk_ids),
        )
        return {
            r[0]: StoredChunk(*r[:9], published=from_timestamp(r[9])) for r in rows
        }

    def lexical(self, query: str, limit: int, filters: Filters) -> list[tuple[str, float]]:
        """Chunk ids ranked by BM25 (best first) with their scores (higher is better)."""
        match = fts_query(query)
        if match is None:
            return []
        where, params = _filter_sql(filters)
        rows = self._rows(
            f"""SELECT c.id, -bm25(chunks_fts, {TITLE_WEIGHT}, {TEXT_WEIGHT}) AS score
                FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid
                JOIN articles a ON a.id = c.article_id
                WHERE chunks_fts MATCH ? {where}
                ORDER BY bm25(chunks_fts, {TITLE_WEIGHT}, {TEXT_WEIGHT}) LIMIT ?""",
            [match, *params, limit],
        )
        return [(r[0], float(r[1])) for r in rows]

    def select_articles(
        self,
        ids: Sequence[str] = (),
        urls: Sequence[str] = (),
        sources: Sequence[str] = (),
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[str]:
        """Ids of the articles matching any of ids/urls/sources, within the date range if given."""
        clauses, params = [], []
        for column, values in (("id", ids), ("url", urls), ("source", sources)):
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
        return [r[0] for r in self._rows(f"SELECT id FROM articles WHERE {where}", params)]

    def stats(self) -> dict[str, Any]:
        (articles, first, last), = self._rows(
            "SELECT COUNT(*), MIN(published), MAX(published) FROM articles"
        )
        (chunks, tokens), = self._rows("SELECT COUNT(*), COALESCE(SUM(tokens), 0) FROM chunks")
        sources = self._rows(
            "SELECT COALESCE(source, '(none)'), COUNT(*) FROM articles GROUP BY 1 ORDER BY 2 DESC"
        )
        return {
            "articles": articles,
            "chunks": chunks,
            "chunk_tokens": tokens,
            "sources": dict(sources),
            "published_first": from_timestamp(first),
            "published_last": from_timestamp(last),
        }

    def stored_sources(self, names: Sequence[str]) -> list[str]:
        """The stored spellings of these source names (matched without regard to case)."""
        if not names:
            return []
        marks = ",".join("?" * len(names))
        return [r[0] for r in self._rows(f"SELECT DISTINCT source FROM articles WHERE source IN ({marks})", list(names))]

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
    def commit_articles(self, batch: Sequence[tuple[Article, Sequence[Chunk]]]) -> None:
        """Make these article versions the visible ones, atomically.

        Their previous chunks move to `garbage` (to be deleted from Chroma), their new chunks go
        into the lexical index, and their `pending` entries are cleared, in one transaction.
        """
        now = time.time()
        with self.transaction() as db:
            for article, chunks in batch:
                self._drop_article(db, article.id)
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
                for chunk in chunks:
                    cursor = db.execute(
                        "INSERT INTO chunks (id, article_id, ordinal, start, end, tokens)"
                        " VALUES (?,?,?,?,?,?)",
                        (chunk.id, chunk.article_id, chunk.ordinal, chunk.start, chunk.end,
                         chunk.tokens),
                    )
                    db.execute(
                        "INSERT INTO chunks_fts (rowid, title, text) VALUES (?,?,?)",
                        (cursor.lastrowid, article.title, chunk.text),
                    )
                db.execute(
                    "DELETE FROM pending WHERE article_id = ? AND version = ?",
                    (article.id, article.content_hash),
                )

    def remove_articles(self, article_ids: Sequence[str]) -> None:
        """Hide these articles at once; their chunk ids move to `garbage`."""
        with self.transaction() as db:
            for article_id in article_ids:
                self._drop_article(db, article_id)

    def replace_all(self, batch: Sequence[tuple[Article, Sequence[Chunk]]]) -> None:
        """Empty the manifest and fill it with `batch` (used to rebuild it from Chroma)."""
        with self.transaction() as db:
            for table in ("articles", "chunks", "chunks_fts", "pending", "garbage"):
                db.execute(f"DELETE FROM {table}")
        self.commit_articles(batch)

    @staticmethod
    def _drop_article(db: sqlite3.Connection, article_id: str) -> None:
        db.execute(
            "INSERT OR IGNORE INTO garbage SELECT id FROM chunks WHERE article_id = ?", (article_id,)
        )
        db.execute(
            "DELETE FROM chunks_fts WHERE rowid IN (SELECT rowid FROM chunks WHERE article_id = ?)",
            (article_id,),
        )
        db.execute("DELETE FROM chunks WHERE article_id = ?", (article_id,))
        db.execute("DELETE FROM articles WHERE id = ?", (article_id,))


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


def _filter_sql(filters: Filters) -> tuple[str, list[Any]]:
    """SQL conditions on `a` (articles) for the filters, with their parameters."""
    sql, params = "", []
    if filters.sources:
        sql += f" AND a.source IN ({','.join('?' * len(filters.sources))})"
        params.extend(filters.sources)
    if filters.since:
        sql += " AND a.published >= ?"
        params.append(filters.since.timestamp())
    if filters.until:
        sql += " AND a.published <= ?"
        params.append(filters.until.timestamp())
    if filters.as_of:
        sql += " AND (a.published IS NULL OR a.published <= ?)"
        params.append(filters.as_of.timestamp())
    return sql, params
