"""One llama.cpp build's speed on the default model: prompt processing and generation tokens/s.

Run by bench/llm_speed.py with PYTHONPATH pointing at the build to measure; prints one JSON line.
Generation is timed as single-token decodes after the prompt (the text's next tokens), which costs
what generating costs and does not depend on what the model would have written.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--prompt-tokens", type=int, default=300)
    parser.add_argument("--gen-tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()

    import llama_cpp
    from llama_cpp import Llama

    text = "\n\n".join(p.read_text() for p in sorted((REPO / "samples").glob("*.md")))
    llm = Llama(model_path=args.model, n_ctx=1024, n_batch=512, n_threads=args.threads, verbose=False)
    tokens = llm.tokenize(text.encode(), add_bos=True)
    prompt = tokens[: args.prompt_tokens]
    following = tokens[args.prompt_tokens: args.prompt_tokens + args.gen_tokens]
    assert len(prompt) == args.prompt_tokens and len(following) == args.gen_tokens, "sample text too short"

    llm.reset()
    llm.eval(prompt[:32])  # warm-up: first-touch of the weights, thread pool start
    prompt_rates, gen_rates = [], []
    for _ in range(args.reps):
        llm.reset()  # no prefix reuse: the whole prompt is processed each time
        start = time.perf_counter()
        llm.eval(prompt)
        prompt_rates.append(len(prompt) / (time.perf_counter() - start))
        start = time.perf_counter()
        for token in following:
            llm.eval([token])
        gen_rates.append(len(following) / (time.perf_counter() - start))
    info = llama_cpp.llama_print_system_info().decode(errors="replace")
    llm.close()
    print(json.dumps({
        "prompt_tps": statistics.median(prompt_rates), "gen_tps": statistics.median(gen_rates),
        "prompt_all": prompt_rates, "gen_all": gen_rates, "system_info": info,
        "llama_cpp": llama_cpp.__file__,
    }))


if __name__ == "__main__":
    main()
