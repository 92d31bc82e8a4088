"""What a remote engine says in an error reaches clients only as a safe, short summary."""

from __future__ import annotations

import pytest

from llm_atlas.errors import QuerySyntaxError, StoreFault
from llm_atlas.store.remote.client import RemoteStore
from llm_atlas.store.remote.text import ENGINE_MESSAGE_CHARS, engine_says


def test_line_breaks_fold_and_control_characters_are_escaped():
    assert engine_says("line one\r\nline\ttwo\x00\u200b end") == r"line one line two\x00\u200b end"


def test_a_long_message_is_cut():
    said = engine_says("x" * 5000)
    assert said == "x" * ENGINE_MESSAGE_CHARS + " [...]"


@pytest.mark.parametrize("status, error", [(400, QuerySyntaxError), (500, StoreFault)])
def test_an_engine_error_never_relays_the_reply_as_sent(status, error):
    relayed = "SERVICE failed: remote said\n<html><script>alert(1)</script>\nSECRET" + "y" * 900
    with pytest.raises(error) as raised:
        RemoteStore._raise_http(status, relayed)
    message = str(raised.value)
    assert "\n" not in message
    assert len(message) < ENGINE_MESSAGE_CHARS + 100
    assert relayed not in message
