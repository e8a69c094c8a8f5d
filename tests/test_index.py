"""The contract every search engine passes (index/engine.py): ingest, change detection, forget,
search filters, copies, rebuilding from the engine alone and the retriever — each test on a real
embedded Chroma and on a real Milvus (a milvus-lite file)."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone

import pytest
from conftest import SAMPLES
from feed_site import TOPICS, WIRE

from newsqa.errors import BadQuery, StoreUnavailable
from newsqa.index import Article, Filters, IndexSettings, ModelMismatch, NewsIndex, load
from newsqa.index.passage_reading import stored_readings
from newsqa.index.settings import FetchSettings

ENGINES = ["chroma", "milvus"]


@pytest.fixture(params=ENGINES)
def settings(request, tmp_path) -> IndexSettings:
    return IndexSettings(home=tmp_path / "home", engine=request.param,
                         fetch=FetchSettings(allow_private=True, timeout_s=2))


@pytest.fixture(scope="module", params=ENGINES)
def sample_index(request, tmp_path_factory):
    """The repository's sample articles in each engine, ingested once for read-only tests."""
    settings = IndexSettings(home=tmp_path_factory.mktemp("samples") / "home", engine=request.param)
    idx = NewsIndex(settings)
    assert idx.ingest(load([str(SAMPLES)], settings.fetch)).added == 6
    yield idx
    idx.close()


def second_machine(settings: IndexSettings, name: str) -> IndexSettings:
    """Settings of another data directory over the same engine data: a copy of the embedded Chroma,
    the same Milvus (a milvus-lite file, as a server would be shared)."""
    fresh = settings.model_copy(update={"home": settings.home.parent / name})
    if settings.engine == "milvus":
        return fresh.model_copy(update={"milvus": settings.milvus.model_copy(update={"uri": settings.milvus_uri})})
    fresh.chroma_path.parent.mkdir(parents=True)
    shutil.copytree(settings.chroma_path, fresh.chroma_path)
    return fresh


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def story(n: int, text: str | None = None, **kw) -> Article:
    return Article(
        title=f"Story {n}",
        text=text or f"Story {n} reports that the ferry line {n} carried {n * 100} passengers in May.",
        url=f"https://news.example/{n}",
        **kw,
    )


def stored_ids(index: NewsIndex) -> list[str]:
    """The chunk ids the engine holds."""
    return sorted(cid for cid, _, _ in index.store.iter_all())


def assert_consistent(index: NewsIndex) -> None:
    """The engine, the manifest and the lexical index hold exactly the same chunks."""
    ids = stored_ids(index)
    assert index.store.count() == len(ids)
    assert len(ids) == len(set(ids))
    assert set(ids) == index.manifest.all_chunk_ids()
    if index.settings.engine == "chroma":  # Milvus holds its BM25 index with the vectors
        assert sorted(index.lexical.chunk_ids()) == sorted(ids)
    for article_id, n_chunks, counted in index.manifest._rows(
        "SELECT a.id, a.n_chunks, COUNT(c.id) FROM articles a LEFT JOIN chunks c ON c.article_id = a.id GROUP BY a.id"
    ):
        assert n_chunks == counted


def test_sample_search_finds_the_answer(sample_index: NewsIndex):
    hits = sample_index.search("When does construction of the Ferris Street bridge begin?", k=3)
    assert hits[0].title.startswith("Millbrook council approves")
    assert "September 2025" in hits[0].text
    assert hits[0].source == "Millbrook Ledger" and hits[0].url.startswith("https://ledger.example/")
    article_text = (SAMPLES / "2025-03-04-bridge-vote.md").read_text()
    assert hits[0].text in article_text


def test_reingest_unchanged_embeds_nothing(index: NewsIndex):
    items = list(load([str(SAMPLES)], index.settings.fetch))
    first = index.ingest(items)
    assert (first.added, first.updated, first.unchanged) == (6, 0, 0)
    before = stored_ids(index)
    again = index.ingest(list(load([str(SAMPLES)], index.settings.fetch)))
    assert (again.added, again.updated, again.unchanged, again.chunks) == (0, 0, 6, 0)
    assert stored_ids(index) == before
    assert_consistent(index)


