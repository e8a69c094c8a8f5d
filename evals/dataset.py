"""Question sets: the JSONL format, and RealTime QA's weekly files turned into it.

The question-set format, one JSON object a line:

| field | type | meaning |
|---|---|---|
| `id` | string | unique within the set |
| `question` | string | asked as is |
| `answers` | list of strings | right answers; any one counts (empty when unanswerable) |
| `answerable` | bool | false: the corpus does not hold the answer, the right reply is "I don't know" |
| `as_of` | date, optional | the day the question is asked (search hides later articles); default: now |
| `gold_evidence` | list of strings, optional | snippets of the text that holds the answer, or article URLs |
| anything else | | kept as metadata; `type` and `source` are used for the breakdowns |

RealTime QA (a folder of `YYYYMMDD_qa.jsonl`, `_qa_nota.jsonl`, `_gcs.jsonl` weekly files):
questions come from `_qa.jsonl` (as_of = question_date, answers = the right choice's text, the
`evidence` HTML snippet as gold evidence; the question and the snippet are read as plain text, since
some carry the source site's inline links); the corpus is the union of the same weeks' `_gcs.jsonl`
articles, deduplicated by URL; questions whose sentence ends in "except" are left out, as the
benchmark does. The `--nota` variant reads `_qa_nota.jsonl`: where the right choice was replaced
by "None of the above", the question becomes unanswerable, and the articles that the week's
search returned for it (and for no other question) are left out of the corpus, so that the right
reply really is "I don't know".
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timezone
from pathlib import Path
from typing import Any

import lxml.html
from pydantic import BaseModel, Field, ValidationError

from newsqa.dates import parse_date_option
from newsqa.errors import NewsqaError
from newsqa.index.article import canonical_url, parse_published
from newsqa.index.question_kind import question_kind

WEEKLY = re.compile(r"^(\d{8})_(qa|qa_nota|gcs)\.jsonl$")
NOTA = "none of the above"


class EvalQuestion(BaseModel):
    """One question of a set (see the module docstring for the format)."""

    id: str
    question: str
    answers: list[str] = Field(default_factory=list)
    answerable: bool = True
    as_of: datetime | None = None
    gold_evidence: list[str] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)

    @property
    def type(self) -> str:
        return str(self.metadata.get("type") or question_type(self.question))

    @property
    def source(self) -> str:
        return str(self.metadata.get("source") or "–")


@dataclass
class EvalSet:
    """Questions and the corpus they are asked over (paths for `index.load`, minus excluded URLs)."""

    name: str
    questions: list[EvalQuestion]
    corpus: list[str]
    exclude_urls: set[str] = field(default_factory=set)

    def corpus_key(self) -> str:
        """Changes when the corpus files' names or contents, or the excluded URLs, change; not
        with where the data lies or when it was copied there (a cached index stays valid)."""
        digest = hashlib.sha256()
        for path in sorted((Path(c).resolve() for c in self.corpus), key=lambda p: p.name):
            digest.update(path.name.encode())
            files = sorted(x for x in path.rglob("*") if x.is_file()) if path.is_dir() else \
                [path] if path.exists() else []
            for f in files:
                with f.open("rb") as handle:
                    content = hashlib.file_digest(handle, "sha256").hexdigest()
                digest.update(f"{f.relative_to(path.parent)}:{content}".encode())
        for url in sorted(self.exclude_urls):
            digest.update(url.encode())
        return digest.hexdigest()[:16]


def question_type(question: str) -> str:
    """The question's kind (who, when, how many …), for breakdowns: the answering core's reading."""
    return question_kind(question).label


def load_questions(path: Path) -> list[EvalQuestion]:
    """A JSONL question set; a malformed line is an error naming its line number."""
    questions = []
    known = set(EvalQuestion.model_fields)
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            meta = {k: v for k, v in record.items() if k not in known}
            meta.update(record.pop("metadata", {}) or {})
            questions.append(EvalQuestion(**{k: v for k, v in record.items() if k in known}, metadata=meta))
        except (json.JSONDecodeError, ValidationError, TypeError) as exc:
            first = str(exc).splitlines()[0]
            raise NewsqaError(f"{path}:{number}: not a question record ({first})") from None
    if not questions:
        raise NewsqaError(f"{path} holds no questions")
    return questions


def is_realtimeqa_dir(path: Path) -> bool:
    return path.is_dir() and any(WEEKLY.match(p.name) for p in path.iterdir())


def _week(value: str | None, flag: str) -> str | None:
    parsed = parse_date_option(value, flag)
    return parsed.strftime("%Y%m%d") if parsed else None


def realtimeqa_weeks(folder: Path, start: str | None = None, end: str | None = None) -> list[str]:
    """The weeks (YYYYMMDD) that have both questions and articles, within [start, end]."""
    lo, hi = _week(start, "--from"), _week(end, "--to")
    files = {m.groups() for p in folder.iterdir() if (m := WEEKLY.match(p.name))}
    weeks = sorted({w for w, kind in files if kind == "qa"} & {w for w, kind in files if kind == "gcs"})
    chosen = [w for w in weeks if (lo is None or w >= lo) and (hi is None or w <= hi)]
    if not chosen:
        raise NewsqaError(f"no RealTime QA weeks in {folder} between {start or 'the first'} and {end or 'the last'}")
    return chosen


def _evening(value: str) -> datetime | None:
    """Questions are asked at the end of their day: that day's articles are already out."""
    parsed = parse_published(value)
    if parsed is None:
        return None
    return datetime.combine(parsed.date(), time(23, 59), tzinfo=timezone.utc)


