"""The change log other processes read: what a writer committed, removed or recorded as copies.

With a Chroma server, several processes on several machines share the vectors, but each keeps
its own manifest and lexical index. A writer commits a change and its outbox entry in one
manifest transaction, then publishes the outbox here (a second Chroma collection beside the
chunks); readers fetch the entries newer than their cursor and apply the ones they have not.
Feed status records live here too, so every process can show how the followed feeds are doing.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from newsqa.errors import StoreUnavailable
from newsqa.index.store import chroma_call, chroma_error

# Entries are found by the writer's clock: a reader re-reads this far behind its cursor, so an
# entry published late (a slow writer, clocks a little apart) is still seen. Applied ids are
# remembered, so nothing is applied twice.
OVERLAP_S = 120.0
# Chroma stores vectors with every record; the log's records carry a placeholder of one dimension.
_NO_VECTOR = [0.0]


class ChangeLog:
    """The `<collection>-changes` collection of a Chroma server."""

    def __init__(self, client: Any, chunk_collection: str) -> None:
        try:
            self.collection = client.get_or_create_collection(f"{chunk_collection}-changes", embedding_function=None)
        except Exception as exc:
            raise StoreUnavailable(f"cannot open the change log: {chroma_error(exc)}") from None

    def _call(self, what: str, fn, **kwargs):
        return chroma_call(f"change log {what}", fn, **kwargs)

    def publish(self, writer: str, entries: list[tuple[int, dict[str, Any]]]) -> None:
        """Append these outbox entries ((sequence number, change)) under this writer's name."""
        if not entries:
            return
        now = time.time()
        self._call(
            "write", self.collection.upsert,
            ids=[f"{writer}-{seq:012d}" for seq, _ in entries],
            embeddings=[_NO_VECTOR] * len(entries),
            documents=[json.dumps(entry) for _, entry in entries],
            metadatas=[{"kind": "change", "writer": writer, "at": now} for _ in entries],
        )

    def since(self, at: float) -> list[tuple[str, float, str, dict[str, Any]]]:
        """(id, at, writer, change) of the entries published at or after `at`, oldest first."""
        got = self._call("read", self.collection.get,
                         where={"$and": [{"kind": "change"}, {"at": {"$gte": max(at, 0.0)}}]},
                         include=["documents", "metadatas"])
        found = [(i, float(m["at"]), str(m["writer"]), json.loads(d))
                 for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])]
        return sorted(found, key=lambda e: (e[1], e[0]))

    def prune(self, before: float) -> None:
        self._call("prune", self.collection.delete,
                   where={"$and": [{"kind": "change"}, {"at": {"$lt": before}}]})

    def publish_feed(self, state: dict[str, Any]) -> None:
        """The latest status of one followed feed (one record a feed, replaced each poll)."""
        key = hashlib.sha256(state["url"].encode()).hexdigest()[:24]
        self._call("write", self.collection.upsert, ids=[f"feed-{key}"], embeddings=[_NO_VECTOR],
                   documents=[json.dumps(state)], metadatas=[{"kind": "feed", "at": time.time()}])

    def feeds(self) -> list[dict[str, Any]]:
        got = self._call("read", self.collection.get, where={"kind": "feed"}, include=["documents"])
        return [json.loads(d) for d in got["documents"]]
