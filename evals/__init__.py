"""The evaluation harness: question sets, the pipelines they run through, metrics and reports.

It is one more face of newsqa: it builds requests, answers them through the same Python API as the
CLI and Discord (`Answerer.invoke`; or the LangChain tutorial baseline, for comparison), and scores
the `Answer` it gets back.
"""