def test_changed_article_replaces_its_chunks(index: NewsIndex):
    index.ingest([story(1), story(2)])
    old_ids = set(stored_ids(index))
    report = index.ingest([story(1, "Story 1 now says the ferry line was closed by the storm in June.")])
    assert (report.added, report.updated) == (0, 1)
    assert_consistent(index)
    assert len(set(stored_ids(index)) - old_ids) >= 1
    [hit] = index.search("ferry closed by storm", k=1, filters=Filters(sources=[]))
    assert "closed by the storm" in hit.text
    texts = [h.text for h in index.search("ferry passengers", k=10)]
    assert not any("carried 100 passengers" in t for t in texts)


def test_duplicates_in_one_batch_are_ingested_once(index: NewsIndex):
    report = index.ingest([story(1), story(1), story(2)])
    assert (report.added, report.duplicates) == (2, 1)
    assert index.stats().articles == 2
    assert_consistent(index)


def test_other_embedding_model_is_refused(index: NewsIndex, settings):
    index.ingest([story(1)])
    index.close()
    other = settings.model_copy(update={"embedding_model": "paraphrase-MiniLM-L3-v2"})
    with pytest.raises(ModelMismatch, match="built with embedding model 'all-MiniLM-L6-v2'"):
        NewsIndex(other)
    # The engine's collection itself refuses too (e.g. a second machine with its own manifest).
    fresh = second_machine(other, "other-home")
    with pytest.raises(ModelMismatch):
        NewsIndex(fresh).store


def test_forget_by_id_url_source_and_dates(index: NewsIndex):
    index.ingest([
        story(1, source="Ledger", published=utc(2025, 1, 5)),
        story(2, source="Ledger", published=utc(2025, 2, 5)),
        story(3, source="Wire", published=utc(2025, 3, 5)),
        story(4, source="Wire", published=utc(2025, 4, 5)),
        story(5, source="Post"),
    ])
    assert index.forget(ids=[story(1).id]) == 1
    assert index.forget(urls=["https://NEWS.example/2/?utm_source=x"]) == 1
    assert index.forget(sources=["wire"], until=utc(2025, 3, 31)) == 1
    assert index.forget(since=utc(2025, 4, 1)) == 1
    assert [a for a in index.manifest.select_articles(sources=["Post"])] == [story(5).id]
    assert index.stats().articles == 1
    assert_consistent(index)
    assert {h.article_id for h in index.search("ferry passengers", k=10)} == {story(5).id}


def test_search_filters_as_of_and_diversity(index: NewsIndex):
    long_text = " ".join(f"The ferry line carried {n} passengers on day {n} of May." for n in range(60))
    index.ingest([
        story(1, long_text, source="Ledger", published=utc(2025, 1, 5)),
        story(2, source="Wire", published=utc(2025, 2, 5)),
        story(3, source="Wire", published=utc(2025, 3, 5)),
        story(4, source="Post"),
    ])
    by_article = lambda hits: [h.article_id for h in hits]  # noqa: E731
    hits = index.search("ferry passengers", k=8)
    assert by_article(hits).count(story(1).id) == index.settings.search.max_chunks_per_article
    assert {h.source for h in index.search("ferry", filters=Filters(sources=["wire"]))} == {"Wire"}
    since = index.search("ferry", filters=Filters(since=utc(2025, 2, 1)))
    assert set(by_article(since)) == {story(2).id, story(3).id}
    until = index.search("ferry", filters=Filters(until=utc(2025, 2, 10)))
    assert set(by_article(until)) == {story(1).id, story(2).id}
    as_of = index.search("ferry", as_of=utc(2025, 2, 10))
    assert set(by_article(as_of)) == {story(1).id, story(2).id, story(4).id}  # undated kept
    assert index.search("ferry", filters=Filters(sources=["Nobody"])) == []


def test_recency_breaks_ties_towards_fresh_news(index: NewsIndex):
    text = "The ferry line carried 500 passengers in May."
    old = Article(title="Ferry", text=text, url="https://n.example/old", published=utc(2020, 5, 1))
    new = Article(title="Ferry", text=text, url="https://n.example/new", published=utc(2025, 5, 1))
    index.ingest([old, new])
    hits = index.search("ferry passengers", k=2, as_of=utc(2025, 5, 2))
    assert [h.url for h in hits] == ["https://n.example/new", "https://n.example/old"]


