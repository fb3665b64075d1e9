"""Ctrl-C on `make run` (`ikbot serve --demo`) stops the bot without a traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.bot.test_kill import free_port

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a process is POSIX")
DEADLINE = 60.0


def _serve(tmp_path: Path) -> subprocess.Popen[bytes]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("IKBOT_", "CONNECTIONS"))},
        "IKBOT_DATA_DIR": str(tmp_path / "var"),
        "IKBOT_PORT": str(free_port()),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--demo"],
        env=env,
        stdout=(tmp_path / "out").open("wb"),
        stderr=(tmp_path / "err").open("wb"),
    )


def test_ctrl_c_once_serving_stops_cleanly(tmp_path: Path) -> None:
    process = _serve(tmp_path)
    try:
        end = time.monotonic() + DEADLINE
        while "make playground" not in (tmp_path / "out").read_text():
            assert process.poll() is None, (tmp_path / "err").read_text()
            assert time.monotonic() < end, "the bot never said it was serving"
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        assert process.wait(DEADLINE) in (0, 130)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "Traceback" not in (tmp_path / "err").read_text()


def test_ctrl_c_while_the_demo_is_being_built_stops_cleanly(tmp_path: Path) -> None:
    process = _serve(tmp_path)
    try:
        # As soon as Python is up (its SIGINT handler installed): the demo is being built.
        end = time.monotonic() + DEADLINE
        while not (tmp_path / "var").exists() and process.poll() is None:
            assert time.monotonic() < end
            time.sleep(0.005)
        process.send_signal(signal.SIGINT)
        process.wait(DEADLINE)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "Traceback" not in (tmp_path / "err").read_text()
