"""Question sets: the JSONL format, bad lines, and RealTime QA's weekly files (real data)."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from newsqa.errors import NewsqaError
from newsqa.evals.dataset import EvalSet, load_eval_set, load_questions, load_realtimeqa, realtimeqa_weeks
from newsqa.index.article import canonical_url


def test_the_seed_questions_are_in_the_format(shared_data: Path):
    questions = load_questions(shared_data / "seed" / "questions.jsonl")
    assert len(questions) == 11
    assert questions[2].answers == ["2,500", "2500"]
    assert [q.answerable for q in questions].count(False) == 2


def test_metadata_and_as_of_are_kept(tmp_path: Path):
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps({"id": "a", "question": "Who won?", "answers": ["Ann"], "as_of": "2025-03-10",
                                "gold_evidence": ["https://x.test/a"], "type": "who", "difficulty": 2}) + "\n")
    (q,) = load_questions(path)
    assert q.as_of.date().isoformat() == "2025-03-10"
    assert q.metadata == {"type": "who", "difficulty": 2} and q.type == "who"


def test_a_malformed_line_is_named_by_its_number(tmp_path: Path):
    path = tmp_path / "set.jsonl"
    path.write_text('{"id": "a", "question": "Who?", "answers": []}\n{"id": "b", "question": \n')
    with pytest.raises(NewsqaError, match=r"set.jsonl:2: not a question record"):
        load_questions(path)
    path.write_text('{"id": "a"}\n')
    with pytest.raises(NewsqaError, match=r"set.jsonl:1"):
        load_questions(path)


def test_default_corpus_is_the_questions_folder(shared_data: Path):
    found = load_eval_set(shared_data / "seed" / "questions.jsonl")
    assert found.name == "seed"
    assert [Path(p).name for p in found.corpus] == ["000_3b616b78461cf240.txt"]


def test_realtimeqa_weeks_by_range(shared_data: Path):
    folder = shared_data / "realtimeqa" / "2025"
    assert realtimeqa_weeks(folder, "2025-01-03", "2025-01-24") == ["20250103", "20250110", "20250117", "20250124"]
    with pytest.raises(NewsqaError, match="no RealTime QA weeks"):
        realtimeqa_weeks(folder, "2030-01-01")
    with pytest.raises(NewsqaError, match="cannot read"):
        realtimeqa_weeks(folder, "someday")


def test_realtimeqa_questions_follow_the_benchmark(shared_data: Path):
    folder = shared_data / "realtimeqa" / "2025"
    found = load_realtimeqa(folder, "2025-01-03", "2025-01-10")
    raw = [json.loads(line) for week in ("20250103", "20250110")
           for line in (folder / f"{week}_qa.jsonl").read_text().splitlines()]
    kept = [r for r in raw if not r["question_sentence"].rstrip(" ?.").lower().endswith("except")]
    assert len(found.questions) == len(kept) == 30
    first = found.questions[0]
    assert first.answers == ["Through open adoption"] and first.answerable
    assert first.as_of == datetime(2025, 1, 1, 23, 59, tzinfo=timezone.utc)
    assert first.source == "DelawareOnline"
    with_evidence = [q for q in found.questions if q.gold_evidence]
    assert with_evidence and all("<" not in q.gold_evidence[0] for q in with_evidence)
    assert found.corpus == [str(folder / "20250103_gcs.jsonl"), str(folder / "20250110_gcs.jsonl")]
    assert not found.exclude_urls


def test_realtimeqa_questions_and_snippets_are_read_as_plain_text(shared_data: Path):
    """Some weeks' questions carry the source site's inline links; a question is asked as a reader sees it."""
    found = load_realtimeqa(shared_data / "realtimeqa" / "2025", "2025-06-13", "2025-06-13")
    by_id = {q.id: q for q in found.questions}
    assert by_id["20250613_4"].question == "Which team were crowned winners of the UK's first ever \"Baller League\"?"
    assert by_id["20250613_2"].question.endswith("while attempting to deliver aid to Gaza?")
    assert not [q.id for q in found.questions if "<" in q.question or "data-analytics-id" in q.question]
    assert by_id["20250613_4"].gold_evidence[0].startswith("In a thrilling final at the O2 in London, SDS FC beat")


def test_nota_questions_become_unanswerable_and_their_articles_leave_the_corpus(shared_data: Path):
    folder = shared_data / "realtimeqa" / "2025"
    found = load_realtimeqa(folder, "2025-01-03", "2025-01-10", nota=True)
    unanswerable = [q for q in found.questions if not q.answerable]
    assert [q.id for q in unanswerable] == ["20250103_2_nota", "20250110_2_nota", "20250110_15_nota",
                                            "20250110_17_nota"]
    assert all(q.answers == [] for q in unanswerable)
    # The excluded articles were found for those questions only.
    others = set()
    for week in ("20250103", "20250110"):
        for line in (folder / f"{week}_gcs.jsonl").read_text().splitlines():
            record = json.loads(line)
            if record["question_id"] not in {"20250103_2", "20250110_2", "20250110_15", "20250110_17"}:
                others |= {canonical_url(r["url"]) for r in record["search_result"]}
    assert found.exclude_urls and not (found.exclude_urls & others)


def test_week_options_need_a_realtimeqa_folder(shared_data: Path):
    with pytest.raises(NewsqaError, match="--nota, --from and --to"):
        load_eval_set(shared_data / "seed" / "questions.jsonl", nota=True)
    with pytest.raises(NewsqaError, match="does not exist"):
        load_eval_set(shared_data / "nowhere.jsonl")


def test_the_corpus_key_follows_contents_not_where_or_when_files_were_copied(tmp_path: Path):
    first, second = tmp_path / "a" / "week", tmp_path / "b" / "week"
    for folder in (first, second):
        folder.mkdir(parents=True)
        (folder / "20250103_gcs.jsonl").write_text('{"title": "Ferry"}\n')
    os.utime(second / "20250103_gcs.jsonl", (0, 0))
    key = EvalSet("x", [], [str(first)]).corpus_key()
    assert EvalSet("x", [], [str(second)]).corpus_key() == key  # laid out again elsewhere, later
    (second / "20250103_gcs.jsonl").write_text('{"title": "Tram"}\n')
    assert EvalSet("x", [], [str(second)]).corpus_key() != key
    assert EvalSet("x", [], [str(first)], exclude_urls={"https://x.example/1"}).corpus_key() != key
