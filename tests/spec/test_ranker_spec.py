"""The learned ranker (index/ranker.py): its features read the question and the passage as meant,
a model orders the pool by what it learned, and bad model files give one-line errors."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import lightgbm
import numpy as np
import pytest

from newsqa.errors import NewsqaError
from newsqa.index import passage_reading
from newsqa.index.passage_reading import ReadingCache, stored_readings
from newsqa.index.ranker import DEFAULT_MODEL, FEATURES, Candidate, Ranker, features, load_ranker
from newsqa.index.search import SearchHit

pytestmark = pytest.mark.spec

AS_OF = datetime(2025, 3, 14, tzinfo=timezone.utc)


def candidate(text: str, title: str = "A story", days_old: float | None = 3.0, dense: float | None = 0.5,
              bm25: float | None = 2.0, article: str = "a1", ordinal: int = 0) -> Candidate:
    published = AS_OF - timedelta(days=days_old) if days_old is not None else None
    hit = SearchHit(article_id=article, chunk_id=f"{article}:{ordinal}", title=title, source="Wire", url=None,
                    published=published, text=text, start=0, end=len(text), score=0.01,
                    dense_rank=1 if dense is not None else None, lexical_rank=1 if bm25 is not None else None)
    return Candidate(hit, dense, bm25, ordinal)


def row(question: str, pool: list[Candidate], i: int = 0) -> dict[str, float]:
    return dict(zip(FEATURES, features(question, pool, AS_OF)[i]))


def test_the_question_s_names_figures_and_words_are_looked_for_in_the_passage_and_its_title():
    pool = [candidate("Mayor Lena Ortiz said 900 workers joined the strike at the Riverside port.",
                      title="Riverside port strike grows"),
            candidate("The council met on Tuesday to discuss library hours.", article="a2")]
    question = "How many workers joined the strike at Riverside, according to Ortiz?"
    first, second = row(question, pool, 0), row(question, pool, 1)
    assert first["names_in_text"] == 1.0 and second["names_in_text"] == 0.0
    assert first["names_in_title"] == 0.5  # Riverside, not Ortiz
    assert first["words_in_text"] > 0.8 and second["words_in_text"] == 0.0
    assert first["expects_figure"] == 1.0 and first["expects_name"] == 0.0
    assert math.isnan(first["figures_in_text"])  # the question names no figure
    assert row("Did 900 or 2,500 workers strike?", pool)["figures_in_text"] == 0.5


def test_age_time_and_event_words_are_read():
    pool = [candidate("Old news.", days_old=364.0), candidate("Undated.", days_old=None, article="a2")]
    old = row("What did the council announce?", pool, 0)
    assert old["age_days"] == pytest.approx(math.log1p(364.0)) and old["undated"] == 0.0
    assert old["asks_event"] == 1.0 and old["names_time"] == 0.0
    assert math.isnan(row("Who won?", pool, 1)["age_days"]) and row("Who won?", pool, 1)["undated"] == 1.0
    assert row("Who won the vote in March?", pool)["names_time"] == 1.0


def test_leg_features_say_which_legs_found_a_passage():
    pool = [candidate("Both legs.", dense=0.8, bm25=4.0), candidate("Dense only.", dense=0.6, bm25=None, article="a2"),
            candidate("Lexical only.", dense=None, bm25=1.0, article="a3")]
    rows = features("Which legs?", pool, AS_OF)
    named = [dict(zip(FEATURES, r)) for r in rows]
    assert [r["both_legs"] for r in named] == [1.0, 0.0, 0.0]
    assert named[1]["dense_gap"] == pytest.approx(0.2) and math.isnan(named[1]["bm25"])
    assert named[2]["bm25_share"] == pytest.approx(0.25) and math.isnan(named[2]["dense_sim"])
    assert [r["fused_rank"] for r in named] == [1, 2, 3]


def test_article_features_count_the_pool_and_the_copies():
    pool = [candidate("One.", article="a1"), candidate("Two.", article="a2"),
            candidate("Three.", article="a1", ordinal=4)]
    named = [dict(zip(FEATURES, r)) for r in features("What?", pool, AS_OF, copies={"a1": 3})]
    assert [r["article_in_pool"] for r in named] == [2, 1, 2]
    assert [r["article_best_rank"] for r in named] == [1, 2, 1]
    assert [r["copies"] for r in named] == [3, 0, 3] and named[2]["ordinal"] == 4


def trained_on_name_overlap(tmp_path) -> Ranker:
    """A small model taught that the passage naming the question's names answers it."""
    rng = np.random.default_rng(0)
    rows, labels, groups = [], [], []
    for _ in range(60):
        pool = [candidate("Ortiz said the port strike grew.", article="right"),
                *(candidate(f"Unrelated story number {i}.", article=f"w{i}", dense=float(rng.uniform(0.3, 0.9)))
                  for i in range(5))]
        order = rng.permutation(len(pool))
        pool = [pool[i] for i in order]
        rows.append(features("What did Ortiz say about the strike?", pool, AS_OF))
        labels += [2 if c.hit.article_id == "right" else 0 for c in pool]
        groups.append(len(pool))
    data = lightgbm.Dataset(np.vstack(rows), np.array(labels), group=groups, feature_name=FEATURES)
    booster = lightgbm.train({"objective": "lambdarank", "min_data_in_leaf": 5, "verbosity": -1,
                              "deterministic": True, "num_threads": 1}, data, num_boost_round=20)
    path = tmp_path / "model.txt"
    booster.save_model(str(path))
    return Ranker.load(path)


