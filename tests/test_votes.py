"""Readers' votes become labels: answers recorded by the server, votes through POST /feedback (and
the OpenAI-compatible reply's answer id), `newsqa feedback export`, `newsqa train --votes`, and the
voted passages ranked higher by the retrained model. One RealTime QA week (skipped without ../shared)."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import httpx
import openai
import pytest
from conftest import NEWSQA, NewsqaServer

from newsqa import FeedbackStore, export_votes
from newsqa.bot.config import load_settings
from newsqa.evals.dataset import load_eval_set
from newsqa.evals.metrics import contains_answer, holds_gold
from newsqa.index import NewsIndex
from newsqa.index.ranker import Ranker

WEEK, WEEK_DATE = "20250117", "2025-01-17"  # a dev week


@pytest.fixture(scope="module")
def week(shared_data: Path, tmp_path_factory) -> tuple[Path, list[dict]]:
    folder = shared_data / "realtimeqa" / "2025"
    home = tmp_path_factory.mktemp("votes") / "home"
    env = {**os.environ, "NEWSQA_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([NEWSQA, "ingest", str(folder / f"{WEEK}_gcs.jsonl")], env=env, capture_output=True,
                          text=True)
    assert done.returncode in (0, 1) and "added" in done.stdout, done.stderr[-2000:]  # 1: some pages unreadable
    week_set = load_eval_set(folder, start=WEEK_DATE, end=WEEK_DATE)
    questions = [{"question": q.question, "as_of": q.as_of.isoformat(), "right": q.answers[0],
                  "gold": " ".join(q.gold_evidence)} for q in week_set.questions if q.answerable and q.answers]
    return home, questions


@pytest.fixture(scope="module")
def served(week):
    home, _ = week
    running = NewsqaServer(home, NEWSQA_LLM="none", NEWSQA_SEARCH__RANKER="none", HF_HUB_OFFLINE="1")
    yield running.wait_ready()
    running.stop()


def voted_ranks(index: NewsIndex, example: dict, model: Path | None) -> int | None:
    """Where the first passage a vote points to (an up-voted answer's cited passage, or one holding
    a reader's correction) stands in the question's candidate pool: fused, or ordered by `model`."""
    as_of = datetime.fromisoformat(example["as_of"])
    pool, _ = index.candidate_pool(example["question"], 50, as_of=as_of)
    hits = Ranker.load(model).order(example["question"], pool, as_of) if model else [c.hit for c in pool]
    positive = set(example["positive"])
    return next((rank for rank, hit in enumerate(hits, start=1)
                 if hit.chunk_id in positive or (not positive and contains_answer(hit.text, example["answers"]))),
                None)


def test_votes_are_recorded_exported_and_teach_the_ranker(week, served, tmp_path):
    home, questions = week
    # Every reader votes: 👍 when a passage the answer cites holds RealTime QA's evidence for the
    # question, otherwise 👎 with the right choice as the correction.
    for number, q in enumerate(questions):
        answer = httpx.post(f"{served.url}/ask", json={"question": q["question"], "as_of": q["as_of"]},
                            timeout=120).json()
        assert len(answer["answer_id"]) == 16
        cited = [c["quote"] for c in answer["citations"]]
        right = any(holds_gold(quote, q["gold"]) or contains_answer(quote, [q["right"]]) for quote in cited)
        vote = {"answer_id": answer["answer_id"], "vote": "up" if right else "down", "voter": f"reader-{number}"}
        if not right:
            vote["correction"] = q["right"]
        assert httpx.post(f"{served.url}/feedback", json=vote, timeout=30).json() == {"recorded": True}
    # A vote on an answer that does not exist is a one-line 404.
    missing = httpx.post(f"{served.url}/feedback", json={"answer_id": "0" * 16, "vote": "up"}, timeout=30)
    assert missing.status_code == 404 and missing.json()["error"]["message"] == f"no answer {'0' * 16} on record"
    # The OpenAI-compatible reply names the answer to vote on.
    client = openai.OpenAI(base_url=f"{served.url}/v1", api_key="unused", max_retries=0)
    reply = client.chat.completions.create(model="newsqa-none",
                                           messages=[{"role": "user", "content": questions[0]["question"]}])
    assert httpx.post(f"{served.url}/feedback", json={"answer_id": reply.newsqa["answer_id"], "vote": "down"},
                      timeout=30).json() == {"recorded": True}

    env = {**os.environ, "NEWSQA_HOME": str(home), "HF_HUB_OFFLINE": "1", "COLUMNS": "200"}
    exported = subprocess.run([NEWSQA, "feedback", "export", "--out", str(tmp_path / "votes")], env=env,
                              capture_output=True, text=True, check=True).stdout
    examples = [json.loads(line) for line in (tmp_path / "votes" / "training.jsonl").read_text().splitlines()]
    evaluation = [json.loads(line) for line in (tmp_path / "votes" / "questions.jsonl").read_text().splitlines()]
    assert f"{len(evaluation)} questions" in exported and f"{len(examples)} training examples" in exported
    assert "1 voted answers skipped" in exported  # the 👎 without a correction says nothing of what is right
    corrected = [e for e in evaluation if e["answers"][0] in {q["right"] for q in questions}]
    assert len(examples) >= len(questions) - 1 and corrected

    model = tmp_path / "model" / "ranker.txt"
    trained = subprocess.run([NEWSQA, "train", "--votes", str(tmp_path / "votes" / "training.jsonl"),
                              "--out", str(model)], env=env, capture_output=True, text=True)
    assert trained.returncode == 0, trained.stderr[-2000:]
    assert "training" in trained.stdout and model.is_file() and model.with_suffix(".md").is_file()
    assert "voted questions" in model.with_suffix(".md").read_text()

    # The passages the votes point to rank higher with the retrained model than in the fused order.
    index = NewsIndex(load_settings(home=home))
    ranks = [(voted_ranks(index, e, None), voted_ranks(index, e, model)) for e in examples]
    ranks = [(before, after) for before, after in ranks if before is not None]
    assert len(ranks) >= 5, ranks
    assert sum(after for _, after in ranks) < sum(before for before, _ in ranks), ranks
    assert sum(after == 1 for _, after in ranks) > sum(before == 1 for before, _ in ranks), ranks


def test_one_voter_cannot_outweigh_the_rest(tmp_path):
    from newsqa import Answer

    store = FeedbackStore(tmp_path / "feedback.sqlite3", votes_per_voter=2)
    answer = Answer(question="Who won?", standalone_question="Who won?", answer="Ortiz won [1].",
                    short_answer="Ortiz", abstained=False, provider="none", model="none",
                    as_of=datetime(2025, 3, 14, tzinfo=timezone.utc))
    ids = [store.record_answer(answer, "asker", "test") for _ in range(5)]
    for answer_id in ids:
        assert store.vote(answer_id, "eager", up=True)
    assert store.vote(ids[0], "other", up=False, correction="  Hale   won ")
    assert store.vote(ids[0], "other", up=False, correction="Hale")  # a second vote replaces the first
    assert not store.vote("f" * 16, "other", up=True)
    voted = {v.answer_id: v for v in store.voted_answers()}
    # Of the eager voter's five votes only the newest two count; the other reader's one vote stays.
    assert sorted(voted) == sorted([ids[0], ids[3], ids[4]])
    assert voted[ids[0]].score == -1 and voted[ids[0]].voters == 1 and voted[ids[0]].correction == "Hale"
    assert voted[ids[3]].score == 1 and voted[ids[3]].short_answer == "Ortiz"
    done = export_votes(list(voted.values()), tmp_path / "out")
    assert (done.questions, done.examples, done.skipped) == (3, 1, 0)
    rows = [json.loads(line) for line in (tmp_path / "out" / "questions.jsonl").read_text().splitlines()]
    assert {r["answers"][0] for r in rows} == {"Ortiz", "Hale"}
    store.close()