def test_a_copy_rewritten_into_a_story_of_its_own_leaves_the_story_it_copied(index: NewsIndex):
    wire = Article(title="Tram line approved", text=WIRE, url="https://post.example/tram", source="Daily Post")
    copy = Article(title="Tram line approved", text=WIRE, url="https://star.example/tram", source="Evening Star")
    index.ingest([wire])
    assert index.ingest([copy]).copies == 1
    [hit] = index.search("tramway to the university campus", k=1)
    assert hit.url == wire.url and [c["source"] for c in hit.carried_by] == ["Evening Star"]
    # The outlet replaces its copy with a story of its own at the same address.
    own = " ".join(text.format(n=7) for _, text in TOPICS[:4])
    report = index.ingest([Article(title="Tram line approved", text=own, url=copy.url, source="Evening Star")])
    assert (report.updated, report.copies) == (1, 0)
    assert index.stats().copies == 0
    [hit] = [h for h in index.search("tramway to the university campus", k=4) if h.url == wire.url]
    assert hit.carried_by == []
    assert_consistent(index)


def test_a_source_filter_finds_the_stories_that_outlet_carried_as_copies(index: NewsIndex):
    wire = Article(title="Tram line approved", text=WIRE, url="https://post.example/tram", source="Daily Post")
    copy = Article(title="Tram line approved", text=WIRE, url="https://star.example/tram", source="Evening Star")
    other = story(5, source="Daily Post")
    index.ingest([wire, other])
    assert index.ingest([copy]).copies == 1
    for source in ("Evening Star", "evening star"):
        for query in ("tramway to the university campus", "ferry passengers"):  # dense and lexical both filter
            hits = index.search(query, k=8, filters=Filters(sources=[source]))
            assert {h.url for h in hits} == {wire.url}
            assert [c["source"] for c in hits[0].carried_by] == ["Evening Star"]
    # The outlet that ran it first still finds it, and only its own stories.
    assert {h.url for h in index.search("tram", k=8, filters=Filters(sources=["Daily Post"]))} == {wire.url, other.url}
    assert index.search("tram", filters=Filters(sources=["Nobody"])) == []


def test_bad_queries(sample_index: NewsIndex):
    with pytest.raises(BadQuery, match="empty"):
        sample_index.search("   ")
    with pytest.raises(BadQuery, match="limit is 2,000"):
        sample_index.search("x" * 2001)
    # FTS syntax in a query is just text.
    assert sample_index.search('bridge" OR NEAR(* AND -', k=2)


def test_rebuild_from_the_engine_alone(index: NewsIndex):
    index.ingest(list(load([str(SAMPLES)], index.settings.fetch)))
    query = "How much did the dock workers' wages rise?"
    before = [(h.chunk_id, round(h.score, 6)) for h in index.search(query, k=5)]
    index.manifest.replace_all([])
    assert index.search(query, k=5) == []
    assert index.rebuild() == 6
    assert_consistent(index)
    assert [(h.chunk_id, round(h.score, 6)) for h in index.search(query, k=5)] == before


def test_each_passage_is_stored_with_what_the_ranker_reads_and_an_older_manifest_is_read_once(
        index: NewsIndex, settings):
    index.ingest(list(load([str(SAMPLES)], index.settings.fetch)))
    rows = index.manifest._rows("SELECT text, reading FROM chunks ORDER BY id")
    assert rows and [reading for _, reading in rows] == stored_readings([text for text, _ in rows])
    query = "How much did the dock workers' wages rise?"
    before = [(h.chunk_id, round(h.score, 6)) for h in index.search(query, k=5)]
    with index.manifest.transaction() as db:  # as a newsqa that kept no readings left it
        db.execute("ALTER TABLE chunks DROP COLUMN reading")
        db.execute("DELETE FROM meta WHERE key = 'readings'")
    index.close()
    again = NewsIndex(settings)
    assert again.manifest._rows("SELECT text, reading FROM chunks ORDER BY id") == rows
    assert [(h.chunk_id, round(h.score, 6)) for h in again.search(query, k=5)] == before
    again.close()


