"""The Milvus engine: a milvus-lite file on one machine, or a Milvus server for a team.

Each chunk is one row: its vector, its text, the words BM25 reads, the fields the filters read
(outlet, date, article) and the rest of its metadata as JSON. The words are the title's and the
text's as newsqa's own BM25 index reads them (`words.tokenize`: lower case, stop words out,
Snowball stems), written out and split again by Milvus on white space; Milvus's built-in full-text
function fills a sparse vector from them, and a query is read the same way. So both engines score
the same words with the same constants, and the learned ranker, which reads each candidate's BM25
score, sees one scale whichever engine holds the passages. Both halves of the search run inside Milvus, so
every reader of the collection sees every write. The collection records the embedding model that
filled it, as the Chroma one does; it is created on the first write, when the vectors' size is
known.
"""

from __future__ import annotations

import hashlib
import json
import logging
import socket
import time
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from newsqa.errors import ModelMismatch, StoreUnavailable, one_line
from newsqa.index.engine import StoredChunk
from newsqa.index.filters import Filters
from newsqa.index.lexical import K1
from newsqa.index.settings import IndexSettings
from newsqa.index.store import UNDATED
from newsqa.index.words import tokenize

# A VARCHAR holds at most 65,535 bytes; a character takes at most 4.
_MAX_CHARS = 16_000
_WRITE_BATCH = 1000
# Milvus refuses a larger limit on one search.
_MAX_LIMIT = 16_384
# BM25's constants, those of newsqa's own index on the Chroma path (tantivy's, which it does not let
# change); both engines' scores are divided by k1 + 1, so the learned ranker reads one scale.
_K1, _B = K1, 0.75
# pymilvus logs a warning on every paged read of milvus-lite (it has no server clock to read), and
# an error on every failed call, even one newsqa recovers from: what fails reaches the user as one
# line (StoreUnavailable) instead. Set after pymilvus is imported, since its import configures these
# loggers.
_QUIET_LOGGERS = ("pymilvus", "pymilvus.milvus_client")


def connect(settings: IndexSettings):
    """A Milvus client for the configured address; StoreUnavailable when it cannot be reached."""
    milvus = settings.milvus
    uri = settings.milvus_uri
    token = milvus.token.get_secret_value() if milvus.token else ""
    where = f"Milvus server at {uri}" if milvus.is_server else f"milvus-lite file {uri}"
    try:
        if not milvus.is_server:
            settings.home.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():  # milvus-lite 2.5 imports the deprecated pkg_resources
            warnings.simplefilter("ignore", UserWarning)
            from pymilvus import MilvusClient

            for name in _QUIET_LOGGERS:
                logging.getLogger(name).setLevel(logging.CRITICAL)

            def client() -> MilvusClient:
                if not milvus.is_server:
                    _wait_for_lite_server(uri, milvus.timeout_s)
                opened = MilvusClient(uri=uri, token=token, timeout=milvus.timeout_s)
                try:
                    opened.list_collections()
                except Exception:
                    opened.close()
                    raise
                return opened

            try:
                return client()
            except Exception:
                if milvus.is_server or not _forget_lite_server(uri):
                    raise
                return client()  # on a new milvus-lite server
    except Exception as exc:  # pymilvus raises many types; the user needs one line
        raise StoreUnavailable(f"cannot reach the {where}: {milvus_error(exc)}") from None


def _wait_for_lite_server(path: str, timeout_s: float) -> None:
    """Start the milvus-lite server for `path` (or find the one this process started) and wait
    until its socket accepts a connection. milvus-lite counts its server up half a second after
    starting it, and pymilvus 2.6 tries the socket once without waiting: on a busy machine the
    first connection of a process failed with "server unavailable"."""
    from milvus_lite.server_manager import server_manager_instance

    address = server_manager_instance.start_and_get_uri(path)
    if address is None:
        raise StoreUnavailable("milvus-lite's server did not start (is another program using the file?)")
    socket_path = address.removeprefix("unix:")
    deadline = time.monotonic() + timeout_s
    while True:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            try:
                probe.connect(socket_path)
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise StoreUnavailable(f"milvus-lite's server did not open {socket_path} "
                                           f"within {timeout_s:g} s") from None
        time.sleep(0.05)