def test_a_model_orders_the_pool_by_what_it_learned_and_its_scores_are_shown(tmp_path):
    ranker = trained_on_name_overlap(tmp_path)
    pool = [candidate(f"Unrelated story number {i}.", article=f"w{i}", dense=0.9) for i in range(4)]
    pool.append(candidate("Ortiz said the port strike grew.", article="right", dense=0.4))
    ordered = ranker.order("What did Ortiz say about the strike?", pool, AS_OF)
    assert ordered[0].article_id == "right"
    assert ordered[0].score > ordered[1].score  # the model's scores replace the fused ones
    assert ranker.order("Anything?", [], AS_OF) == []


def test_training_is_deterministic():
    """The same labelled pools give the same model, byte for byte (`newsqa train`'s learner)."""
    from newsqa.evals.dataset import EvalQuestion
    from newsqa.evals.ranker_training import LabelledPool, train

    rng = np.random.default_rng(1)
    pools = []
    for n in range(40):
        pool = [candidate(f"Story {i} about the port strike and Ortiz." if i == 0 else f"Other story {i}.",
                          article=f"a{n}-{i}", dense=float(rng.uniform(0.2, 0.9)), bm25=float(rng.uniform(0, 5)))
                for i in range(12)]
        labels = np.array([2 if i == 0 else 0 for i in range(12)])
        question = EvalQuestion(id=str(n), question="What did Ortiz say about the port strike?", as_of=AS_OF)
        pools.append(LabelledPool(question, pool, labels, labels > 0, None))
    first, second = train(pools[:30], pools[30:]), train(pools[:30], pools[30:])
    assert first.model_to_string() == second.model_to_string()


def test_bad_model_files_are_one_line_errors(tmp_path):
    with pytest.raises(NewsqaError, match="no ranker model at .*newsqa train"):
        Ranker.load(tmp_path / "missing.txt")
    garbage = tmp_path / "garbage.txt"
    garbage.write_text("not a model\n")
    with pytest.raises(NewsqaError, match="cannot be read") as raised:
        Ranker.load(garbage)
    assert "\n" not in str(raised.value)
    other = tmp_path / "other.txt"
    data = lightgbm.Dataset(np.random.default_rng(0).random((40, 3)), np.arange(40) % 2, group=[10] * 4)
    lightgbm.train({"objective": "lambdarank", "verbosity": -1, "min_data_in_leaf": 2}, data,
                   num_boost_round=2).save_model(str(other))
    with pytest.raises(NewsqaError, match="trained on other features"):
        Ranker.load(other)


def test_the_shipped_model_loads_and_none_turns_it_off():
    assert DEFAULT_MODEL.is_file() and DEFAULT_MODEL.stat().st_size <= 2_000_000
    assert DEFAULT_MODEL.with_suffix(".md").is_file()  # its card
    assert isinstance(load_ranker("learned"), Ranker)
    assert load_ranker("none") is None


def test_a_passage_is_read_once_and_the_passages_kept_are_bounded():
    cache = ReadingCache(2)
    first, second, third = "Mayor Ortiz spoke. 900 workers struck.", "The council met.", "Rain fell on Tuesday."
    read = cache.read([first, second])
    assert read[0].names == {"mayor", "ortiz"} and read[0].figures == 1 and len(read[0].sentences) == 2
    assert cache.read([first])[0] is read[0]  # read once; now the most recently used
    cache.read([third])  # the least recently used (second) goes
    assert list(cache._read) == [first, third]
    # The features are the same whether a passage is read anew or kept.
    pool = [candidate(first), candidate(second, article="a2")]
    assert np.array_equal(features("How many workers struck?", pool, AS_OF),
                          features("How many workers struck?", pool, AS_OF), equal_nan=True)


def test_a_stored_reading_gives_the_features_of_the_text_read_at_search_time(monkeypatch):
    texts = ["Mayor Lena Ortiz said 900 workers joined the strike. Then! A vote? Yes...  U.S. officials left.",
             "", "   ", "No sentence end here", "Istanbul’s mayor… said 3,000 people came.\n\nThe end.  ",
             "The council met on Tuesday to discuss library hours."]
    question = "How many workers joined the strike, according to Ortiz, on Tuesday?"
    read_now = [candidate(t, article=f"a{i}") for i, t in enumerate(texts)]
    stored = [candidate(t, article=f"a{i}") for i, t in enumerate(texts)]
    for c, reading in zip(stored, stored_readings(texts)):
        c.reading = reading
    # The ranker's own cache would hide a difference: a fresh one each way.
    monkeypatch.setattr("newsqa.index.ranker._PASSAGES", ReadingCache(4096))
    expected = features(question, read_now, AS_OF)
    monkeypatch.setattr("newsqa.index.ranker._PASSAGES", ReadingCache(4096))
    read_at_search = []
    reader = passage_reading.read_passages
    monkeypatch.setattr(passage_reading, "read_passages", lambda texts: read_at_search.extend(texts) or reader(texts))
    assert np.array_equal(features(question, stored, AS_OF), expected, equal_nan=True)
    assert read_at_search == ["A story"]  # only the title: the passages' readings were stored


def test_a_reading_stored_in_another_form_is_read_again_from_the_text():
    text = "Mayor Ortiz spoke. 900 workers struck."
    [fresh] = ReadingCache(4).read([text])
    for stored in ("r0 1 6\tmayor ortiz\tsomething else", "garbage", ""):
        assert ReadingCache(4).read([text], [stored]) == [fresh]
    [parsed] = ReadingCache(4).read([text], stored_readings([text]))
    assert parsed == fresh and parsed.lengths == (3, 3)  # mayor ortiz spoke; 900 worker struck
