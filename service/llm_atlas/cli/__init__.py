"""The `llm-atlas` command; the only place that chooses exit codes."""

from llm_atlas.cli.main import main

__all__ = ["main"]
