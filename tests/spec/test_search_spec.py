"""Fast spec tests of the search's pure rules: fusion, recency, ranking, diversity."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsqa.index.manifest import StoredChunk
from newsqa.index.search import SearchHit, diversify, fuse, rank, recency_boost
from newsqa.index.settings import SearchSettings

pytestmark = pytest.mark.spec
NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)


def chunk(cid: str, article: str, published: datetime | None = None) -> StoredChunk:
    return StoredChunk(cid, article, 0, 0, 10, f"text {cid}", f"title {article}", None, None, published)


def hit(cid: str, article: str, score: float) -> SearchHit:
    return SearchHit(article, cid, "t", None, None, None, "x", 0, 1, score)


def test_fusion_rewards_agreement_and_keeps_both_ranks():
    fused = fuse(["a", "b", "c"], ["c", "d"], SearchSettings())
    assert fused["c"][1:] == (3, 1) and fused["a"][1:] == (1, None) and fused["d"][1:] == (None, 2)
    assert max(fused, key=lambda cid: fused[cid][0]) == "c"  # in both lists beats first in one


def test_fusion_weights_choose_between_the_lists():
    dense_heavy = SearchSettings(dense_weight=2.0, lexical_weight=0.5)
    fused = fuse(["a"], ["b"], dense_heavy)
    assert fused["a"][0] > fused["b"][0]
    fused = fuse(["a"], ["b"], SearchSettings(dense_weight=0.5, lexical_weight=2.0))
    assert fused["b"][0] > fused["a"][0]


def test_recency_boost_halves_its_bonus_every_half_life():
    s = SearchSettings(recency_weight=0.4, recency_half_life_days=10)
    assert recency_boost(NOW, NOW, s) == pytest.approx(1.4)
    assert recency_boost(NOW - timedelta(days=10), NOW, s) == pytest.approx(1.2)
    assert recency_boost(NOW + timedelta(days=3), NOW, s) == pytest.approx(1.4)  # future: as fresh as now
    assert recency_boost(None, NOW, s) == 1.0
    assert recency_boost(NOW, NOW, SearchSettings(recency_weight=0)) == 1.0


def test_rank_orders_by_boosted_score_and_drops_what_is_not_visible():
    s = SearchSettings(recency_weight=1.0, recency_half_life_days=1)
    fused = {"old": (0.02, 1, None), "new": (0.015, 2, None), "gone": (0.5, None, 1)}
    chunks = {"old": chunk("old", "A", NOW - timedelta(days=30)), "new": chunk("new", "B", NOW)}
    hits = rank(fused, chunks, NOW, s)
    assert [h.chunk_id for h in hits] == ["new", "old"]  # 0.015 × 2 beats 0.02 × ~1
    assert hits[0].dense_rank == 2 and hits[0].title == "title B"


def test_rank_breaks_ties_by_chunk_id():
    fused = {"b": (0.1, 1, None), "a": (0.1, 2, None)}
    hits = rank(fused, {"a": chunk("a", "A"), "b": chunk("b", "B")}, NOW, SearchSettings(recency_weight=0))
    assert [h.chunk_id for h in hits] == ["a", "b"]


@given(st.lists(st.tuples(st.sampled_from("ABCD"), st.floats(0, 1)), max_size=30),
       st.integers(1, 10), st.integers(1, 3))
def test_diversify_keeps_order_k_and_the_per_article_cap(items, k, per_article):
    ranked = [hit(f"c{i}", article, score) for i, (article, score) in enumerate(items)]
    out = diversify(ranked, k, per_article)
    assert len(out) <= k
    assert all(sum(h.article_id == a for h in out) <= per_article for a in "ABCD")
    positions = [ranked.index(h) for h in out]
    assert positions == sorted(positions)
    # nothing skipped that could have been taken
    if len(out) < k:
        assert len(out) == sum(min(per_article, sum(h.article_id == a for h in ranked)) for a in "ABCD")
