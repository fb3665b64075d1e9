"""Structured logs: JSON lines with request and conversation ids, and nothing personal —
no answer texts, no names, no e-mail addresses — in them."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import socket
import sys
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession

from bot.logs import setup_logging
from bot.settings import Settings, SettingsError
from tests.bot.conftest import log_lines
from tests.conftest import BotFactory
from tests.fakes import activities
from tests.fakes.connector import Person, RecordingConnector
from tests.fakes.harness import BotClient, cards_of, find_action, plan_row, write_plan

SECRET = Person("user-hemlig", "Hemliga Hedvig Hansson", "hedvig.hansson@kommun.example", "aad-h")
OBSERVATIONS = "Iakttagelse-7f3a: fakturan till Hedvig saknade attest"
ACTION = "Åtgärd-9c1e: Hedvig går igenom attestlistan"


async def post(bot: BotClient, activity: dict[str, Any], **headers: str) -> tuple[int, Any, str]:
    """POST an activity; the status, the JSON body and the X-Request-Id answered."""
    async with bot.session.post(bot.url, json=activity, headers=headers) as response:
        body = await response.json() if await response.text() else None
        return response.status, body, response.headers["X-Request-Id"]


async def test_a_turn_logs_ids_and_nothing_personal(
    start: BotFactory, connector: RecordingConnector, tmp_path: Path, json_log: io.StringIO
) -> None:
    connector.add(SECRET)
    plan = write_plan(tmp_path / "plans" / "ks.xlsx", [plan_row("1", SECRET.email)])
    bot = await start(plan.parent)
    conv = "conv-hemlig-42"
    [listed] = cards_of(await bot.say("mina kontroller", SECRET, conv))
    card = await bot.click(find_action(listed, "Svara"), SECRET, conv)
    inputs = {
        "outcome": "Mindre avvikelse",
        "checked": "10",
        "deviations": "1",
        "observations": OBSERVATIONS,
        "analysis": "",
        "action_text": ACTION,
        "action_owner": SECRET.name,
        "action_due": "2027-03-31",
    }
    save = activities.execute(
        {**find_action(card, "Spara svar"), **inputs}, SECRET, bot.service_url, conv
    )
    status, body, answered_id = await post(bot, save, **{"X-Request-Id": "prov-1234"})
    assert status == 200 and "Svaret är sparat" in json.dumps(body, ensure_ascii=False)
    assert answered_id == "prov-1234"
    await bot.drain()

    log = json_log.getvalue()
    for personal in (SECRET.email, SECRET.name, "Hedvig", OBSERVATIONS, "Iakttagelse-7f3a", ACTION):
        assert personal not in log, personal
    records = log_lines(json_log)
    assert all({"timestamp", "level", "logger", "message"} <= r.keys() for r in records)
    # The save request's own lines carry its id, the conversation and the activity type.
    saved = [r for r in records if r.get("request_id") == "prov-1234"]
    assert any("journalled" in r["message"] for r in saved)
    assert all(r["conversation_id"] == conv and r["activity_type"] == "invoke" for r in saved)
    # Every request got an id of its own; work outside a request (the writer) has none.
    ids = {r["request_id"] for r in records if r["message"].startswith("POST /api/messages")}
    assert len(ids) == 3 and "prov-1234" in ids
    [wrote] = [r for r in records if r["message"].startswith("Wrote 1 answers")]
    assert "request_id" not in wrote


@pytest.mark.parametrize(
    "incoming", ["", "a" * 129, "<script>", "id med mellanslag", "-leading-dash"]
)
async def test_an_unusable_request_id_is_replaced(bot: BotClient, incoming: str) -> None:
    base = bot.url.removesuffix("/api/messages")
    async with bot.session.get(base + "/healthz", headers={"X-Request-Id": incoming}) as response:
        answered = response.headers["X-Request-Id"]
    assert answered != incoming and len(answered) == 32 and int(answered, 16) >= 0


async def test_a_rejected_request_still_gets_an_id(bot: BotClient) -> None:
    headers = {"Content-Type": "application/json"}
    async with bot.session.post(bot.url, data="garbage", headers=headers) as response:
        assert response.status == 400
        assert len(response.headers["X-Request-Id"]) == 32


def test_text_format_shows_the_request_id_or_a_dash() -> None:
    stream = io.StringIO()
    handler = setup_logging("INFO", "text", stream=stream)
    try:
        logging.getLogger("bot.test").info("utanför en förfrågan")
    finally:
        logging.getLogger().removeHandler(handler)
    assert stream.getvalue().rstrip().endswith("INFO bot.test [-]: utanför en förfrågan")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"IKBOT_LOG_FORMAT": "xml"}, "IKBOT_LOG_FORMAT"),
        ({"IKBOT_LOG_LEVEL": "högljudd"}, "IKBOT_LOG_LEVEL"),
    ],
)
def test_bad_log_settings_say_what_to_change(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({"IKBOT_WORKBOOK": "x", **env})


def test_log_settings_are_read() -> None:
    settings = Settings.from_env(
        {"IKBOT_WORKBOOK": "x", "IKBOT_LOG_FORMAT": " JSON ", "IKBOT_LOG_LEVEL": "debug"}
    )
    assert (settings.log_format, settings.log_level) == ("json", "DEBUG")
    assert Settings.from_env({"IKBOT_WORKBOOK": "x"}).log_format == "text"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_ikbot_serve_writes_json_lines(tmp_path: Path) -> None:
    port = _free_port()
    plan = write_plan(tmp_path / "plans" / "ks.xlsx", [plan_row("1", SECRET.email)])
    env = {
        **os.environ,
        "IKBOT_WORKBOOK": str(plan.parent),
        "IKBOT_DATA_DIR": str(tmp_path / "var"),
        "IKBOT_PORT": str(port),
        "IKBOT_LOG_FORMAT": "json",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "serve",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        # It prints where it listens once it serves.
        while b"Boten" not in (line := await process.stdout.readline()) and b"Chatta" not in line:
            assert line, "ikbot serve ended before it served"
        async with ClientSession() as session:
            url = f"http://127.0.0.1:{port}/api/messages"
            headers = {"X-Request-Id": "cli-1", "Content-Type": "application/json"}
            async with session.post(url, data="garbage", headers=headers):
                pass
    finally:
        process.terminate()
        _, stderr = await process.communicate()
    records = [json.loads(line) for line in stderr.decode().splitlines()]
    [served] = [r for r in records if r.get("request_id") == "cli-1"]
    assert served["logger"] == "bot.logs" and served["level"] == "INFO"
    assert served["message"].startswith("POST /api/messages -> 400")


def test_a_failure_is_logged_without_what_a_person_typed() -> None:
    from pydantic import BaseModel

    from bot.logs import failure
    from graph.protocol import WorkbookLocked

    class Form(BaseModel):
        antal: int

    def validate(typed: str) -> None:
        Form.model_validate({"antal": typed})

    typed = "Hemlig iakttagelse om Kim"  # what came in from the chat
    try:
        validate(typed)
    except Exception as error:
        text = failure(error)
    assert "ValidationError" in text and "in validate" in text
    assert "Hemlig" not in text
    try:
        raise WorkbookLocked("Arbetsboken ks.xlsx är öppen i Excel.")
    except WorkbookLocked as error:
        assert "ks.xlsx är öppen i Excel" in failure(error)
