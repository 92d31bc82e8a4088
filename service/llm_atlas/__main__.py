"""`python -m llm_atlas` is the `llm-atlas` command."""

from .cli import main

main()
