"""Readers' votes on answers, in a local SQLite file (`feedback.path`, default HOME/feedback.sqlite3):
every face that shows answers records them here (`record_answer`), and a reader's 👍 / 👎 (with
an optional correction) is stored against the answer (`vote`). `newsqa feedback export` turns the
votes into an evaluation set and into training examples for the learned ranker (`newsqa train`).

What is kept of an answer: the question as asked and as searched, as_of, the passages shown (in
rank order), the cited ones, the answer, the model and the face. Voters are stored only as a
keyed hash of their id (a Discord user id, a server token's name). One vote per voter and answer
(a second one replaces the first); `votes_per_voter` caps how many of one voter's votes count.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from newsqa.bot.answer import Answer

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS answers (
    answer_id TEXT PRIMARY KEY, asked_at REAL NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL,
    abstained INTEGER NOT NULL, citations TEXT NOT NULL, model TEXT NOT NULL, user_hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS votes (
    answer_id TEXT NOT NULL, user_hash TEXT NOT NULL, vote INTEGER NOT NULL, voted_at REAL NOT NULL,
    PRIMARY KEY (answer_id, user_hash));
"""
# Added after the first release: added to an older file when it is opened.
NEW_COLUMNS = {
    "answers": [("standalone_question", "TEXT"), ("as_of", "TEXT"), ("short_answer", "TEXT"),
                ("passages", "TEXT"), ("cited", "TEXT"), ("face", "TEXT")],
    "votes": [("correction", "TEXT"), ("face", "TEXT")],
}
MAX_CORRECTION_CHARS = 500


@dataclass
class VotedAnswer:
    """An answer with its votes summed (up +1, down −1), the newest correction, and its voters."""

    answer_id: str
    question: str
    standalone_question: str
    as_of: datetime | None
    answer: str
    short_answer: str
    abstained: bool
    passages: list[str]  # chunk ids shown, in rank order
    cited: list[str]  # chunk ids the answer cites
    score: int
    correction: str | None
    voters: int

    @property
    def up(self) -> bool:
        return self.score > 0


class FeedbackStore:
    """Thread-safe; one connection guarded by a lock (writes are tiny and rare)."""

    def __init__(self, path: Path, votes_per_voter: int = 50) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.votes_per_voter = votes_per_voter
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._lock = threading.Lock()
        with self._lock:
            self._db.executescript(SCHEMA)
            for table, columns in NEW_COLUMNS.items():
                have = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
                for name, kind in columns:
                    if name not in have:
                        self._db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
            row = self._db.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()
            if row is None:
                self._db.execute("INSERT INTO meta VALUES ('salt', ?)", (secrets.token_hex(16),))
                row = self._db.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()
        self._salt = bytes.fromhex(row[0])

    def user_hash(self, voter: int | str) -> str:
        return hmac.new(self._salt, str(voter).encode(), hashlib.sha256).hexdigest()[:32]

    def record_answer(self, answer: Answer, asker: int | str, face: str) -> str:
        """Store an answer a face is about to show; returns the id a vote names."""
        answer_id = secrets.token_hex(8)
        citations = json.dumps([c.model_dump(mode="json") for c in answer.citations])
        passages = json.dumps([r.chunk_id for r in answer.retrieved])
        cited = json.dumps(list(dict.fromkeys(c.chunk_id for c in answer.citations)))
        with self._lock:
            self._db.execute(
                "INSERT INTO answers (answer_id, asked_at, question, answer, abstained, citations, model, user_hash,"
                " standalone_question, as_of, short_answer, passages, cited, face)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (answer_id, time.time(), answer.question, answer.answer, int(answer.abstained), citations,
                 answer.model, self.user_hash(asker), answer.standalone_question,
                 answer.as_of.isoformat() if answer.as_of else None, answer.short_answer, passages, cited, face))
        return answer_id

    def vote(self, answer_id: str, voter: int | str, up: bool, correction: str | None = None,
             face: str = "") -> bool:
        """Record (or change) a voter's vote; False when the answer is unknown."""
        correction = " ".join((correction or "").split())[:MAX_CORRECTION_CHARS] or None
        with self._lock:
            if self._db.execute("SELECT 1 FROM answers WHERE answer_id = ?", (answer_id,)).fetchone() is None:
                return False
            self._db.execute("INSERT OR REPLACE INTO votes (answer_id, user_hash, vote, voted_at, correction, face)"
                             " VALUES (?, ?, ?, ?, ?, ?)",
                             (answer_id, self.user_hash(voter), 1 if up else -1, time.time(), correction, face))
        return True

    def votes(self) -> list[tuple[str, str, int]]:
        """(question, answer, vote) for every vote, oldest first."""
        with self._lock:
            return self._db.execute(
                "SELECT a.question, a.answer, v.vote FROM votes v JOIN answers a USING (answer_id) "
                "ORDER BY v.voted_at").fetchall()

    def voted_answers(self) -> list[VotedAnswer]:
        """Every voted answer with its votes summed; of each voter only the newest
        `votes_per_voter` votes count, so one reader cannot outweigh the rest."""
        with self._lock:
            rows = self._db.execute(
                "SELECT answer_id, vote, correction FROM ("
                " SELECT answer_id, vote, correction, voted_at,"
                "  ROW_NUMBER() OVER (PARTITION BY user_hash ORDER BY voted_at DESC) AS newest FROM votes)"
                " WHERE newest <= ? ORDER BY voted_at", (self.votes_per_voter,)).fetchall()
            answers = {row[0]: row for row in self._db.execute(
                "SELECT answer_id, question, standalone_question, as_of, answer, short_answer, abstained,"
                " passages, cited FROM answers WHERE answer_id IN (SELECT answer_id FROM votes)")}
        summed: dict[str, VotedAnswer] = {}
        for answer_id, vote, correction in rows:
            found = answers.get(answer_id)
            if found is None:
                continue
            item = summed.get(answer_id) or _voted(found)
            item.score += vote
            item.voters += 1
            item.correction = correction or item.correction
            summed[answer_id] = item
        return list(summed.values())

    def close(self) -> None:
        self._db.close()


