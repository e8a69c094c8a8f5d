"""Hybrid search: dense (Chroma) and lexical (BM25) rankings fused, filtered, dated, diversified.

Scoring, in order:
1. Dense: the `candidates` chunks nearest to the query embedding (cosine), within the filters.
2. Lexical: the `candidates` best BM25 matches of the query's content words, same filters.
3. Fusion: reciprocal rank fusion, `w_dense/(rrf_k + rank_dense) + w_lex/(rrf_k + rank_lex)`.
4. Recency: the fused score is multiplied by `1 + recency_weight * 0.5 ** (age_days / half_life)`,
   where age is counted back from `as_of` (or now); undated chunks get no boost. With the
   defaults (weight 0.1, half-life 30 days) a story from the day before `as_of` gains ~10% over a
   very old one: enough to break near-ties in favour of fresh news, not to outrank relevance.
5. Diversity: at most `max_chunks_per_article` chunks of one article in the results.
`as_of` also hides everything published after it (undated articles stay searchable).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

from newsqa.errors import BadQuery
from newsqa.index.filters import Filters
from newsqa.index.manifest import StoredChunk
from newsqa.index.settings import SearchSettings

MAX_QUERY_CHARS = 2000


@dataclass
class SearchHit:
    """One ranked chunk; `start`/`end` are character offsets in the article text."""

    article_id: str
    chunk_id: str
    title: str
    source: str | None
    url: str | None
    published: datetime | None
    text: str
    start: int
    end: int
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None
    # Other outlets that carried the same story (syndicated copies): [{source, url, published}].
    carried_by: list[dict] = field(default_factory=list)
    # The article is its feed entry's summary (its page could not be had).
    from_summary: bool = False

    def to_json(self) -> dict:
        data = asdict(self)
        data["published"] = self.published.isoformat() if self.published else None
        return data

    @classmethod
    def from_json(cls, data: dict) -> SearchHit:
        """The hit `to_json` describes (e.g. a retrieved Document's metadata)."""
        published = data.get("published")
        return cls(**{**data, "published": datetime.fromisoformat(published) if published else None})


def validate_query(query: str) -> str:
    query = " ".join(query.split())
    if not query:
        raise BadQuery("the query is empty")
    if len(query) > MAX_QUERY_CHARS:
        raise BadQuery(f"the query is {len(query):,} characters; the limit is {MAX_QUERY_CHARS:,}")
    return query


def fuse(
    dense: list[str], lexical: list[str], settings: SearchSettings
) -> dict[str, tuple[float, int | None, int | None]]:
    """Reciprocal rank fusion: chunk id -> (score, dense rank, lexical rank), ranks from 1."""
    dense_rank = {cid: i for i, cid in enumerate(dense, start=1)}
    lexical_rank = {cid: i for i, cid in enumerate(lexical, start=1)}
    fused = {}
    for cid in dense_rank.keys() | lexical_rank.keys():
        d, lx = dense_rank.get(cid), lexical_rank.get(cid)
        score = 0.0
        if d is not None:
            score += settings.dense_weight / (settings.rrf_k + d)
        if lx is not None:
            score += settings.lexical_weight / (settings.rrf_k + lx)
        fused[cid] = (score, d, lx)
    return fused


def recency_boost(published: datetime | None, reference: datetime, settings: SearchSettings) -> float:
    if published is None or settings.recency_weight == 0:
        return 1.0
    age_days = max((reference - published).total_seconds() / 86400.0, 0.0)
    return 1.0 + settings.recency_weight * 0.5 ** (age_days / settings.recency_half_life_days)


def diversify(ranked: list[SearchHit], k: int, per_article: int) -> list[SearchHit]:
    """The first k hits, taking at most `per_article` chunks of any one article."""
    taken: dict[str, int] = {}
    out = []
    for hit in ranked:
        if taken.get(hit.article_id, 0) >= per_article:
            continue
        taken[hit.article_id] = taken.get(hit.article_id, 0) + 1
        out.append(hit)
        if len(out) == k:
            break
    return out


def rank(
    fused: dict[str, tuple[float, int | None, int | None]],
    chunks: dict[str, StoredChunk],
    as_of: datetime | None,
    settings: SearchSettings,
) -> list[SearchHit]:
    """Hits ordered by fused score with the recency boost applied."""
    reference = as_of or datetime.now(timezone.utc)
    hits = []
    for cid, (score, d, lx) in fused.items():
        chunk = chunks.get(cid)
        if chunk is None:  # not (or no longer) visible in the manifest
            continue
        hits.append(
            SearchHit(
                article_id=chunk.article_id,
                chunk_id=cid,
                title=chunk.title,
                source=chunk.source,
                url=chunk.url,
                published=chunk.published,
                text=chunk.text,
                start=chunk.start,
                end=chunk.end,
                score=score * recency_boost(chunk.published, reference, settings),
                dense_rank=d,
                lexical_rank=lx,
                from_summary=chunk.from_summary,
            )
        )
    hits.sort(key=lambda h: (-h.score, h.chunk_id))
    return hits


__all__ = ["SearchHit", "Filters", "fuse", "rank", "diversify", "recency_boost", "validate_query"]
