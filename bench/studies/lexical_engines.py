"""Which incremental lexical index the Chroma path could take instead of the bm25s snapshot: SQLite
FTS5 inside the manifest, or tantivy (one writer per index), against bm25s as it is.

The same passages for each: real RealTime QA 2025 article texts cut into pieces of about 800
characters, repeated with new ids, outlets and dates up to each size, tokenized once by newsqa's own
tokenizer (lower case, stop words out, Snowball stems) so that all three index the same words.
Measured at each size: the time to build the index, the cost of adding one article of 20 passages
afterwards (bm25s: the whole rebuild it needs; FTS5: one transaction; tantivy: one commit and a
reader reload), and query p50 / p95 over 100 questions of the same year with no filter and with the
filters a question carries (as_of, and three outlets every other question), 50 results each.

Prints a Markdown table and saves it to bench/studies/results/lexical_engines.md. A study: it
chooses the lexical half's next form; the answers it gives are measured separately.

Run: .venv/bin/python bench/studies/lexical_engines.py [--sizes 100000 1000000] [--queries 100]
"""

from __future__ import annotations

import argparse
import gc
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import article_pieces, rtqa_questions, write_table  # noqa: E402
from newsqa.index.words import stemmed_words  # noqa: E402

LIMIT = 50
# bm25s is built at sizes up to this (beyond, its rebuild alone takes minutes), and FTS5 too: its
# query p95 at 100,000 passages is already far over the 50 ms asked at 1,000,000.
UP_TO = {"bm25s snapshot (today)": 200_000, "SQLite FTS5": 200_000}


class Corpus:
    """`size` passages: the real pieces repeated, each repeat with its own outlets and dates."""

    def __init__(self, base: list[tuple[str, str, float]], size: int) -> None:
        tokens = [" ".join(words) for words in stemmed_words([text for text, _, _ in base])]
        outlets = sorted({o for _, o, _ in base})
        self.outlets, self.size = outlets, size
        self.rows = []
        for i in range(size):
            text, outlet, published = base[i % len(base)]
            lap = i // len(base)
            self.rows.append((tokens[i % len(base)], outlets[(outlets.index(outlet) + lap) % len(outlets)],
                              -1.0 if published < 0 else published - lap * 86_400.0))


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