def _forget_lite_server(path: str) -> bool:
    """Let go of the milvus-lite server this process started for `path`, if there is one: a server
    that died (or never came up on a busy machine) stays registered and every later connection
    fails on its socket. True when there was one to forget, so that the next connection starts
    another."""
    from milvus_lite.server_manager import server_manager_instance

    known = str(Path(path).absolute().resolve()) in server_manager_instance._servers
    if known:
        server_manager_instance.release_server(path)
    return known


def milvus_error(exc: BaseException) -> str:
    """What Milvus said, in one line short enough to show (pymilvus wraps it in a repr)."""
    said = getattr(exc, "message", None)
    return one_line(said if isinstance(said, str) and said else exc)[:300]


def milvus_call(what: str, fn, *args, **kwargs):
    """fn(*args, **kwargs), any Milvus failure turned into StoreUnavailable naming `what` failed."""
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # pymilvus raises many types; the user needs one line
        raise StoreUnavailable(f"Milvus {what} failed: {milvus_error(exc)}") from None


def literal(value: str) -> str:
    """A string as a Milvus expression literal (quotes and backslashes escaped)."""
    return json.dumps(value, ensure_ascii=False)


def filter_expression(filters: Filters) -> str:
    """The Milvus boolean expression for search filters (undated chunks pass `as_of` but not
    since/until; the `carried` articles pass the source filter), "" for none."""
    parts = []
    by_source = []
    if filters.sources:
        by_source.append(f"source in [{', '.join(map(literal, filters.sources))}]")
    if filters.carried:
        by_source.append(f"article_id in [{', '.join(map(literal, filters.carried))}]")
    if by_source:
        parts.append(f"({' or '.join(by_source)})")
    if filters.since is not None:
        parts.append(f"published >= {filters.since.timestamp()!r}")
    if filters.until is not None:
        parts.append(f"published <= {filters.until.timestamp()!r} and published != {UNDATED!r}")
    if filters.as_of is not None:
        parts.append(f"published <= {filters.as_of.timestamp()!r}")
    return " and ".join(parts)


