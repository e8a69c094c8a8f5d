"""The lexical half of search on the Chroma path: BM25 over the visible chunks, in a tantivy index.

Open-source Chroma has no lexical search, so newsqa keeps its own, in `home/lexical-tantivy-v1`: one
tantivy document per visible chunk (its id, the words `tokenize` reads in its article's title and its
text, its outlet, its article, its publication time), shared by every process using the data
directory. It grows a change at a time: the manifest notes every chunk added or removed in its
`lexical_journal` (SQLite triggers, in the transaction that makes the change), and whoever brings the
index up to date replays the journal from the last change the index holds: the chunks touched since
are deleted from the index and those still visible added again, in one tantivy commit. Replaying is
harmless twice, so a crash between the commit and the note of how far it went costs only the replay.
The number of the last change applied is written beside the index after its commit, so no reader
takes an index as up to date before it is.

tantivy lets one process write an index at a time (a lock file): the writer brings it up to date
after each of its writes; a searching process that finds it behind tries to take the writer itself,
and if another holds it, waits for that one to finish. The manifest stays the source of truth:
search shows only chunks the manifest lists, and an index that missed changes the journal no longer
holds (or that is missing or damaged) is built again from the manifest.

Scores: tantivy's BM25 has k1 = 1.2 and b = 0.75 and keeps the (k1 + 1) factor in each term's
score; newsqa divides it out, as bm25s (the index before this one) did, so the learned ranker reads
scores of the same scale.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from pathlib import Path

import tantivy

from newsqa.index.filters import Filters
from newsqa.index.manifest import LexicalRow, Manifest
from newsqa.index.words import tokenize

K1 = 1.2  # tantivy's BM25 constant: each term's score carries a factor (K1 + 1) that newsqa divides out
SCHEMA_VERSION = 1  # the directory's suffix: an index of another schema is built anew beside it
WRITER_HEAP = 50_000_000  # bytes tantivy buffers before it writes a segment (one thread)
BUILD_HEAP = 400_000_000  # the same, when the whole index is built
WAIT_FOR_WRITER_S = 30.0  # how long a search waits for another process to bring the index up to date
LARGE_CHANGE = 50_000  # journal changes past which the writer gets BUILD_HEAP

log = logging.getLogger(__name__)


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("chunk_id", tokenizer_name="raw", stored=True)
    # already newsqa's words (tokenize): split on spaces only, with term frequencies for BM25
    builder.add_text_field("words", tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field("source", tokenizer_name="raw")  # lower-cased outlet
    builder.add_text_field("article_id", tokenizer_name="raw")
    builder.add_float_field("published", fast=True, indexed=True)  # unix seconds; absent when undated
    builder.add_unsigned_field("undated", indexed=True)  # 1 when the article has no date
    return builder.build()


class LexicalIndex:
    """BM25 search over the manifest's visible chunks, brought up to date from its journal."""

    def __init__(self, manifest: Manifest, home: Path) -> None:
        self.manifest = manifest
        self.directory = home / f"lexical-tantivy-v{SCHEMA_VERSION}"
        self._old_snapshots = home / "lexical"  # bm25s snapshots of newsqa before this index
        self.schema = _schema()
        self._index: tantivy.Index | None = None
        self._seen = -1  # the applied change the open searcher reflects
        self._searcher: tantivy.Searcher | None = None
        self._lock = threading.RLock()

    def search(self, query: str, limit: int, filters: Filters) -> list[tuple[str, float]]:
        """Chunk ids ranked by BM25, best first, with their scores; only chunks with a match."""
        [words] = tokenize([query])
        if not words:
            return []
        searcher = self.searcher()
        q, should, must = tantivy.Query, tantivy.Occur.Should, tantivy.Occur.Must
        parts = [(must, q.boolean_query([(should, q.term_query(self.schema, "words", w)) for w in words]))]
        parts += [(must, clause) for clause in self._filter_clauses(filters)]
        hits = searcher.search(q.boolean_query(parts), max(1, limit), count=False).hits
        return [(searcher.doc(address)["chunk_id"][0], score / (K1 + 1)) for score, address in hits if score > 0]

    def chunk_ids(self) -> list[str]:
        """Every chunk the index holds (to check it against the manifest)."""
        searcher = self.searcher()
        hits = searcher.search(tantivy.Query.all_query(), max(1, searcher.num_docs), count=False).hits
        return [searcher.doc(address)["chunk_id"][0] for _, address in hits]

    def _filter_clauses(self, filters: Filters) -> list[tantivy.Query]:
        q, should, schema = tantivy.Query, tantivy.Occur.Should, self.schema
        floats = tantivy.FieldType.Float
        clauses = []
        if filters.sources or filters.carried:
            either = []
            if filters.sources:
                either.append((should, q.term_set_query(schema, "source", [s.lower() for s in filters.sources])))
            if filters.carried:
                either.append((should, q.term_set_query(schema, "article_id", list(filters.carried))))
            clauses.append(q.boolean_query(either))
        if filters.since:
            clauses.append(q.range_query(schema, "published", floats, filters.since.timestamp(), None))
        if filters.until:
            clauses.append(q.range_query(schema, "published", floats, None, filters.until.timestamp()))
        if filters.as_of:  # undated articles are kept: nothing says they came later
            clauses.append(q.boolean_query([
                (should, q.range_query(schema, "published", floats, None, filters.as_of.timestamp())),
                (should, q.term_query(schema, "undated", 1))]))
        return clauses

    def searcher(self) -> tantivy.Searcher:
        """A searcher of the index as up to date as the manifest (brought there first if need be)."""
        with self._lock:
            applied = self.catch_up()
            if self._searcher is None or applied != self._seen:
                assert self._index is not None
                self._index.reload()
                self._searcher = self._index.searcher()
                self._seen = applied
            return self._searcher

    def catch_up(self, wait_s: float = WAIT_FOR_WRITER_S) -> int:
        """Bring the index up to the manifest's journal (or wait while another process does);
        returns the journal change it now reflects."""
        with self._lock:
            index = self._open()
            end, pruned = self.manifest.journal_end(), self.manifest.journal_pruned()
            applied = self._applied()
            deadline = time.monotonic() + wait_s
            while applied < end or applied < pruned:
                large = applied < 0 or applied < pruned or end - applied > LARGE_CHANGE
                try:
                    writer = index.writer(BUILD_HEAP if large else WRITER_HEAP, 1)
                except ValueError:  # another process holds the writer: it is bringing the index up to date
                    if time.monotonic() > deadline:
                        log.warning("the lexical index in %s is behind its manifest and another process "
                                    "holds its writer; searching what it holds", self.directory)
                        break
                    time.sleep(0.05)
                else:
                    applied = self._apply(writer)
                    break
                applied = self._applied()
            return applied

    def _open(self) -> tantivy.Index:
        if self._index is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._index = tantivy.Index(self.schema, path=str(self.directory))
            shutil.rmtree(self._old_snapshots, ignore_errors=True)
        return self._index

    def _apply(self, writer: tantivy.IndexWriter) -> int:
        """Replay the journal into the index (or build it whole), commit, note how far it went."""
        applied = self._applied()
        try:
            if applied < 0 or applied < self.manifest.journal_pruned():
                end = self._build(writer)
            else:
                end, touched, rows = self.manifest.lexical_changes(applied)
                for chunk_id in touched:
                    writer.delete_documents_by_term("chunk_id", chunk_id)
                self._add(writer, rows)
                writer.commit()
            self._note_applied(end)
            writer.wait_merging_threads()  # lets go of the writer's lock
        except BaseException:
            writer.rollback()
            writer.wait_merging_threads()  # the lock goes now, not when the traceback lets go of the writer
            raise
        self.manifest.prune_journal(end)
        return end

    def _build(self, writer: tantivy.IndexWriter) -> int:
        """The whole index afresh from the manifest's visible chunks."""
        writer.delete_all_documents()
        end, rows = self.manifest.lexical_corpus()
        for start in range(0, len(rows), 10_000):
            self._add(writer, rows[start:start + 10_000])
        writer.commit()
        return end

    def _add(self, writer: tantivy.IndexWriter, rows: list[LexicalRow]) -> None:
        if not rows:
            return
        for row, words in zip(rows, tokenize([r.words for r in rows])):
            document = tantivy.Document(chunk_id=row.chunk_id, words=" ".join(words), article_id=row.article_id,
                                        source=(row.source or "").lower())
            if row.published is None:
                document.add_unsigned("undated", 1)
            else:
                document.add_float("published", float(row.published))
            writer.add_document(document)

    def _applied(self) -> int:
        """The last journal change the committed index holds; -1 when it was never built."""
        try:
            return int((self.directory / "applied").read_text())
        except (OSError, ValueError):
            return -1

    def _note_applied(self, end: int) -> None:
        tmp = self.directory / f".applied-{os.getpid()}-{threading.get_ident()}"
        tmp.write_text(str(end))
        tmp.replace(self.directory / "applied")  # atomic: a reader sees the old number or the new
