"""Training the learned ranker (`newsqa train`): labelled questions in, a LightGBM model out.

Each answerable question is searched as of its date and its whole candidate pool (what
`NewsIndex.search` ranks) is labelled passage by passage:
- 2: the passage holds the right choice's text and RealTime QA's gold evidence snippet (half of
  its content words, as the evaluation's hit@k counts);
- 1: it holds one of the two;
- 0: neither.
Short, common answers are noisy labels ("France" appears in many passages that do not answer):
when more than `COMMON_ANSWER_SHARE` of a pool's passages hold the answer text, the text alone
no longer labels a passage; only the gold snippet (or a reader's vote) does.
Readers' votes (`newsqa feedback export --training`) label the passages of the voted answers:
an up vote makes the cited passages 2, a down vote makes them 0.

Questions whose pool holds no labelled passage teach nothing and are left out. Training is
deterministic (fixed seed, `deterministic`, row-wise histograms), with early stopping on the
validation weeks' NDCG@8.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from newsqa import NewsIndex, NewsqaError, Settings, one_line
from newsqa.evals.dataset import EvalQuestion, EvalSet
from newsqa.evals.metrics import contains_answer, gold_ranks
from newsqa.evals.pipelines import NewsqaPipeline
from newsqa.index.ranker import FEATURES, Candidate, Ranker, features
from newsqa.index.search import diversify

COMMON_ANSWER_SHARE = 0.25
PARAMS = {
    "objective": "lambdarank", "metric": "ndcg", "ndcg_eval_at": [8], "learning_rate": 0.05,
    "num_leaves": 7, "min_data_in_leaf": 50, "feature_fraction": 0.8, "bagging_fraction": 0.8,
    "bagging_freq": 1, "lambda_l2": 1.0, "seed": 7, "deterministic": True, "force_row_wise": True,
    "num_threads": 2, "verbosity": -1,
}
ROUNDS, PATIENCE = 400, 40


@dataclass
class LabelledPool:
    """One question's candidate pool with a label per passage."""

    question: EvalQuestion
    pool: list[Candidate]
    labels: np.ndarray
    text_hits: np.ndarray  # the passage holds the right choice's text
    gold_hits: np.ndarray | None  # the passage holds the gold snippet (None: the question has none)
    copies: dict[str, int] = field(default_factory=dict)

    @property
    def teaches(self) -> bool:
        return bool(self.labels.any())


def label_pool(question: EvalQuestion, pool: list[Candidate], copies: dict[str, int]) -> LabelledPool:
    texts = [c.hit.text for c in pool]
    text_hits = np.array([bool(contains_answer(t, question.answers)) for t in texts], dtype=bool)
    gold_hits = None
    if question.gold_evidence:
        ranks = set(gold_ranks(question, [(c.hit.url, c.hit.text) for c in pool]))
        gold_hits = np.array([i in ranks for i in range(1, len(pool) + 1)], dtype=bool)
    common = len(pool) and text_hits.mean() > COMMON_ANSWER_SHARE
    text_label = np.zeros(len(pool), dtype=bool) if common else text_hits
    gold_label = gold_hits if gold_hits is not None else np.zeros(len(pool), dtype=bool)
    labels = text_label.astype(int) + gold_label.astype(int)
    if common:
        labels = np.where(gold_label & text_hits, 2, labels)
    return LabelledPool(question, pool, labels, text_hits, gold_hits, copies)


def labelled_pools(eval_set: EvalSet, settings: Settings, cache_root: Path,
                   progress: Callable[[str], None] = print) -> list[LabelledPool]:
    """Every answerable question's labelled pool, over the set's cached evaluation index (built
    on first use, as `newsqa eval run` builds it)."""
    pipeline = NewsqaPipeline(eval_set, settings, cache_root, "none")
    size = pool_size(pipeline.settings)
    out = []
    try:
        for question in eval_set.questions:
            if not question.answerable or not question.answers:
                continue
            out.append(_labelled(pipeline.answerer.index, question, size))
    finally:
        pipeline.close()
    progress(f"{eval_set.name}: {len(out)} answerable questions, {sum(p.teaches for p in out)} with a labelled passage")
    return out


def pool_size(settings: Settings) -> int:
    """How many candidates of each leg the answer path's searches gather (as `NewsIndex.search`
    does for `answer.passages` passages, `answer.evidence_chunks_per_article` of one article)."""
    answer = settings.answer
    return max(settings.search.candidates, answer.passages * answer.evidence_chunks_per_article * 2)


