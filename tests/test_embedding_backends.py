"""The embedding backends: ONNX Runtime's vectors against sentence-transformers' on torch, the
export cached on disk, the fast int8 path end to end, and a model the ONNX path cannot run."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import SAMPLES

from newsqa.errors import NewsqaError
from newsqa.index import IndexSettings, NewsIndex, load
from newsqa.index.embeddings import Embedder, _load, resolve_model_path
from newsqa.index.onnx_encoder import OnnxEncoder

MODEL = "all-MiniLM-L6-v2"
# Lengths from a few tokens to past the model's 256-token window (where both truncate).
TEXTS = [
    "Who won the Super Bowl in 2025?",
    "Harbor workers walked off the job on Wednesday after talks over the new contract broke down.",
    "The city council voted 7-2 to repair the Ferris Street bridge. " * 12,
    "Libraries will open on Sundays.",
    "A heat pump moves heat instead of making it. " * 60,
]


@pytest.fixture
def model_cache(tmp_path, monkeypatch):
    cache = tmp_path / "models"
    monkeypatch.setenv("NEWSQA_MODEL_CACHE", str(cache))
    return cache


def test_onnx_float32_gives_torchs_vectors_in_every_batch_shape(model_cache):
    torch_vectors = Embedder(MODEL, backend="torch").encode(TEXTS)
    encoder = OnnxEncoder(resolve_model_path(MODEL), "float32", lambda: _load(MODEL, "cpu"))
    for batch_size in (1, 2, 64):  # no padding, some, one batch of all
        vectors = encoder.encode(TEXTS, batch_size)
        assert vectors.dtype == np.float32 and vectors.shape == torch_vectors.shape
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
        assert (vectors * torch_vectors).sum(axis=1).min() > 0.99999


def test_int8_vectors_stay_close_and_the_export_is_made_once(model_cache):
    torch_vectors = Embedder(MODEL, backend="torch").encode(TEXTS)
    encoder = OnnxEncoder(resolve_model_path(MODEL), "int8", lambda: _load(MODEL, "cpu"))
    cosines = (encoder.encode(TEXTS, 2) * torch_vectors).sum(axis=1)
    assert 0.98 < cosines.min() and cosines.max() < 0.99999  # quantized: close, not the same
    [made] = (model_cache / "onnx").iterdir()
    files = {p.name: p.stat().st_mtime_ns for p in made.iterdir()}
    assert set(files) == {"model-float32.onnx", "model-int8.onnx"}  # no partial file left behind
    again = OnnxEncoder(resolve_model_path(MODEL), "int8", lambda: pytest.fail("the model was loaded to export again"))
    assert again.path == encoder.path and {p.name: p.stat().st_mtime_ns for p in made.iterdir()} == files


def test_once_exported_the_onnx_path_needs_no_torch_and_reads_the_same_tokens(model_cache):
    # The export, in this process (not Embedder: it keeps the encoder an earlier test made elsewhere).
    OnnxEncoder(resolve_model_path(MODEL), "float32", lambda: _load(MODEL, "cpu"))
    code = ("import sys, json; from newsqa.index.embeddings import Embedder; "
            f"e = Embedder({MODEL!r}, backend='onnx'); v = e.encode({TEXTS!r}); "
            f"ids = e.tokenizer({TEXTS!r}, truncation=True, max_length=e.max_tokens)['input_ids']; "
            "print(json.dumps({'torch': 'torch' in sys.modules, 'st': 'sentence_transformers' in sys.modules, "
            "'ids': ids, 'vectors': v.tolist(), 'dimension': e.dimension, 'max_tokens': e.max_tokens}))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, HF_HUB_OFFLINE="1"))
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)
    assert seen["torch"] is False and seen["st"] is False
    reference = Embedder(MODEL, backend="torch")
    assert (seen["dimension"], seen["max_tokens"]) == (reference.dimension, reference.max_tokens) == (384, 256)
    assert seen["ids"] == reference.tokenizer(TEXTS, truncation=True, max_length=256)["input_ids"]
    assert (np.array(seen["vectors"]) * reference.encode(TEXTS)).sum(axis=1).min() > 0.99999


def test_an_index_built_on_the_fast_path_answers_as_the_default_one(tmp_path, model_cache):
    hits = {}
    for backend in ("torch", "onnx-int8"):
        settings = IndexSettings(home=tmp_path / backend, embedding_backend=backend)
        index = NewsIndex(settings)
        try:
            assert index.ingest(load([str(SAMPLES)], settings.fetch)).added == 6
            hits[backend] = [(h.title, h.text) for h in
                             index.search("When does work on the Ferris Street bridge begin?", k=3)]
        finally:
            index.close()
    assert hits["onnx-int8"][0] == hits["torch"][0]
    assert "Ferris Street" in hits["onnx-int8"][0][1]


def saved_model(folder, pooling_mode: str):
    from sentence_transformers import SentenceTransformer, models

    transformer = models.Transformer(resolve_model_path(MODEL))
    SentenceTransformer(modules=[transformer, models.Pooling(384, pooling_mode=pooling_mode)]).save(str(folder))
    return str(folder)


def test_a_model_pooled_by_its_cls_token_gets_torchs_vectors_too(tmp_path, model_cache):
    cls_pooled = saved_model(tmp_path / "cls-model", "cls")
    torch_vectors = Embedder(cls_pooled, backend="torch").encode(TEXTS)
    assert (Embedder(cls_pooled).encode(TEXTS) * torch_vectors).sum(axis=1).min() > 0.99999
    assert (Embedder(MODEL, backend="torch").encode(TEXTS) * torch_vectors).sum(axis=1).min() < 0.99  # not mean's


def test_a_model_the_onnx_path_cannot_run_is_named(tmp_path, model_cache):
    max_pooled = saved_model(tmp_path / "max-model", "max")
    with pytest.raises(NewsqaError, match=r"^the onnx embedding backend runs transformer models pooled by mean or CLS "
                                          r"token; this model is Transformer \+ Pooling \(pooling max\) — set "
                                          r"embedding_backend = \"torch\"$"):
        Embedder(max_pooled)
    with pytest.raises(NewsqaError, match=r"^the onnx embedding backend needs the model's files on disk .* not "
                                          r"'no-such-org/no-such-model' — set embedding_backend = \"torch\"$"):
        Embedder("no-such-org/no-such-model")
    assert not model_cache.exists()  # refused before anything was exported
