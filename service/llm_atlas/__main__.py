"""`python -m llm_atlas` is the `llm-atlas` command."""

from llm_atlas.cli import main

main()
