"""The manifest: every article with its content hash and its chunks (with their texts).

One SQLite file holds the article records and the chunk records. A commit is the moment an
article version becomes visible; it also bumps the manifest's `generation`, which the lexical
index (index/lexical.py) compares with its own to know it must be rebuilt. Chroma may briefly
hold chunks the manifest does not list (written before the commit, or superseded and not yet deleted), and
search shows only chunks the manifest lists. Two journal tables let an interrupted ingest be
finished or undone on the next write: `pending` (versions written to Chroma before their
commit) and `garbage` (chunk ids still to delete from Chroma).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from newsqa.index.article import Article
from newsqa.index.chunking import Chunk

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
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id);
CREATE TABLE IF NOT EXISTS pending (article_id TEXT NOT NULL, version TEXT NOT NULL,
                                    PRIMARY KEY (article_id, version));
CREATE TABLE IF NOT EXISTS garbage (chunk_id TEXT PRIMARY KEY);
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


class Manifest:
    """The SQLite manifest; safe to share between threads of one process."""

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
            f"""SELECT c.id, c.article_id, c.ordinal, c.start, c.end, c.text,
                       a.title, a.url, a.source, a.published
                FROM chunks c JOIN articles a ON a.id = c.article_id WHERE c.id IN ({marks})""",
            list(chunk_ids),
        )
        return {
            r[0]: StoredChunk(*r[:9], published=from_timestamp(r[9])) for r in rows
        }

    def generation(self) -> int:
        """Bumped by every change of what is visible; the lexical index keys its snapshot on it."""
        return int(self.get_meta("generation") or 0)

    def lexical_corpus(self) -> tuple[int, list[tuple[str, str, str | None, float | None]]]:
        """(generation, [(chunk id, title + text, source, published)]) read in one snapshot."""
        with self._lock:
            db = self._db
            db.execute("BEGIN")  # one read snapshot: the rows belong to this generation
            generation = int((db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone() or [0])[0])
            rows = db.execute(
                """SELECT c.id, a.title || '\n' || c.text, a.source, a.published
                   FROM chunks c JOIN articles a ON a.id = c.article_id ORDER BY c.rowid"""
            ).fetchall()
            db.execute("COMMIT")
        return generation, rows

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

    def is_empty(self) -> bool:
        return not self._rows("SELECT 1 FROM articles LIMIT 1")

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
                    db.execute(
                        "INSERT INTO chunks (id, article_id, ordinal, start, end, tokens, text)"
                        " VALUES (?,?,?,?,?,?,?)",
                        (chunk.id, chunk.article_id, chunk.ordinal, chunk.start, chunk.end,
                         chunk.tokens, chunk.text),
                    )
                db.execute(
                    "DELETE FROM pending WHERE article_id = ? AND version = ?",
                    (article.id, article.content_hash),
                )
            _bump_generation(db)

    def remove_articles(self, article_ids: Sequence[str]) -> None:
        """Hide these articles at once; their chunk ids move to `garbage`."""
        with self.transaction() as db:
            for article_id in article_ids:
                self._drop_article(db, article_id)
            _bump_generation(db)

    def replace_all(self, batch: Sequence[tuple[Article, Sequence[Chunk]]]) -> None:
        """Empty the manifest and fill it with `batch` (used to rebuild it from Chroma)."""
        with self.transaction() as db:
            for table in ("articles", "chunks", "pending", "garbage"):
                db.execute(f"DELETE FROM {table}")
            _bump_generation(db)
        self.commit_articles(batch)

    @staticmethod
    def _drop_article(db: sqlite3.Connection, article_id: str) -> None:
        db.execute(
            "INSERT OR IGNORE INTO garbage SELECT id FROM chunks WHERE article_id = ?", (article_id,)
        )
        db.execute("DELETE FROM chunks WHERE article_id = ?", (article_id,))
        db.execute("DELETE FROM articles WHERE id = ?", (article_id,))


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
