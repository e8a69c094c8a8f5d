"""The citation check replayed on an evaluation run's drafts: the word check alone beside the word
check with the claim rules (bot/claims.py) and the other rules and floors measured, on the very
same model outputs (not a test).

For each question the run generated an answer for, the model's draft is checked again against the
evidence it was written from, once with `check.strict = false` and once with it on. Reports
answered precision (answers given that are right: containment, EM or F1 >= 0.5 against the right
choice; an answer to an unanswerable question is wrong), answered right (answerable questions
answered right) and answers given; prints a Markdown table and saves it to
bench/studies/results/check_replay.md.

Run: .venv/bin/python bench/studies/check_replay.py eval-runs/RUN [eval-runs/RUN ...]
"""

from __future__ import annotations

import argparse
import bisect
import json
import sqlite3
import sys
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import write_table  # noqa: E402
from bench.studies.calibrate import evidence_of  # noqa: E402


def published_dates(indexes: Path) -> dict[str, datetime]:
    """Article id → publication date, from the manifests of the evaluation's cached indexes."""
    dates: dict[str, datetime] = {}
    for manifest in indexes.glob("*/manifest.sqlite3"):
        with sqlite3.connect(manifest) as db:
            for article_id, published in db.execute("SELECT id, published FROM articles WHERE published IS NOT NULL"):
                dates[article_id] = datetime.fromtimestamp(float(published), tz=timezone.utc)
    return dates


def chunk_texts(indexes: Path, runs: list[Path]) -> dict[str, str]:
    """Chunk id → text of every passage the runs' answers retrieved, from the evaluation's cached
    indexes: the check looks for the question's figures in them (`EvidenceSource.passages`)."""
    import chromadb

    wanted = sorted({hit["chunk_id"] for run in runs for line in (run / "results.jsonl").read_text().splitlines()
                     for hit in (json.loads(line).get("answer") or {}).get("retrieved", [])})
    texts: dict[str, str] = {}
    for store in indexes.glob("newsqa-*/chroma"):
        collection = chromadb.PersistentClient(path=str(store)).get_collection("newsqa")
        for i in range(0, len(wanted), 500):
            got = collection.get(ids=wanted[i:i + 500], include=["documents"])
            texts.update(zip(got["ids"], got["documents"]))
    return texts


def passages_of(answer: dict, texts: dict[str, str]) -> dict[str, str]:
    """Article id → its retrieved passages' text, in the order the search returned them."""
    from newsqa.bot.evidence import passages_by_article

    return passages_by_article((hit["article_id"], texts[hit["chunk_id"]]) for hit in answer.get("retrieved", [])
                               if hit["chunk_id"] in texts)


def not_before(row: dict, in_window: bool, recent_days: int) -> datetime | None:
    """As `newsqa ask` does, with the window the question names."""
    from newsqa.bot.time_window import earliest_source, read_time_window

    question, as_of = row["answer"]["standalone_question"], datetime.fromisoformat(row["as_of"])
    return earliest_source(question, as_of, read_time_window(question, as_of), in_window, recent_days)


def lone_floor(row: dict, days: int, news: list[datetime]) -> datetime | None:
    """As `newsqa ask` does (`check.lone_source_days`): `news` is every article's date, sorted."""
    from newsqa.bot.time_window import lone_source_floor, read_time_window

    question, as_of = row["answer"]["standalone_question"], datetime.fromisoformat(row["as_of"])
    floor = lone_source_floor(as_of, read_time_window(question, as_of), days)
    if floor is None or bisect.bisect_left(news, floor) == bisect.bisect_right(news, as_of):  # no news since
        return None
    return floor


def replay(run: Path, settings: dict, embedder, dates: dict[str, datetime],
           texts: dict[str, str]) -> dict[str, float]:
    from newsqa.bot.verify import CheckSettings, CitationChecker
    from newsqa.evals.metrics import contains_answer, exact_match, token_f1

    in_window = settings.pop("source_in_window", False)
    floor = settings.pop("min_relevance", 0.0)  # answer.min_relevance: abstain before asking the model
    recent_days = settings.get("recent_news_days", 0)
    lone_days = settings.setdefault("lone_source_days", 0)
    news = sorted(dates.values())
    checker = CitationChecker(embedder, CheckSettings(**settings))
    given = right = answerable = 0
    em = f1 = 0.0  # summed over the answerable questions (0 for no answer)
    for line in (run / "results.jsonl").read_text().splitlines():
        row = json.loads(line)
        answer, gold = row.get("answer"), row["gold"]
        if answer is None:
            continue
        answerable += gold["answerable"]
        if not answer.get("draft"):  # abstained before the model was asked: the same either way
            continue
        if (answer.get("relevance") or 0.0) < floor:
            continue
        verified = checker.check(answer["draft"], evidence_of(answer["evidence"], dates, passages_of(answer, texts)),
                                 answer["standalone_question"], not_before=not_before(row, in_window, recent_days),
                                 corroborate_before=lone_floor(row, lone_days, news))
        if verified.abstained:
            continue
        given += 1
        if not gold["answerable"]:
            continue  # an answer to an unanswerable question is given and wrong
        answers = gold["answers"]
        exact, overlap = exact_match(verified.short_answer, answers), token_f1(verified.short_answer, answers)
        em += exact
        f1 += overlap
        right += bool(contains_answer(verified.answer, answers) or exact or overlap >= 0.5)
    return {"given": given, "right": right, "answerable": answerable, "em": em, "f1": f1}


