"""Answers the bot gave and the 👍 / 👎 votes on them, in a local SQLite file the evaluation
harness can read (tables `answers` and `votes`). User ids are stored only as a keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
import threading
import time
from pathlib import Path

from newsqa import Answer

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS answers (
    answer_id TEXT PRIMARY KEY, asked_at REAL NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL,
    abstained INTEGER NOT NULL, citations TEXT NOT NULL, model TEXT NOT NULL, user_hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS votes (
    answer_id TEXT NOT NULL, user_hash TEXT NOT NULL, vote INTEGER NOT NULL, voted_at REAL NOT NULL,
    PRIMARY KEY (answer_id, user_hash));
"""


class FeedbackStore:
    """Thread-safe; one connection guarded by a lock (writes are tiny and rare)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.executescript(SCHEMA)
            row = self._db.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()
            if row is None:
                self._db.execute("INSERT INTO meta VALUES ('salt', ?)", (secrets.token_hex(16),))
                row = self._db.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()
        self._salt = bytes.fromhex(row[0])

    def user_hash(self, user_id: int) -> str:
        return hmac.new(self._salt, str(user_id).encode(), hashlib.sha256).hexdigest()[:32]

    def record_answer(self, answer: Answer, user_id: int) -> str:
        """Store an answer the bot is about to send; returns the id its buttons carry."""
        answer_id = secrets.token_hex(8)
        citations = json.dumps([c.model_dump(mode="json") for c in answer.citations])
        with self._lock:
            self._db.execute("INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             (answer_id, time.time(), answer.question, answer.answer, int(answer.abstained),
                              citations, answer.model, self.user_hash(user_id)))
        return answer_id

    def vote(self, answer_id: str, user_id: int, up: bool) -> bool:
        """Record (or change) a user's vote; False when the answer is unknown."""
        with self._lock:
            if self._db.execute("SELECT 1 FROM answers WHERE answer_id = ?", (answer_id,)).fetchone() is None:
                return False
            self._db.execute("INSERT OR REPLACE INTO votes VALUES (?, ?, ?, ?)",
                             (answer_id, self.user_hash(user_id), 1 if up else -1, time.time()))
        return True

    def votes(self) -> list[tuple[str, str, int]]:
        """(question, answer, vote) for every vote, oldest first."""
        with self._lock:
            return self._db.execute(
                "SELECT a.question, a.answer, v.vote FROM votes v JOIN answers a USING (answer_id) "
                "ORDER BY v.voted_at").fetchall()

    def close(self) -> None:
        self._db.close()