def test_a_manifest_rebuilt_from_the_engine_still_recognises_copies(index: NewsIndex, settings):
    wire = Article(title="Tram line approved", text=WIRE, url="https://post.example/tram", source="Daily Post")
    long = Article(title="Around town", text="\n\n".join(text.format(n=3) for _, text in TOPICS * 3),
                   url="https://post.example/town", source="Daily Post")
    assert index.ingest([wire, long]).chunks > 2  # the long story's text is rebuilt from several chunks
    signatures = sorted(index.manifest.signatures())
    index.close()
    # A second machine sharing only the engine's data builds its own manifest from it.
    second = NewsIndex(second_machine(settings, "second-home"))
    try:
        assert second.rebuild() == 2
        assert sorted(second.manifest.signatures()) == signatures
        copy = Article(title="Tram line approved", text=WIRE, url="https://star.example/tram", source="Evening Star")
        assert second.ingest([copy]).copies == 1
        assert second.stats().articles == 2
    finally:
        second.close()


def test_retriever_adapter(sample_index: NewsIndex):
    from newsqa.index import NewsRetriever

    docs = NewsRetriever(index=sample_index, k=2).invoke("Which goalkeeper did Millbrook Rovers sign?")
    assert len(docs) == 2
    assert "Tomasz Wilk" in docs[0].page_content
    assert docs[0].metadata["source"] == "Millbrook Ledger" and docs[0].metadata["score"] > 0


def test_an_undated_article_is_stored_with_the_date_its_url_gives_marked_inferred(index: NewsIndex):
    story = Article(title="Harbour toll rises", text="The harbour tunnel toll rises to nine dollars in May.",
                    url="https://news.test/story/2026/06/16/harbour-toll/")
    assert index.ingest([story]).added == 1
    record = index.manifest.article(story.id)
    assert record.published == datetime(2026, 6, 16, tzinfo=timezone.utc)
    assert record.extra["published_inferred"] == "url"
    hit = index.search("harbour tunnel toll")[0]
    assert hit.published == datetime(2026, 6, 16, tzinfo=timezone.utc)
    assert index.search("harbour tunnel toll", as_of=datetime(2026, 6, 1, tzinfo=timezone.utc)) == []


def test_each_leg_searches_inside_the_filters(index: NewsIndex):
    quoted = 'Dan\'s "Daily" \\ News'  # quotes and a backslash in an outlet's name
    index.ingest([
        Article(title="Lighthouse keeper retires", text="The keeper of the north light retired after forty years.",
                url="https://a.example/1", source=quoted, published=utc(2025, 5, 1)),
        Article(title="Lighthouse repainted", text="Volunteers repainted the tower in red and white.",
                url="https://b.example/2", source="Harbour Times", published=utc(2025, 6, 1)),
    ])
    vector = index.embedder.encode(["lighthouse keeper"])[0]
    for leg, query in ((index.store.dense_search, vector), (index.store.lexical_search, "lighthouse")):
        assert len(leg(query, 10, Filters())) == 2
        [(_, score)] = leg(query, 10, Filters(sources=[quoted]))
        assert score > 0
        assert len(leg(query, 10, Filters(since=utc(2025, 5, 15)))) == 1
        assert leg(query, 10, Filters(until=utc(2025, 4, 1))) == []
    # BM25 reads the title with the text: "repainted" is in one title and one text, "retires" only in a title.
    assert len(index.store.lexical_search("retires", 10, Filters())) == 1
    assert index.store.lexical_search("submarine", 10, Filters()) == []
    assert {h.source for h in index.search("lighthouse", filters=Filters(sources=[quoted.lower()]))} == {quoted}


def test_chromas_filtered_dense_search_is_chromas_own_filter_asked_wider(tmp_path, monkeypatch):
    """Chroma's filtered query is slow when the filter admits many passages, so the dense leg asks
    for more without it and keeps what the manifest says passes: the same chunks, in the same
    order, as Chroma's own filter, whether the first widening suffices, a later one, or none
    (then the ids the manifest admits are asked, or where too many, Chroma's filter)."""
    from newsqa.index import store
    from newsqa.index.settings import DedupSettings

    index = NewsIndex(IndexSettings(home=tmp_path / "home", dedup=DedupSettings(enabled=False)))
    outlets = ["Harbour Times", "Valley Post", "Coast Wire", "Rare Gazette"]
    index.ingest([story(n, source=outlets[min(n % 8, 3)], published=None if n % 9 == 0 else utc(2025, 1 + n % 12, 1))
                  for n in range(1, 61)])
    vector = index.embedder.encode(["ferry passengers carried in May"])[0]
    wide = [Filters(as_of=utc(2025, 11, 15)), Filters(sources=["Valley Post"]), Filters(since=utc(2025, 3, 1)),
            Filters(sources=["Rare Gazette"], as_of=utc(2025, 6, 15)), Filters(until=utc(2025, 2, 1)),
            Filters(sources=["Harbour Times"], carried=[story(2).id]), Filters(as_of=utc(2024, 1, 1))]
    # The default; a second widening; the ids the manifest admits; Chroma's filter.
    for widest, ids in ((store.POST_FILTER_MAX, store.ID_LIST_MAX), (24, 0), (4, store.ID_LIST_MAX), (4, 2)):
        monkeypatch.setattr(store, "POST_FILTER_MAX", widest)
        monkeypatch.setattr(store, "ID_LIST_MAX", ids)
        for filters in wide:
            for n in (3, 10):
                chromas = index.store._nearest(vector, n, store.where_clause(filters))
                assert index.store.dense_search(vector, n, filters) == chromas, (widest, filters, n)
    index.close()