BEARINGS = (0.6, 0.65, 0.7)
STATED = (0.3, 0.4, 0.5)
RECENT = (180, 365, 730)
LONE = (14, 30, 180, 365)
# key -> (settings, what the row is). Every row names check.min_bearing, check.recite,
# check.min_sentence_overlap, check.recent_news_days, check.question_figures and
# check.question_words_held: 0 and False are the check before those rules.
_BEFORE = {"min_bearing": 0, "recite": False, "min_sentence_overlap": 0, "recent_news_days": 0,
           "question_figures": False, "question_words_held": False}
_RECITING = {"strict": True, "min_bearing": 0.65, "recite": True, "min_sentence_overlap": 0, "recent_news_days": 0,
             "question_figures": False, "question_words_held": False}
VARIANTS = {
    "words": ({"strict": False, **_BEFORE}, "word check alone"),
    "claims": ({"strict": True, **_BEFORE}, "word check + claim rules"),
    "sentence": ({"strict": True, **_BEFORE, "answer_words_in": "sentence"},
                 "+ the answer's words in the claim's sentence"),
    "window": ({"strict": True, **_BEFORE, "source_in_window": True},
               "+ no source older than the time the question names"),
    "relevance-0.55": ({"strict": True, **_BEFORE, "min_relevance": 0.55},
                       "claim rules, and answer.min_relevance 0.55 (default 0.3)"),
    "relevance-0.6": ({"strict": True, **_BEFORE, "min_relevance": 0.6},
                      "claim rules, and answer.min_relevance 0.6 (default 0.3)"),
    **{f"bearing-{b}": ({"strict": True, **_BEFORE, "min_bearing": b},
                        f"claim rules + the quote bears on the question (check.min_bearing {b})") for b in BEARINGS},
    "recite": (_RECITING,
               "claim rules, min_bearing 0.65 + a claim its article does not support cited to one that does "
               "(check.recite)"),
    **{f"stated-{t}": ({**_RECITING, "min_sentence_overlap": t},
                       f"recite + the claim's sentence holds {t:.0%} of its words (check.min_sentence_overlap {t})")
       for t in STATED},
    **{f"recent-{d}": ({**_RECITING, "min_sentence_overlap": 0.4, "recent_news_days": d},
                       f"stated-0.4 + a question about something new rests on sources at most {d} days old "
                       f"(check.recent_news_days {d})") for d in RECENT},
    "premise": ({**_RECITING, "min_sentence_overlap": 0.4, "recent_news_days": 730, "question_figures": True},
                "recent-730 + the question's figures in the cited source (check.question_figures)"),
    **{f"lone-{d}": ({**_RECITING, "min_sentence_overlap": 0.4, "recent_news_days": 730, "question_figures": True,
                      "lone_source_days": d},
                     f"premise + an answer resting only on articles over {d} days old needs another article found "
                     f"that states it (check.lone_source_days {d})") for d in LONE},
    "echo": ({**_RECITING, "min_sentence_overlap": 0.4, "recent_news_days": 730, "question_figures": True,
              "lone_source_days": 30, "question_words_held": True},
             "lone-30 + the claim's words the question holds count as held where its sentence states the answer "
             "(check.question_words_held; the default since 2026-12-07)"),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--indexes", type=Path, default=Path("/tmp/evalhome/eval-indexes"),
                        help="the evaluation's cached indexes (NEWSQA_HOME/eval-indexes of the runs), for dates")
    parser.add_argument("--rows", nargs="+", choices=list(VARIANTS), default=list(VARIANTS),
                        help="only these rows")
    parser.add_argument("--table", default="check_replay", help="bench/studies/results/TABLE.md")
    args = parser.parse_args()
    dates = published_dates(args.indexes)
    texts = chunk_texts(args.indexes, args.runs)
    from newsqa.index.embeddings import Embedder

    embedder = Embedder("all-MiniLM-L6-v2")
    rows = []
    for run in args.runs:
        for settings, name in (VARIANTS[key] for key in args.rows):
            r = replay(run, dict(settings), embedder, dates, texts)
            precision = r["right"] / r["given"] if r["given"] else 0.0
            label = str(run).removeprefix("eval-runs/")
            rows.append([label, name, str(r["given"]), f"{precision:.2f} ({r['right']}/{r['given']})",
                         f"{r['right'] / max(r['answerable'], 1):.2f} ({r['right']}/{r['answerable']})",
                         f"{r['em'] / max(r['answerable'], 1):.3f}", f"{r['f1'] / max(r['answerable'], 1):.3f}"])
    write_table(args.table, "The citation check replayed on evaluation drafts (default local model)",
                ["run", "check", "answers given", "answered precision", "answered right (of answerable)",
                 "EM (answerable)", "F1 (answerable)"], rows,
                ["Same drafts, same evidence: only the check differs. Right: containment, EM or F1 >= 0.5 "
                 "against the right choice (RealTime QA's own normalisation).",
                 "Command: .venv/bin/python bench/studies/check_replay.py " + " ".join(str(r) for r in args.runs)
                 + ("" if args.rows == list(VARIANTS) else " --rows " + " ".join(args.rows))
                 + ("" if args.table == "check_replay" else f" --table {args.table}")])


if __name__ == "__main__":
    main()
