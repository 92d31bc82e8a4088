"""Benchmarks of the LLM ATLAS service against its anchors; run with `python -m bench`."""