class MilvusEngine:
    """A Milvus collection of chunks with dense (cosine) and BM25 search inside it."""

    name = "milvus"

    def __init__(self, settings: IndexSettings, model_name: str) -> None:
        self.settings = settings
        self.model_name = model_name
        self.collection = settings.milvus.collection
        self.client = connect(settings)
        self._exists = self._call("open", self.client.has_collection, self.collection)
        if self._exists:
            self._check_model()

    def _call(self, what: str, fn, *args, **kwargs):
        return milvus_call(what, fn, *args, **kwargs)

    def _check_model(self) -> None:
        described = self._call("open", self.client.describe_collection, self.collection)
        try:
            stored = json.loads(described.get("description") or "{}").get("embedding_model")
        except (ValueError, AttributeError):
            stored = None
        if stored is None:
            raise ModelMismatch(
                f"Milvus collection {self.collection!r} was not made by newsqa (it records no embedding "
                "model); name another collection (milvus.collection)"
            )
        if stored != self.model_name:
            raise ModelMismatch(
                f"Milvus collection {self.collection!r} was built with embedding model {stored!r}, but "
                f"{self.model_name!r} is configured; use the same model, or another collection "
                "(milvus.collection)"
            )

    def _create(self, dimensions: int) -> None:
        """The collection, its BM25 function and its two indexes."""
        from pymilvus import DataType, Function, FunctionType

        schema = self.client.create_schema(
            auto_id=False, description=json.dumps({"embedding_model": self.model_name})
        )
        text = {"datatype": DataType.VARCHAR, "max_length": 65_535}
        schema.add_field("id", is_primary=True, **text)
        for name in ("article_id", "version", "source", "text"):
            schema.add_field(name, **text)
        schema.add_field("lexical", enable_analyzer=True, analyzer_params={"tokenizer": "whitespace"}, **text)
        schema.add_field("published", DataType.DOUBLE)
        schema.add_field("meta", DataType.JSON)
        schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dimensions)
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_function(Function(name="bm25", function_type=FunctionType.BM25,
                                     input_field_names=["lexical"], output_field_names=["sparse"]))
        indexes = self.client.prepare_index_params()
        indexes.add_index("dense", index_type="AUTOINDEX", metric_type="COSINE")
        indexes.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                          params={"bm25_k1": _K1, "bm25_b": _B})
        # Strong: a search sees every write made before it, in this process or another.
        self._call("create", self.client.create_collection, self.collection, schema=schema,
                   index_params=indexes, consistency_level="Strong")
        self._exists = True

    def count(self) -> int:
        if not self._exists:
            return 0
        rows = self._call("count", self.client.query, self.collection, filter="", output_fields=["count(*)"])
        return int(rows[0]["count(*)"])

    def upsert(self, ids: list[str], vectors: np.ndarray, documents: list[str],
               metadatas: list[dict[str, Any]]) -> None:
        if not ids:
            return
        if not self._exists:
            self._create(int(vectors.shape[1]))
        words = tokenize([f"{meta['title']}\n{document}" for document, meta in zip(documents, metadatas)])
        rows = [
            {"id": cid, "article_id": meta["article_id"], "version": meta["version"],
             "source": meta["source"], "published": float(meta["published"]),
             "text": document[:_MAX_CHARS], "lexical": " ".join(found)[:_MAX_CHARS],
             "meta": meta, "dense": vector.tolist()}
            for cid, vector, document, meta, found in zip(ids, vectors, documents, metadatas, words)
        ]
        for i in range(0, len(rows), _WRITE_BATCH):
            self._call("write", self.client.upsert, self.collection, rows[i : i + _WRITE_BATCH])

    def delete_ids(self, ids: Sequence[str]) -> None:
        if not self._exists:
            return
        for i in range(0, len(ids), _WRITE_BATCH):
            self._call("delete", self.client.delete, self.collection, ids=list(ids[i : i + _WRITE_BATCH]))

    def delete_version(self, article_id: str, version: str) -> None:
        if self._exists:
            self._call("delete", self.client.delete, self.collection,
                       filter=f"article_id == {literal(article_id)} and version == {literal(version)}")

    def dense_search(self, vector: np.ndarray, n: int, filters: Filters) -> list[tuple[str, float]]:
        """Nearest chunk ids within the filters with cosine similarity, best first."""
        return self._search(np.asarray(vector, dtype=np.float32).tolist(), "dense", "COSINE", n, filters)

    def lexical_search(self, query: str, n: int, filters: Filters) -> list[tuple[str, float]]:
        """BM25 inside Milvus: chunk ids with their scores (on bm25s's scale), best first, only
        those with a match."""
        [words] = tokenize([query])
        if not words:
            return []
        found = self._search(" ".join(words), "sparse", "BM25", n, filters)
        return [(cid, score / (_K1 + 1)) for cid, score in found if score > 0]

    def _search(self, data: Any, field: str, metric: str, n: int, filters: Filters) -> list[tuple[str, float]]:
        if not self._exists or n <= 0:
            return []
        found = self._call(
            "search", self.client.search, self.collection, data=[data], anns_field=field,
            limit=min(n, _MAX_LIMIT), filter=filter_expression(filters), search_params={"metric_type": metric},
        )
        return [(hit["id"], float(hit["distance"])) for hit in found[0]]

    def version_parts(self, article_id: str, version: str) -> list[StoredChunk]:
        """(id, document, metadata) of one article version's chunks, in no particular order."""
        if not self._exists:
            return []
        rows = self._call("read", self.client.query, self.collection,
                          filter=f"article_id == {literal(article_id)} and version == {literal(version)}",
                          output_fields=["text", "meta"])
        return [(row["id"], row["text"], row["meta"]) for row in rows]

    def iter_all(self, page: int = 1000) -> Iterator[StoredChunk]:
        """Every (id, document, metadata) in the collection, page by page."""
        if not self._exists:
            return
        pages = self._call("read", self.client.query_iterator, self.collection, batch_size=page,
                           filter="", output_fields=["text", "meta"])
        try:
            while rows := self._call("read", pages.next):
                yield from ((row["id"], row["text"], row["meta"]) for row in rows)
        finally:
            pages.close()

    def close(self) -> None:
        self.client.close()


