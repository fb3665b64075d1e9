"""Fixtures of the bot's own tests."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from bot.logs import setup_logging


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Everything logged during the test (at DEBUG), as the JSON lines `ikbot serve` writes."""
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = setup_logging("DEBUG", "json", stream=stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def log_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    """The log, one parsed JSON object per line (each line must be one)."""
    return [json.loads(line) for line in stream.getvalue().splitlines()]
