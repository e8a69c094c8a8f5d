"""The seed article and one RealTime QA 2025 week, end to end (skipped without ../shared)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from newsqa.index import IndexSettings, NewsIndex, load


def test_seed_article_search(shared_data: Path, tmp_path: Path):
    settings = IndexSettings(home=tmp_path / "home")
    index = NewsIndex(settings)
    report = index.ingest(load([str(shared_data / "seed" / "000_3b616b78461cf240.txt")], settings.fetch))
    assert report.added == 1
    expectations = {
        "How many U.S. troops are stationed in Syria?": "900 troops in Syria",
        "How many attacks on U.S. forces has the Pentagon recorded?": "total of 78 attacks",
        "Who condemned the attacks as violations of Iraq's sovereignty?": "al-Sudani",
    }
    for question, phrase in expectations.items():
        hits = index.search(question, k=2)
        assert any(phrase in h.text for h in hits), question


@pytest.mark.slow
def test_realtimeqa_week_end_to_end(shared_data: Path, tmp_path: Path):
    week = shared_data / "realtimeqa" / "2025"
    settings = IndexSettings(home=tmp_path / "home")
    index = NewsIndex(settings)
    report = index.ingest(load([str(week / "20250103_gcs.jsonl")], settings.fetch))
    assert report.added > 50
    questions = {
        json.loads(line)["question_id"]: json.loads(line)
        for line in (week / "20250103_qa.jsonl").read_text().splitlines()
    }
    # Two questions of that week whose answer the week's articles hold: search, as of the
    # question's date, ranks the article that holds it near the top.
    expectations = {
        "20250103_9": ("Longwood Gardens to buy du Pont's Granogue estate", "Longwood Gardens", 3),
        "20250103_6": ("Holly Oak Child Care Center sees license suspended", "license", 1),
    }
    for question_id, (title, answer_text, within) in expectations.items():
        q = questions[question_id]
        as_of = datetime.strptime(q["question_date"], "%Y/%m/%d").replace(tzinfo=timezone.utc)
        hits = index.search(q["question_sentence"], k=8, as_of=as_of)
        top = [h for h in hits[:within] if h.title.startswith(title)]
        assert top, (question_id, [h.title for h in hits])
        assert answer_text in top[0].text