class MilvusChangeLog:
    """The change log other processes read (index/changes.py), as the `<collection>_changes`
    collection of a Milvus server: what a writer committed, removed or recorded as copies, and each
    followed feed's status. Milvus searches see every write at once, but each process keeps its own
    manifest (which versions are visible, copies, spelling, stats); this is how those reach the
    manifests of other machines."""

    def __init__(self, client: Any, chunk_collection: str) -> None:
        self.client = client
        self.collection = f"{chunk_collection}_changes"
        if not self._call("open", self.client.has_collection, self.collection):
            self._create()

    def _call(self, what: str, fn, *args, **kwargs):
        return milvus_call(f"change log {what}", fn, *args, **kwargs)

    def _create(self) -> None:
        from pymilvus import DataType

        schema = self.client.create_schema(auto_id=False, description="newsqa's change log")
        schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=256)
        schema.add_field("kind", DataType.VARCHAR, max_length=16)
        schema.add_field("writer", DataType.VARCHAR, max_length=256)
        schema.add_field("at", DataType.DOUBLE)
        schema.add_field("entry", DataType.VARCHAR, max_length=65_535)
        schema.add_field("placeholder", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector in every row
        indexes = self.client.prepare_index_params()
        indexes.add_index("placeholder", index_type="FLAT", metric_type="L2")
        self._call("create", self.client.create_collection, self.collection, schema=schema,
                   index_params=indexes, consistency_level="Strong")

    def _rows(self, kind: str, writer: str, at: float, key: str, entry: dict[str, Any]) -> list[dict[str, Any]]:
        return [{"id": f"{key}-{part:03d}" if part else key, "kind": kind, "writer": writer, "at": at,
                 "entry": text, "placeholder": [0.0, 0.0]} for part, text in enumerate(_in_parts(entry))]

    def publish(self, writer: str, entries: list[tuple[int, dict[str, Any]]]) -> None:
        """Append these outbox entries ((sequence number, change)) under this writer's name."""
        now = time.time()
        rows = [row for seq, entry in entries for row in self._rows("change", writer, now, f"{writer}-{seq:012d}",
                                                                    entry)]
        for i in range(0, len(rows), _WRITE_BATCH):
            self._call("write", self.client.upsert, self.collection, rows[i : i + _WRITE_BATCH])

    def since(self, at: float) -> list[tuple[str, float, str, dict[str, Any]]]:
        """(id, at, writer, change) of the entries published at or after `at`, oldest first."""
        found = [(row["id"], float(row["at"]), row["writer"], json.loads(row["entry"]))
                 for row in self._query(f'kind == "change" and at >= {max(at, 0.0)!r}')]
        return sorted(found, key=lambda e: (e[1], e[0]))

    def prune(self, before: float) -> None:
        self._call("prune", self.client.delete, self.collection, filter=f'kind == "change" and at < {before!r}')

    def publish_feed(self, state: dict[str, Any]) -> None:
        """The latest status of one followed feed (one record a feed, replaced each poll)."""
        key = "feed-" + hashlib.sha256(state["url"].encode()).hexdigest()[:24]
        self._call("write", self.client.upsert, self.collection, self._rows("feed", "", time.time(), key, state))

    def feeds(self) -> list[dict[str, Any]]:
        return [json.loads(row["entry"]) for row in self._query('kind == "feed"')]

    def _query(self, expression: str) -> list[dict[str, Any]]:
        pages = self._call("read", self.client.query_iterator, self.collection, batch_size=1000,
                           filter=expression, output_fields=["writer", "at", "entry"])
        try:
            found = []
            while rows := self._call("read", pages.next):
                found.extend(rows)
            return found
        finally:
            pages.close()


def _in_parts(entry: dict[str, Any]) -> list[str]:
    """The entry as JSON, split (by its list of ids or rows) into parts a VARCHAR holds: forgetting
    an outlet's articles may name thousands."""
    text = json.dumps(entry)
    lists = [key for key, value in entry.items() if isinstance(value, list)]
    if len(text) <= _MAX_CHARS or not lists or len(entry[lists[0]]) < 2:
        return [text]
    key, items = lists[0], entry[lists[0]]
    half = len(items) // 2
    return _in_parts({**entry, key: items[:half]}) + _in_parts({**entry, key: items[half:]})