def _plain_text(fragment: str | None) -> str:
    """An HTML fragment as a reader sees it: the data set's questions and snippets carry the source
    site's inline links (`<a data-analytics-id=…>Ukraine</a>'s`), which no one asking would type."""
    if not fragment or ("<" not in fragment and "&" not in fragment):
        return " ".join((fragment or "").split())
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    for line_break in root.iter("br"):  # the only tag here that separates words
        line_break.tail = " " + (line_break.tail or "")
    return " ".join(root.text_content().split())


def _snippet(evidence: str | None) -> list[str]:
    text = _plain_text(evidence)
    return [text] if text else []


def _is_except(sentence: str) -> bool:
    return sentence.rstrip(" ?.").lower().endswith("except")


def _read_jsonl(path: Path) -> Iterable[dict]:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            yield json.loads(line)


def load_realtimeqa(folder: Path, start: str | None = None, end: str | None = None,
                    nota: bool = False) -> EvalSet:
    """The questions of the chosen weeks and the union of their search-result articles."""
    weeks = realtimeqa_weeks(folder, start, end)
    questions: list[EvalQuestion] = []
    unanswerable_ids: set[str] = set()
    for week in weeks:
        qa_file = folder / f"{week}_{'qa_nota' if nota else 'qa'}.jsonl"
        if not qa_file.exists():
            raise NewsqaError(f"{qa_file} is missing")
        for record in _read_jsonl(qa_file):
            question = _plain_text(record["question_sentence"])
            if _is_except(question):
                continue
            right = [record["choices"][int(i)] for i in record["answer"]]
            answerable = not any(r.strip().lower() == NOTA for r in right)
            base_id = record["question_id"].removesuffix("_nota")
            if not answerable:
                unanswerable_ids.add(base_id)
            questions.append(EvalQuestion(
                id=record["question_id"], question=question,
                answers=right if answerable else [], answerable=answerable,
                as_of=_evening(record["question_date"]),
                gold_evidence=_snippet(record.get("evidence")) if answerable else [],
                metadata={"source": record.get("question_source") or "–", "week": week,
                          "type": question_type(question)},
            ))
    corpus = [str(folder / f"{week}_gcs.jsonl") for week in weeks]
    exclude = _urls_only_for(unanswerable_ids, [folder / f"{week}_gcs.jsonl" for week in weeks])
    name = f"realtimeqa-{weeks[0]}-{weeks[-1]}{'-nota' if nota else ''}"
    return EvalSet(name, questions, corpus, exclude)


def _urls_only_for(question_ids: set[str], gcs_files: list[Path]) -> set[str]:
    """Canonical URLs of the articles found for these questions and for no other question."""
    if not question_ids:
        return set()
    theirs, others = set(), set()
    for path in gcs_files:
        for record in _read_jsonl(path):
            urls = {canonical_url(r["url"]) for r in record.get("search_result") or [] if r.get("url")}
            (theirs if record["question_id"] in question_ids else others).update(urls)
    return theirs - others


def load_eval_set(path: Path, corpus: list[str] | None = None, start: str | None = None,
                  end: str | None = None, nota: bool = False) -> EvalSet:
    """A RealTime QA folder, or a JSONL question file (corpus: the given paths, else the other
    files in the question file's folder)."""
    if not path.exists():
        raise NewsqaError(f"{path} does not exist")
    if is_realtimeqa_dir(path):
        found = load_realtimeqa(path, start, end, nota)
        if corpus:
            found.corpus = list(corpus)
        return found
    if path.is_dir():
        raise NewsqaError(f"{path} is a folder without RealTime QA weekly files; give a questions .jsonl file")
    if nota or start or end:
        raise NewsqaError("--nota, --from and --to apply to a folder of RealTime QA weekly files")
    questions = load_questions(path)
    if not corpus:
        corpus = sorted(str(p) for p in path.parent.iterdir()
                        if p.is_file() and p != path and not p.name.startswith("."))
    return EvalSet(path.stem if path.stem != "questions" else path.parent.name, questions, list(corpus))