class Fts5:
    name = "SQLite FTS5"

    def __init__(self, folder: Path) -> None:
        self.db = sqlite3.connect(folder / "manifest.sqlite3", isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE chunks (rowid INTEGER PRIMARY KEY, source TEXT, published REAL)")
        self.db.execute("CREATE VIRTUAL TABLE lexical USING fts5(tokens, tokenize='unicode61', detail='none')")

    def add(self, rows, first: int) -> None:
        self.db.execute("BEGIN")
        self.db.executemany("INSERT INTO chunks VALUES (?, ?, ?)",
                            ((first + i, s, p) for i, (_, s, p) in enumerate(rows)))
        self.db.executemany("INSERT INTO lexical(rowid, tokens) VALUES (?, ?)",
                            ((first + i, t) for i, (t, _, _) in enumerate(rows)))
        self.db.execute("COMMIT")

    def search(self, words: list[str], as_of: float | None, outlets: list[str]):
        where, params = ["lexical MATCH ?"], [" OR ".join(f'"{w}"' for w in words)]
        if as_of is not None:
            where.append("c.published <= ?")
            params.append(as_of)
        if outlets:
            where.append(f"c.source IN ({','.join('?' * len(outlets))})")
            params += outlets
        return self.db.execute(
            f"SELECT c.rowid, bm25(lexical) FROM lexical JOIN chunks c ON c.rowid = lexical.rowid "
            f"WHERE {' AND '.join(where)} ORDER BY bm25(lexical) LIMIT {LIMIT}", params).fetchall()

    def ids(self, found) -> list[int]:
        return [row for row, _ in found]


class Tantivy:
    name = "tantivy"

    def __init__(self, folder: Path) -> None:
        import tantivy

        builder = tantivy.SchemaBuilder()
        builder.add_text_field("tokens", tokenizer_name="whitespace", index_option="freq")
        builder.add_text_field("source", tokenizer_name="raw")
        builder.add_float_field("published", fast=True, indexed=True)
        builder.add_unsigned_field("row", stored=True)
        self.tantivy = tantivy
        self.schema = builder.build()
        self.index = tantivy.Index(self.schema, path=str(folder))
        self.writer = self.index.writer(heap_size=200_000_000, num_threads=1)

    def add(self, rows, first: int) -> None:
        for i, (tokens, source, published) in enumerate(rows):
            self.writer.add_document(self.tantivy.Document(tokens=tokens, source=source, published=published,
                                                           row=first + i))
        self.writer.commit()
        self.index.reload()

    def search(self, words: list[str], as_of: float | None, outlets: list[str]):
        q, occur = self.tantivy.Query, self.tantivy.Occur
        text = q.boolean_query([(occur.Should, q.term_query(self.schema, "tokens", w)) for w in words])
        parts = [(occur.Must, text)]
        if as_of is not None:
            parts.append((occur.Must, q.range_query(self.schema, "published", self.tantivy.FieldType.Float,
                                                    None, as_of)))
        if outlets:
            parts.append((occur.Must, q.boolean_query([(occur.Should, q.term_query(self.schema, "source", o))
                                                        for o in outlets])))
        self.searcher = self.index.searcher()
        return self.searcher.search(q.boolean_query(parts), LIMIT).hits

    def ids(self, found) -> list[int]:
        return [self.searcher.doc(address)["row"][0] for _, address in found]


class Bm25s:
    name = "bm25s snapshot (today)"

    def __init__(self, folder: Path) -> None:
        self.rows: list = []

    def add(self, rows, first: int) -> None:
        import bm25s

        self.rows += rows
        self.retriever = bm25s.BM25()
        self.retriever.index([t.split() for t, _, _ in self.rows], show_progress=False)  # the whole rebuild
        self.sources = np.array([s for _, s, _ in self.rows])
        self.published = np.array([p for _, _, p in self.rows])

    def search(self, words: list[str], as_of: float | None, outlets: list[str]):
        keep = np.ones(len(self.rows), dtype=bool)
        if as_of is not None:
            keep &= self.published <= as_of
        if outlets:
            keep &= np.isin(self.sources, outlets)
        return self.retriever.retrieve([words], k=min(LIMIT, len(self.rows)), show_progress=False, n_threads=1,
                                       weight_mask=keep.astype(np.float32))

    def ids(self, found) -> list[int]:
        docs, scores = found
        return [int(d) for d, s in zip(docs[0], scores[0]) if s > 0]


def measure(kind, corpus: Corpus, asked: list[tuple[str, float]], reference: dict) -> list[str]:
    """The row of one index at one size; `reference` holds bm25s's first 10 of each query (filled
    by bm25s, which runs first), against which the others' first 10 are compared."""
    with tempfile.TemporaryDirectory() as folder:
        index = kind(Path(folder))
        body = corpus.size - 20
        build = timed(lambda: [index.add(corpus.rows[i:min(i + 100_000, body)], i) for i in range(0, body, 100_000)])
        one_article = timed(lambda: index.add(corpus.rows[-20:], corpus.size - 20))
        words = stemmed_words([q for q, _ in asked])
        plain, filtered, overlap = [], [], []
        for n, ((_, asked_on), found) in enumerate(zip(asked, words)):
            if not found:
                continue
            outlets = corpus.outlets[n % len(corpus.outlets):][:3] if n % 2 else []
            plain.append(timed(lambda: index.search(found, None, [])))
            filtered.append(timed(lambda: index.search(found, asked_on + 86_400, outlets)))
            first = index.ids(index.search(found, asked_on + 86_400, outlets))[:10]
            if kind is Bm25s:
                reference[n] = first
            elif n in reference and reference[n]:
                overlap.append(len(set(first) & set(reference[n])) / len(reference[n]))
        index = None
        gc.collect()  # let go of the index before its folder goes
    ms = lambda v, q: statistics.quantiles(v, n=100)[q - 1] * 1000  # noqa: E731
    agree = "1 (itself)" if kind is Bm25s else (f"{statistics.mean(overlap):.2f}" if overlap else "–")
    return [kind.name, f"{corpus.size:,}", f"{build:.1f}", f"{one_article * 1000:,.0f}",
            f"{ms(plain, 50):.1f} / {ms(plain, 95):.1f}", f"{ms(filtered, 50):.1f} / {ms(filtered, 95):.1f}", agree]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    base, asked = article_pieces(), rtqa_questions(args.queries)
    rows = []
    for size in args.sizes:
        corpus, reference = Corpus(base, size), {}
        for kind in (Bm25s, Fts5, Tantivy):
            if size > UP_TO.get(kind.name, size):
                continue
            rows.append(measure(kind, corpus, asked, reference))
            print(rows[-1], flush=True)
    write_table("lexical_engines", "An incremental lexical index for the Chroma path: FTS5 and tantivy against bm25s",
                ["index", "passages", "build s", "add one article ms", "query p50 / p95 ms",
                 "query with filters p50 / p95 ms", "first 10 shared with bm25s's"], rows, [
                    f"{len(base):,} real pieces of RealTime QA 2025 articles (~800 characters), repeated with new "
                    "outlets and dates to each size, tokenized once by newsqa's tokenizer; all three index the "
                    f"same words. {args.queries} questions of 2025, {LIMIT} results, one thread.",
                    "Add one article: 20 passages after the build — bm25s rebuilds its whole snapshot (what "
                    "newsqa does today after every write); FTS5 writes one transaction; tantivy commits and "
                    "reloads its reader. Filters: as_of always, three outlets every other question.",
                    f"bm25s and FTS5 are measured up to {UP_TO['SQLite FTS5']:,} passages (FTS5 scores every "
                    "passage that holds a query word, so its time grows with the corpus). First 10 shared: of "
                    "bm25s's first 10 "
                    "passages for a filtered query, the share the index also ranks in its first 10 (the same "
                    "words, other BM25 constants and ties).",
                    f"Command: .venv/bin/python bench/studies/lexical_engines.py --sizes "
                    f"{' '.join(map(str, args.sizes))} --queries {args.queries}",
                ])


if __name__ == "__main__":
    main()
