"""The evaluation harness: question sets, the pipelines they run through, metrics and reports.

It is one more face of newsqa: it builds requests, calls the same `ask` entry point as the CLI
and Discord (or the LangChain baseline, for comparison), and scores the `Answer` it gets back.
"""