def test_stats_name_the_engine_and_where_it_keeps_the_passages(index: NewsIndex, settings):
    index.ingest([story(1)])
    stats = index.stats()
    assert (stats.engine, stats.articles, stats.chunks) == (settings.engine, 1, index.store.count())
    where = {"chroma": ("embedded", str(settings.chroma_path)), "milvus": ("file", str(settings.home / "milvus.db"))}
    assert (stats.store_mode, stats.store_location) == where[settings.engine]


def test_an_engine_that_cannot_be_reached_is_one_line_and_nothing_is_lost(index: NewsIndex, settings):
    from conftest import free_port

    index.ingest([story(1)])
    port = free_port()  # nothing listens there
    server = {"chroma": {"chroma": settings.chroma.model_copy(update={"mode": "server", "port": port})},
              "milvus": {"milvus": settings.milvus.model_copy(update={"uri": f"http://127.0.0.1:{port}"})}}
    away = NewsIndex(settings.model_copy(update=server[settings.engine]))
    try:
        with pytest.raises(StoreUnavailable, match=f"cannot reach the .*:{port}") as failed:
            away.ingest([story(2)])
        assert "\n" not in str(failed.value)
        assert away.stats().articles == 1  # the manifest is untouched
    finally:
        away.close()
    assert [h.article_id for h in index.search("ferry passengers")] == [story(1).id]


def test_both_engines_score_bm25_alike(tmp_path):
    """The learned ranker reads each candidate's BM25 score: Milvus's must read on the same scale as
    newsqa's own index, for the same words (within tantivy's rounding: it keeps each passage's length
    in one byte)."""
    found = {}
    for engine in ENGINES:
        settings = IndexSettings(home=tmp_path / engine, engine=engine)
        index = NewsIndex(settings)
        try:
            index.ingest(load([str(SAMPLES)], settings.fetch))
            found[engine] = [index.store.lexical_search(q, 10, Filters()) for q in (
                "Which goalkeeper did the club sign?", "How long did the dock workers' strike last?",
                "Ferris Street bridge cost")]
        finally:
            index.close()
    for chroma, milvus in zip(found["chroma"], found["milvus"]):
        assert chroma and [cid for cid, _ in milvus] == [cid for cid, _ in chroma]
        assert [s for _, s in milvus] == pytest.approx([s for _, s in chroma], rel=0.05)


def test_a_milvus_collection_newsqa_did_not_make_is_refused(tmp_path):
    from newsqa.index.milvus import connect

    settings = IndexSettings(home=tmp_path / "home", engine="milvus")
    client = connect(settings)
    client.create_collection("newsqa", dimension=4)  # someone else's, by the name newsqa would use
    client.close()
    index = NewsIndex(settings)
    try:
        with pytest.raises(ModelMismatch, match="'newsqa' was not made by newsqa .*milvus.collection"):
            index.store
    finally:
        index.close()


def test_a_milvus_lite_server_that_died_is_started_again(tmp_path):
    from milvus_lite.server_manager import server_manager_instance

    settings = IndexSettings(home=tmp_path / "home", engine="milvus")
    index = NewsIndex(settings)
    index.ingest([story(1)])
    index.close()
    server = server_manager_instance._servers[str((settings.home / "milvus.db").resolve())]
    server._p.kill()  # as a crash, or a start the machine was too busy for, would leave it
    server._p.wait()
    again = NewsIndex(settings)
    try:
        assert [h.article_id for h in again.search("ferry passengers")] == [story(1).id]
    finally:
        again.close()
