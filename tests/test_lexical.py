"""The Chroma path's lexical index (index/lexical.py): a tantivy index brought up to date one change at
a time from the manifest's journal, shared by the processes of one data directory; and the passages'
word counts the spelling corrections read, kept by the manifest in the same transactions."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import tantivy
from conftest import SAMPLES

from newsqa.index import Article, Filters, IndexSettings, NewsIndex, load
from newsqa.index.lexical import LexicalIndex
from newsqa.index.manifest import passage_words
from newsqa.index.spelling import count_words


def story(n: int, text: str, **kw) -> Article:
    return Article(title=f"Story {n}", text=text, url=f"https://news.example/{n}", **kw)


HARBOUR = ["The Kesselhafen harbour board agreed to dredge the channel before the spring tides.",
           "Fishermen in Kesselhafen protested against new quotas outside the town hall on Monday.",
           "A Kesselhafen brewery doubled its exports to Norway, its owners reported.",
           "Kesselhafen's lifeboat crew rescued two sailors off the northern breakwater at night."]


def harbour(n: int) -> Article:
    return story(n, HARBOUR[n - 1])


def lexical_ids(index: NewsIndex, query: str) -> list[str]:
    return [cid for cid, _ in index.lexical.search(query, 20, Filters())]


def test_a_change_reaches_the_index_without_building_it_again(tmp_path: Path):
    index = NewsIndex(IndexSettings(home=tmp_path / "home"))
    index.ingest(load([str(SAMPLES)], index.settings.fetch))
    segments = set((index.lexical.directory).glob("*.idx"))
    assert segments  # the first ingest built it
    index.ingest([story(1, "The Orbury ferry carried 4,210 passengers in May, its busiest month.")])
    [found] = lexical_ids(index, "Orbury ferry passengers")[:1]
    assert found.startswith(story(1, "x").id)
    # The new article went into a segment of its own: the segments of the first ingest are still there.
    assert segments <= set(index.lexical.directory.glob("*.idx"))
    assert sorted(index.lexical.chunk_ids()) == sorted(index.manifest.all_chunk_ids())
    assert index.manifest.journal_end() > 0
    assert not index.manifest._rows("SELECT 1 FROM lexical_journal")  # applied, so forgotten
    index.forget(ids=[story(1, "x").id])
    assert not any(cid.startswith(story(1, "x").id) for cid in lexical_ids(index, "Orbury ferry passengers"))
    assert sorted(index.lexical.chunk_ids()) == sorted(index.manifest.all_chunk_ids())
    index.close()


def test_a_reader_sees_a_writer_s_article_at_its_next_search(tmp_path: Path):
    settings = IndexSettings(home=tmp_path / "home")
    writer, reader = NewsIndex(settings), NewsIndex(settings)
    writer.ingest(load([str(SAMPLES)], settings.fetch))
    assert not lexical_ids(reader, "Orbury")
    writer.ingest([story(1, "The Orbury ferry carried 4,210 passengers in May.")])
    assert lexical_ids(reader, "Orbury")[0].startswith(story(1, "x").id)
    [hit] = reader.search("How many passengers did the Orbury ferry carry in May?", k=1)
    assert "4,210" in hit.text
    writer.forget(ids=[story(1, "x").id])
    assert not lexical_ids(reader, "Orbury")
    writer.close()
    reader.close()


def test_changes_a_writer_left_unapplied_are_applied_by_the_next_search(tmp_path: Path):
    """A writer that stopped after its commit, before bringing the index up to date: the journal
    still holds the change, and whoever searches next applies it."""
    index = NewsIndex(IndexSettings(home=tmp_path / "home"))
    index.ingest([story(1, "The Orbury ferry carried 4,210 passengers in May.")])
    article = story(2, "A new Orbury ferry terminal opens in June with four berths.")
    index.manifest.commit_articles([(article, index.chunker.chunk(article))])  # no catch-up after it
    found = lexical_ids(NewsIndex(index.settings), "Orbury terminal berths")
    assert found and found[0].startswith(article.id)
    index.close()


def test_a_search_waits_while_another_process_holds_the_writer(tmp_path: Path):
    index = NewsIndex(IndexSettings(home=tmp_path / "home"))
    index.ingest([story(1, "The Orbury ferry carried 4,210 passengers in May.")])
    article = story(2, "A new Orbury ferry terminal opens in June with four berths.")
    index.manifest.commit_articles([(article, index.chunker.chunk(article))])
    other = tantivy.Index.open(str(index.lexical.directory)).writer(15_000_000, 1)  # as another process would
    threading.Timer(0.5, other.wait_merging_threads).start()  # lets go of it half a second later
    started = time.monotonic()
    found = lexical_ids(NewsIndex(index.settings), "Orbury terminal berths")
    assert time.monotonic() - started >= 0.4
    assert found and found[0].startswith(article.id)
    index.close()


def test_a_missing_or_outrun_index_is_built_again_from_the_manifest(tmp_path: Path):
    index = NewsIndex(IndexSettings(home=tmp_path / "home"))
    index.ingest(load([str(SAMPLES)], index.settings.fetch))
    expected = lexical_ids(index, "heat pump rebate")
    assert expected
    index.close()
    index = NewsIndex(IndexSettings(home=tmp_path / "home"))
    shutil.rmtree(index.lexical.directory)
    assert lexical_ids(index, "heat pump rebate") == expected
    # Changes the journal no longer holds (pruned while another engine was configured, say).
    article = story(1, "The heat pump rebate rises to 900 pounds in April.")
    index.manifest.commit_articles([(article, index.chunker.chunk(article))])
    index.manifest.prune_journal(index.manifest.journal_end())
    fresh = LexicalIndex(index.manifest, index.settings.home)
    assert any(cid.startswith(article.id) for cid, _ in fresh.search("heat pump rebate", 20, Filters()))
    assert sorted(fresh.chunk_ids()) == sorted(index.manifest.all_chunk_ids())
    index.close()


def test_bm25s_snapshots_of_an_older_newsqa_are_removed(tmp_path: Path):
    old = tmp_path / "home" / "lexical" / "generation-3-v3"
    old.mkdir(parents=True)
    (old / "chunks.json").write_text("{}")
    index = NewsIndex(IndexSettings(home=tmp_path / "home"))
    index.ingest([story(1, "The Orbury ferry carried 4,210 passengers in May.")])
    assert lexical_ids(index, "Orbury")
    assert not (tmp_path / "home" / "lexical").exists()
    index.close()


def test_word_counts_follow_every_change_exactly(tmp_path: Path):
    index = NewsIndex(IndexSettings(home=tmp_path / "home", engine="milvus"))
    index.ingest([harbour(n) for n in range(1, 5)] + [story(9, "Trains to Orbury run late on Sundays.")])
    assert index.spelled("When will Kesselhafn dredging start?") == "When will Kesselhafen dredging start?"
    index.ingest([story(9, "Buses to Orbury run late on Sundays, the council said.")])  # changed
    index.forget(ids=[harbour(n).id for n in range(1, 5)])
    assert index.spelled("When will Kesselhafn dredging start?") == "When will Kesselhafn dredging start?"
    visible = index.manifest.chunks(sorted(index.manifest.all_chunk_ids())).values()
    kept = count_words(passage_words(c.title, c.text) for c in visible)
    counted = index.manifest.word_counts()
    assert counted.counts == kept.counts and counted.capitalized == kept.capitalized
    assert counted.in_lowercase == kept.in_lowercase and counted.forms == kept.forms
    # Milvus holds its own BM25 index: no tantivy index, and the journal is not kept for one.
    assert not index.lexical.directory.exists()
    assert not index.manifest._rows("SELECT 1 FROM lexical_journal")
    index.close()


def test_word_counts_of_a_manifest_from_before_they_were_kept_are_counted_once(tmp_path: Path):
    index = NewsIndex(IndexSettings(home=tmp_path / "home"))
    index.ingest([harbour(n) for n in range(1, 5)])
    expected = index.manifest.word_counts()
    with index.manifest.transaction() as db:  # as an older newsqa left it
        db.execute("DELETE FROM vocabulary")
        db.execute("DELETE FROM word_forms")
        db.execute("DELETE FROM meta WHERE key = 'vocabulary'")
    index.close()
    again = NewsIndex(IndexSettings(home=tmp_path / "home"))
    assert again.manifest.word_counts() == expected
    assert again.spelled("Kesselhafn") == "Kesselhafen"
    again.close()