def _voted(row: tuple) -> VotedAnswer:
    answer_id, question, standalone, as_of, answer, short, abstained, passages, cited = row
    stamp = datetime.fromisoformat(as_of) if as_of else None
    return VotedAnswer(answer_id, question, standalone or question,
                       stamp.astimezone(timezone.utc) if stamp else None, answer, short or "", bool(abstained),
                       json.loads(passages or "[]"), json.loads(cited or "[]"), 0, None, 0)


@dataclass
class Export:
    """What `export_votes` wrote."""

    questions: int  # evaluation questions (an up vote, or a correction, says what is right)
    examples: int  # training examples (an up vote's cited passages, or a correction to look for)
    skipped: int  # down votes without a correction: nothing says what is right


def export_votes(voted: list[VotedAnswer], folder: Path) -> Export:
    """`questions.jsonl` (the format `newsqa eval run` reads) and `training.jsonl` (examples
    `newsqa train --votes` reads) of the voted answers, in `folder`.

    An up vote on an answer makes its short answer a right answer and its cited passages
    answering ones; an up vote on "I don't know" makes the question unanswerable; a down vote
    with a correction makes the correction the right answer and the cited passages wrong ones; a
    down vote alone says nothing about what is right and is skipped. Votes that cancel out (as
    many up as down) are skipped too."""
    folder.mkdir(parents=True, exist_ok=True)
    questions, examples, skipped = [], [], 0
    for item in voted:
        base = {"id": f"vote-{item.answer_id}", "question": item.standalone_question,
                "as_of": item.as_of.isoformat() if item.as_of else None}
        tally = {"votes": item.score, "voters": item.voters}
        if item.up and item.abstained:
            questions.append({**base, "answers": [], "answerable": False, **tally})
        elif item.up:
            right = [item.short_answer] if item.short_answer else []
            if right:
                questions.append({**base, "answers": right, "answerable": True, **tally})
            if item.cited:
                examples.append({**base, "answers": right, "positive": item.cited, "negative": []})
        elif item.score < 0 and item.correction:
            questions.append({**base, "answers": [item.correction], "answerable": True, **tally})
            examples.append({**base, "answers": [item.correction], "positive": [], "negative": item.cited})
        else:
            skipped += 1
    (folder / "questions.jsonl").write_text("".join(json.dumps(q) + "\n" for q in questions))
    (folder / "training.jsonl").write_text("".join(json.dumps(e) + "\n" for e in examples))
    return Export(len(questions), len(examples), skipped)
