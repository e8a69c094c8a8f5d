"""The embedding model through ONNX Runtime: the same vectors as sentence-transformers (float32), or
about twice as fast with weights quantized to int8, for bulk backfills.

The ONNX file is exported from the loaded sentence-transformers model on first use (a few seconds,
with torch and the `onnx` package, both installed with newsqa) into a cache shared by every data
directory, keyed by the model's files and the library versions, so nothing comes from a model hub.
What the model does around its transformer (pooling by mean or by the CLS token, unit length) is
done here in numpy, as sentence-transformers does it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from newsqa.errors import NewsqaError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

Precision = Literal["float32", "int8"]
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# How sentence-transformers before 6 wrote a pooling module's mode.
_LEGACY_POOLING = {"pooling_mode_cls_token": "cls", "pooling_mode_mean_tokens": "mean",
                   "pooling_mode_max_tokens": "max", "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len_tokens",
                   "pooling_mode_weightedmean_tokens": "weightedmean", "pooling_mode_lasttoken": "lasttoken"}


def cache_root() -> Path:
    """Where exported models are kept: beside the default LLM's file, under $NEWSQA_MODEL_CACHE
    (default: newsqa's folder in the user's cache)."""
    import platformdirs

    return Path(os.environ.get("NEWSQA_MODEL_CACHE") or platformdirs.user_cache_dir("newsqa")) / "onnx"


class OnnxEncoder:
    """Encodes texts with an ONNX export of a sentence-transformers model. Once the export is in the
    cache, neither torch nor sentence-transformers is loaded: a process that embeds questions
    starts seconds sooner, in less memory."""

    def __init__(self, model_path: str, precision: Precision, load: Callable[[], SentenceTransformer]) -> None:
        """`load` gives the sentence-transformers model, called only when there is an export to make."""
        import onnxruntime
        from transformers import PreTrainedTokenizerFast

        model_path = _local_files(model_path)
        self.pooling = _pooling(Path(model_path))
        self.path = exported(model_path, precision, load)
        # The tokenizer sentence-transformers uses, from its files (its class would import torch).
        self.tokenizer = PreTrainedTokenizerFast.from_pretrained(model_path)
        self.max_tokens = _max_seq_length(Path(model_path), self.tokenizer)
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # the quantized graph's shape warnings are not the user's concern
        self.session = onnxruntime.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.dimension = int(self.session.get_outputs()[0].shape[-1])

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        """Unit vectors, one row per text, in the order given."""
        # Texts of like length share a batch, so little of a batch is padding.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            rows = order[start:start + batch_size]
            out[rows] = self._batch([texts[i] for i in rows])
        return out

    def _batch(self, texts: list[str]) -> np.ndarray:
        encoded = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_tokens,
                                 return_tensors="np")
        feed = {name: encoded[name].astype(np.int64) if name in encoded
                else np.zeros_like(encoded["input_ids"], dtype=np.int64) for name in self.inputs}
        [hidden] = self.session.run(["last_hidden_state"], feed)
        if self.pooling == "cls":
            pooled = hidden[:, 0]
        else:
            mask = feed["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
        return (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def _local_files(name: str) -> str:
    """The model's folder: the path given, or a hub name's copy in the local cache (never fetched)."""
    if Path(name).is_dir():
        return name
    try:
        from huggingface_hub import snapshot_download

        return snapshot_download(name, local_files_only=True)
    except Exception:  # not a name the cache holds, in any of the ways the hub library says so
        raise NewsqaError(f"the onnx embedding backend needs the model's files on disk (a packaged model, a local "
                          f"path or a model in the local cache), not {name!r} — set embedding_backend = \"torch\"") \
            from None


def _pooling(model_path: Path) -> str:
    """How the model pools its token vectors ("mean" or "cls"), from its sentence-transformers
    files: a transformer, a pooling module, at most a normalization after it."""
    modules = json.loads((model_path / "modules.json").read_text()) if (model_path / "modules.json").exists() else []
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    mode = None
    if kinds[:2] == ["Transformer", "Pooling"] and all(kind == "Normalize" for kind in kinds[2:]):
        config = json.loads((model_path / modules[1]["path"] / "config.json").read_text())
        legacy = "+".join(mode for key, mode in _LEGACY_POOLING.items() if config.get(key)) or None
        mode = config.get("pooling_mode", legacy)
    if mode not in ("mean", "cls"):
        shown = " + ".join(kinds) or "not a sentence-transformers model"
        raise NewsqaError(f"the onnx embedding backend runs transformer models pooled by mean or CLS token; this "
                          f"model is {shown} (pooling {mode}) — set embedding_backend = \"torch\"")
    return mode


def _max_seq_length(model_path: Path, tokenizer) -> int:
    """Where sentence-transformers cuts a text: its config's max_seq_length, else the tokenizer's."""
    config = model_path / "sentence_bert_config.json"
    length = json.loads(config.read_text()).get("max_seq_length") if config.exists() else None
    return int(length) if length else min(int(tokenizer.model_max_length), 512)


def exported(model_path: str, precision: Precision, load: Callable[[], SentenceTransformer]) -> Path:
    """The ONNX file for this model and precision, exported into the cache if not there yet."""
    folder = cache_root() / _key(model_path)
    target = folder / f"model-{precision}.onnx"
    if target.exists():
        return target
    float32 = folder / "model-float32.onnx"
    if not float32.exists():
        model = load()
        folder.mkdir(parents=True, exist_ok=True)
        _export(model, float32)
    if precision == "int8":
        _quantize(float32, target)
    return target


def _key(model_path: str) -> str:
    """The model's weights (by size and time, not read) and what exports and runs it."""
    from importlib.metadata import version

    files = sorted(p for p in Path(model_path).rglob("*") if p.is_file()) if Path(model_path).is_dir() else []
    stamp = [(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files]
    shape = {"model": str(Path(model_path).resolve()) if files else model_path, "files": stamp,
             "torch": version("torch"), "onnxruntime": version("onnxruntime")}  # read, not imported
    return hashlib.sha256(json.dumps(shape).encode()).hexdigest()[:16]


def _export(model: SentenceTransformer, target: Path) -> None:
    import torch

    transformer = model[0].auto_model.eval()

    class LastHiddenState(torch.nn.Module):  # the export's outputs: the token vectors alone
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.transformer(input_ids=input_ids, attention_mask=attention_mask,
                                    token_type_ids=token_type_ids).last_hidden_state

    sample = model.tokenizer(["an example", "a second, longer example"], padding=True, return_tensors="pt")
    args = tuple(sample.get(name, torch.zeros_like(sample["input_ids"])) for name in _INPUTS)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")}
    with _written(target) as partial, torch.no_grad(), warnings.catch_warnings():
        # The tracer warns of branches on shapes; the encoder's test holds the export to
        # sentence-transformers' vectors in batches with and without padding.
        warnings.simplefilter("ignore")
        # The TorchScript exporter: the dynamo one needs onnxscript, which newsqa does not install.
        torch.onnx.export(LastHiddenState(), args, str(partial), input_names=list(_INPUTS),
                          output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17, dynamo=False)


def _quantize(source: Path, target: Path) -> None:
    """Weights to int8, one scale per output channel: per tensor, vectors drifted to a cosine of
    0.95 from the float32 ones on news passages; per channel 0.99."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quiet = logging.getLogger()  # the quantizer advises pre-processing on the root logger
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        with _written(target) as partial:
            quantize_dynamic(str(source), str(partial), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        quiet.setLevel(level)


@contextmanager
def _written(target: Path) -> Iterator[Path]:
    """A path to write, moved into place only when complete: processes that export at once each
    write their own and the last rename wins, and a reader never opens half a file."""
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}-", suffix=".onnx")
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        partial.chmod(0o644)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