def _labelled(index: NewsIndex, question: EvalQuestion, size: int) -> LabelledPool:
    """The question's candidate pool, searched as of its date, labelled."""
    pool, _ = index.candidate_pool(question.question, size, as_of=question.as_of)
    carried = index.manifest.carried_by(sorted({c.hit.article_id for c in pool}))
    return label_pool(question, pool, {article: len(outlets) for article, outlets in carried.items()})


def voted_pools(path: Path, settings: Settings, progress: Callable[[str], None] = print) -> list[LabelledPool]:
    """Labelled pools of exported votes (`training.jsonl` of `newsqa feedback export`), each
    question searched again, as of its date, in the data directory's own index: an up-voted
    answer's cited passages are 2, a down-voted answer's 0, and a passage holding a reader's
    correction 1 (unless common in the pool, as for the benchmark's answers). A voted passage no
    longer in the pool cannot be learned from and is left out."""
    index = NewsIndex(settings)
    size = pool_size(settings)
    out = []
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                example = json.loads(line)
                question = EvalQuestion(id=example["id"], question=example["question"],
                                        answers=example.get("answers") or [], as_of=example.get("as_of"),
                                        metadata={"source": "votes"})
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise NewsqaError(f"{path}:{number}: not a training example ({one_line(exc)})") from None
            labelled = _labelled(index, question, size)
            ids = [c.hit.chunk_id for c in labelled.pool]
            positive, negative = set(example.get("positive") or []), set(example.get("negative") or [])
            labelled.labels = np.array([2 if cid in positive else 0 if cid in negative else int(label > 0)
                                        for cid, label in zip(ids, labelled.labels)])
            labelled.text_hits = labelled.labels > 0
            out.append(labelled)
    finally:
        index.close()
    progress(f"{path}: {len(out)} voted questions, {sum(p.teaches for p in out)} with a labelled passage")
    return out


def _matrix(pools: Sequence[LabelledPool]) -> tuple[np.ndarray, np.ndarray, list[int]]:
    rows = [features(p.question.question, p.pool, p.question.as_of, p.copies) for p in pools]
    return (np.vstack(rows) if rows else np.zeros((0, len(FEATURES))),
            np.concatenate([p.labels for p in pools]) if pools else np.zeros(0), [len(p.pool) for p in pools])


def train(training: Sequence[LabelledPool], validation: Sequence[LabelledPool]):
    """A lambdarank booster; early stopping on the validation pools when there are any."""
    import lightgbm

    fit = [p for p in training if p.teaches]
    x, y, groups = _matrix(fit)
    data = lightgbm.Dataset(x, y, group=groups, feature_name=FEATURES, free_raw_data=False)
    sets, names, callbacks, rounds = [data], ["training"], [], ROUNDS
    checked = [p for p in validation if p.teaches]
    if checked:
        vx, vy, vgroups = _matrix(checked)
        sets.append(lightgbm.Dataset(vx, vy, group=vgroups, reference=data))
        names.append("validation")
        callbacks.append(lightgbm.early_stopping(PATIENCE, first_metric_only=True, verbose=False))
    booster = lightgbm.train(PARAMS, data, num_boost_round=rounds, valid_sets=sets, valid_names=names,
                             callbacks=callbacks)
    return booster


@dataclass
class Figures:
    """The share of questions whose first k passages (per-article cap as the answer takes them)
    hold the answer, by text and by gold snippet."""

    questions: int
    text: float
    gold: float | None

    def cells(self) -> str:
        gold = "–" if self.gold is None else f"{self.gold:.3f}"
        return f"{self.text:.3f} / {gold}"


def hit_at(pools: Sequence[LabelledPool], ranker: Ranker | None, k: int, per_article: int) -> Figures:
    text, gold = [], []
    for p in pools:
        order = list(range(len(p.pool)))
        if ranker is not None and p.pool:
            scores = ranker.scores(p.question.question, p.pool, p.question.as_of, p.copies)
            order = sorted(order, key=lambda i: (-scores[i], i))
        position = {id(p.pool[i].hit): i for i in order}
        first = diversify([p.pool[i].hit for i in order], k, per_article)
        taken = [position[id(h)] for h in first]
        text.append(bool(p.text_hits[taken].any()) if taken else False)
        if p.gold_hits is not None:
            gold.append(bool(p.gold_hits[taken].any()) if taken else False)
    return Figures(len(pools), statistics.mean(text) if text else 0.0, statistics.mean(gold) if gold else None)


