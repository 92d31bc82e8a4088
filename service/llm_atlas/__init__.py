"""LLM ATLAS: an agency-theory knowledge graph of large language model alignment."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("llm-atlas")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
