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


# Ctrl-C cutting a ZipFile off inside its __init__ (as openpyxl saves the demo workbook):
# the half-built object fails in __del__ as it is collected, which Python prints with a
# traceback. The interrupt is injected where the demo is built, so the race is certain.
INTERRUPTED_SAVE = """
import sys, zipfile
from bot import cli

class Interrupting:
    def __getattr__(self, name):
        raise KeyboardInterrupt  # ZipFile reads the file's name just after keeping it

def build_demo(env):
    zipfile.ZipFile(Interrupting(), "w")

cli._demo_environment = build_demo
sys.exit(cli.main(["serve", "--demo"]))
"""


def test_ctrl_c_inside_a_workbook_save_stops_without_a_traceback(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IKBOT_", "CONNECTIONS"))}
    done = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_SAVE],
        env={**env, "IKBOT_DATA_DIR": str(tmp_path / "var")},
        capture_output=True,
        text=True,
        timeout=DEADLINE,
    )
    assert done.returncode == 130
    assert "Boten har stoppats." in done.stderr
    assert "Traceback" not in done.stderr, done.stderr