def importance(booster) -> list[tuple[str, float]]:
    gains = booster.feature_importance(importance_type="gain")
    total = float(gains.sum()) or 1.0
    return sorted(((n, g / total) for n, g in zip(FEATURES, gains)), key=lambda x: -x[1])


def write_card(path: Path, *, data: list[str], validation: list[str], rows: list[list[str]], booster,
               seconds: float, command: str) -> None:
    """The model card beside the model: what it was trained on, when, its features and figures."""
    top = ", ".join(f"{n} {share:.2f}" for n, share in importance(booster)[:10])
    lines = [
        "# The learned ranker — model card", "",
        f"- Trained: {date.today().isoformat()} by `{command}` in {seconds:.0f} s "
        f"({booster.current_iteration()} trees, LightGBM {_lightgbm_version()}, lambdarank, NDCG@8).",
        f"- Training data: {'; '.join(data)}.",
        f"- Validation (early stopping; held-out sets only measured): {'; '.join(validation) or 'none'}.",
        "- Labels: 2 when a passage holds both the right choice's text and the gold evidence snippet, 1 for "
        f"either; the text alone does not count when more than {COMMON_ANSWER_SHARE:.0%} of the pool holds it "
        "(a short, common answer); readers' votes label the passages of the answers they voted on.",
        f"- Features ({len(FEATURES)}): {', '.join(FEATURES)}.",
        f"- Most used (share of gain): {top}.",
        "- Never trained or tuned on the test weeks (2025-06-06 to 2025-06-27).", "",
        "| questions | count | fused: first 8, text / gold | ranker: first 8, text / gold |",
        "|---|---|---|---|",
        *("| " + " | ".join(r) + " |" for r in rows), "",
    ]
    path.write_text("\n".join(lines))


def _lightgbm_version() -> str:
    import lightgbm

    return lightgbm.__version__


def split_by_weeks(pools: Sequence[LabelledPool], validation_weeks: set[str]) -> tuple[list, list]:
    """Training and validation pools by the RealTime QA week of their question (`YYYY-MM-DD`)."""
    def week(p: LabelledPool) -> str:
        found = str(p.question.metadata.get("week", ""))
        return f"{found[:4]}-{found[4:6]}-{found[6:]}" if len(found) == 8 else found
    return ([p for p in pools if week(p) not in validation_weeks],
            [p for p in pools if week(p) in validation_weeks])


@dataclass
class TrainingRun:
    """What `newsqa train` did: the model, where it went, and its figures."""

    model: Path
    card: Path
    rows: list[list[str]]
    seconds: float


def run_training(sets: Sequence[EvalSet], settings: Settings, cache_root: Path, out: Path,
                 validation_weeks: set[str], command: str, extra: Sequence[LabelledPool] = (),
                 progress: Callable[[str], None] = print, held_out: Sequence[EvalSet] = ()) -> TrainingRun:
    """Label every set's pools, train on all but the validation weeks (plus `extra`, e.g. votes),
    write the model and its card, and measure fused against learned order on both parts (and on
    the `held_out` sets, which only measure)."""
    started = time.perf_counter()
    pools = [p for s in sets for p in labelled_pools(s, settings, cache_root, progress)]
    checks = [(s.name, labelled_pools(s, settings, cache_root, progress)) for s in held_out]
    training, validation = split_by_weeks(pools, validation_weeks)
    training = [*training, *extra]
    booster = train(training, validation)
    save(booster, out)
    ranker = Ranker(booster)
    k, per_article = settings.answer.passages, settings.answer.evidence_chunks_per_article
    rows = []
    for name, part in (("training", training), ("validation", validation), *(
            (f"held out: {name}", part) for name, part in checks)):
        if part:
            rows.append([name, str(len(part)), hit_at(part, None, k, per_article).cells(),
                         hit_at(part, ranker, k, per_article).cells()])
    seconds = time.perf_counter() - started
    card = out.with_suffix(".md")
    write_card(card, data=[s.name for s in sets] + ([f"{len(extra)} voted questions"] if extra else []),
               validation=sorted(validation_weeks) + [name for name, _ in checks], rows=rows, booster=booster,
               seconds=seconds, command=command)
    return TrainingRun(out, card, rows, seconds)


def save(booster, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    booster.save_model(str(path))
