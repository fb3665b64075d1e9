"""The HTTP edge and the settings: a malformed request gets a 4xx and changes nothing;
anonymous mode only on loopback and never with a client id."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.domain.model import ControlKey, Period
from bot.inbound import MAX_BODY, MAX_DEPTH
from bot.settings import Settings, SettingsError
from tests.fakes import activities
from tests.fakes.harness import ALEX, BotClient, standard_plan


@pytest.mark.parametrize("body", ["garbage", "[]", "{}", '{"type": 5}', '{"type": "message"}'])
async def test_malformed_requests_get_400_and_the_bot_keeps_serving(
    bot: BotClient, body: str
) -> None:
    async with bot.session.post(
        bot.url, data=body, headers={"Content-Type": "application/json"}
    ) as response:
        assert response.status == 400
    assert await bot.say("hjälp")


async def test_unreachable_channel_does_not_break_the_process(bot: BotClient) -> None:
    activity = activities.message("mina kontroller", ALEX, "http://127.0.0.1:9/", "conv-x")
    status, _ = await bot.post(activity)
    assert status >= 200
    assert await bot.say("mina kontroller")


async def test_turns_reuse_the_connection_to_the_channel(bot: BotClient) -> None:
    # The SDK makes a connector client per turn; without a shared pool each turn would
    # open its own TCP connection to the channel (and a TLS handshake in Teams).
    for text in ("hjälp", "mina kontroller", "hjälp", "mina kontroller"):
        assert await bot.say(text)
    assert len(bot.connector.sent) >= 4
    assert len(bot.connector.peers) == 1


def test_anonymous_mode_is_refused_off_loopback(tmp_path: Path) -> None:
    env = {"IKBOT_WORKBOOK": str(tmp_path), "IKBOT_HOST": "0.0.0.0"}
    with pytest.raises(SettingsError, match="vägrar starta anonymt"):
        Settings.from_env(env)
    env["CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID"] = "00000000-0000-0000-0000-1"
    assert not Settings.from_env(env).anonymous


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "IKBOT_WORKBOOK"),
        ({"IKBOT_WORKBOOK": "x", "IKBOT_PORT": "http"}, "IKBOT_PORT"),
        ({"IKBOT_WORKBOOK": "x", "IKBOT_TODAY": "igår"}, "IKBOT_TODAY"),
    ],
)
def test_bad_settings_say_what_to_change(env, message) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_settings_read_everything(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "IKBOT_WORKBOOK": str(tmp_path),
            "IKBOT_DATA_DIR": "/tmp/x",
            "IKBOT_PORT": "4000",
            "IKBOT_STRATEGISTS": " Stina@Example.com, ,eva@example.com",
            "IKBOT_TODAY": "2027-01-10",
            "OTHER": "ignored",
        }
    )
    assert settings.port == 4000 and settings.strategists == {
        "stina@example.com",
        "eva@example.com",
    }
    assert str(settings.today) == "2027-01-10" and settings.anonymous
    assert settings.agent_env_for_sdk() == {
        "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED": "true"
    }


def test_graph_settings(tmp_path: Path) -> None:
    base = {
        "IKBOT_GRAPH_SITE": "kommun.sharepoint.com:/sites/Internkontroll",
        "IKBOT_GRAPH_PATH": "Internkontroll",
    }
    settings = Settings.from_env(base)
    assert settings.workbook is None and settings.graph is not None
    assert settings.graph.credential_kind == "managed_identity"
    assert settings.graph.base_url == "https://graph.microsoft.com/v1.0"
    secret = {
        **base,
        "IKBOT_GRAPH_CLIENT_SECRET": "s",
        "IKBOT_GRAPH_TENANT_ID": "t",
        "IKBOT_GRAPH_CLIENT_ID": "c",
    }
    assert Settings.from_env(secret).graph.credential_kind == "client_secret"
    with pytest.raises(SettingsError, match="TENANT_ID"):
        Settings.from_env({**base, "IKBOT_GRAPH_CLIENT_SECRET": "s"})
    with pytest.raises(SettingsError, match="IKBOT_GRAPH_PATH"):
        Settings.from_env({"IKBOT_GRAPH_SITE": base["IKBOT_GRAPH_SITE"]})
    with pytest.raises(SettingsError, match="IKBOT_GRAPH_SITE"):
        Settings.from_env({**base, "IKBOT_GRAPH_SITE": "Internkontroll"})


def test_the_anonymous_switch_with_a_client_id_is_refused(tmp_path: Path) -> None:
    prefix = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
    env = {"IKBOT_WORKBOOK": str(tmp_path), f"{prefix}CLIENTID": "app-id"}
    assert Settings.from_env(env).agent_env_for_sdk()[f"{prefix}ANONYMOUS_ALLOWED"] == "false"
    for value in ("false", "0", ""):
        assert not Settings.from_env({**env, f"{prefix}ANONYMOUS_ALLOWED": value}).anonymous
    for name in ("SERVICE_CONNECTION", "OTHER"):
        flag = f"CONNECTIONS__{name}__SETTINGS__ANONYMOUS_ALLOWED"
        with pytest.raises(SettingsError, match=f"vägrar starta: {flag}=true stänger av"):
            Settings.from_env({**env, flag: "true"})


def test_ikbot_serve_refuses_the_anonymous_switch_with_a_client_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    standard_plan(tmp_path / "ks.xlsx")
    monkeypatch.setenv("IKBOT_WORKBOOK", str(tmp_path))
    monkeypatch.setenv("IKBOT_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("IKBOT_PORT", "1")  # never reached: nothing may listen
    monkeypatch.setenv("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID", "app-id")
    monkeypatch.setenv("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED", "true")
    assert main(["serve"]) == 2
    error = capsys.readouterr().err
    assert "ANONYMOUS_ALLOWED=true stänger av inloggningskontrollen" in error


# --- Malformed requests: each gets a 4xx with a short reason, and nothing is handled. ---

ANSWER = {
    **{"verb": "submit", "plan": "ks.xlsx", "control": "1", "year": 2026, "period": "YEAR"},
    **{"nonce": "0" * 32, "outcome": "Ingen avvikelse", "checked": "5", "deviations": "0"},
}
SLOT = (ControlKey("ks.xlsx", "1"), 2026, Period.YEAR)
JSON = "application/json"


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _text(activity: dict[str, Any], **changes: Any) -> str:
    """The activity as JSON with top-level members changed (``None`` removes one)."""
    changed = {**activity, **changes}
    return json.dumps({k: v for k, v in changed.items() if v is not None})


def _in_value(activity: dict[str, Any], raw: str) -> str:
    """The activity with ``raw`` JSON text as its value."""
    return _text(activity, value="@@").replace('"@@"', raw)


# name -> (a function of a valid answer activity giving the body, Content-Type, status)
MALFORMED: dict[str, tuple[Callable[[dict[str, Any]], str | bytes], str, int]] = {
    "nested past the recursion limit": (lambda a: _in_value(a, _nested(5000)), JSON, 400),
    "nested just below the recursion limit": (lambda a: _in_value(a, _nested(985)), JSON, 400),
    "nested deeper than allowed": (lambda a: _in_value(a, _nested(MAX_DEPTH)), JSON, 400),
    "without serviceUrl": (lambda a: _text(a, serviceUrl=None), JSON, 400),
    "serviceUrl not a string": (lambda a: _text(a, serviceUrl=["http://x/"]), JSON, 400),
    "serviceUrl relative": (lambda a: _text(a, serviceUrl="/v3/"), JSON, 400),
    "serviceUrl not http": (lambda a: _text(a, serviceUrl="file:///etc/"), JSON, 400),
    "serviceUrl unparsable": (lambda a: _text(a, serviceUrl="http://[::1/"), JSON, 400),
    "serviceUrl without host": (lambda a: _text(a, serviceUrl="http:///x"), JSON, 400),
    "serviceUrl with a query": (lambda a: _text(a, serviceUrl="http://x/?a="), JSON, 400),
    "serviceUrl with credentials": (lambda a: _text(a, serviceUrl="http://u:p@x/"), JSON, 400),
    "without conversation": (lambda a: _text(a, conversation=None), JSON, 400),
    "conversation without id": (lambda a: _text(a, conversation={"name": "x"}), JSON, 400),
    "conversation id a path": (lambda a: _text(a, conversation={"id": "../../x"}), JSON, 400),
    "conversation id a query": (lambda a: _text(a, conversation={"id": "c?x=1"}), JSON, 400),
    "conversation id a lone surrogate": (
        lambda a: _text(a, conversation={"id": "c\ud800"}),
        JSON,
        400,
    ),
    "without from": (lambda a: _text(a, **{"from": None}), JSON, 400),
    "from without id": (lambda a: _text(a, **{"from": {"name": "Alex"}}), JSON, 400),
    "without recipient": (lambda a: _text(a, recipient=None), JSON, 400),
    "without channelId": (lambda a: _text(a, channelId=None), JSON, 400),
    "without type": (lambda a: _text(a, type=None), JSON, 400),
    "type not a string": (lambda a: _text(a, type=["invoke"]), JSON, 400),
    "activity id a path": (lambda a: _text(a, id="a/b"), JSON, 400),
    "a field of the wrong type": (lambda a: _text(a, timestamp="igår"), JSON, 400),
    "an array": (lambda a: f"[{_text(a)}]", JSON, 400),
    "a string": (lambda a: json.dumps(_text(a)), JSON, 400),
    "a number": (lambda a: "5", JSON, 400),
    "null": (lambda a: "null", JSON, 400),
    "not JSON": (lambda a: _text(a)[:-1], JSON, 400),
    "NaN": (lambda a: _in_value(a, "NaN"), JSON, 400),
    "a number too long to read": (lambda a: _in_value(a, "9" * 5000), JSON, 400),
    "not UTF-8": (lambda a: _text(a).encode("utf-16"), JSON, 400),
    "text/plain": (lambda a: _text(a), "text/plain", 415),
    "a form": (lambda a: _text(a), "application/x-www-form-urlencoded", 415),
    "no content type": (lambda a: _text(a).encode(), "", 415),
    "JSON in Latin-1": (lambda a: _text(a), "application/json; charset=latin-1", 415),
    "huge": (lambda a: _text(a, padding="x" * MAX_BODY), JSON, 413),
}


async def nothing_handled(bot: BotClient) -> None:
    """No reply or member lookup at the channel, no state stored, nothing journalled."""
    assert bot.connector.sent == [] and bot.connector.member_lookups == 0
    assert await bot.services.db.fetchall("SELECT key FROM conversation_state") == []
    assert await bot.services.db.fetchall("SELECT answer_id FROM answers") == []
    assert await bot.services.journal.history(*SLOT) == []


@pytest.mark.parametrize("case", MALFORMED)
async def test_a_malformed_request_gets_a_4xx_with_a_short_reason_and_changes_nothing(
    bot: BotClient, case: str
) -> None:
    make, content_type, expected = MALFORMED[case]
    answer = activities.execute(ANSWER, ALEX, bot.service_url, "conv-alex")
    body = make(answer)
    data = body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")
    headers = {"Content-Type": content_type} if content_type else {}
    async with bot.session.post(bot.url, data=data, headers=headers) as response:
        assert response.status == expected
        reason = (await response.json())["error"]
        assert 0 < len(reason) < 120
    await nothing_handled(bot)
    # The same answer, well formed, is saved: the refusal was for the form, not the content.
    status, reply = await bot.post(answer)
    assert status == 200 and "Svaret är sparat" in str(reply)
    assert len(await bot.services.journal.history(*SLOT)) == 1


async def test_a_body_that_is_not_the_gzip_it_claims_to_be_gets_400(bot: BotClient) -> None:
    activity = activities.message("mina kontroller", ALEX, bot.service_url, "conv-alex")
    headers = {"Content-Type": JSON, "Content-Encoding": "gzip"}
    async with bot.session.post(bot.url, data=_text(activity), headers=headers) as response:
        assert response.status == 400
    packed = gzip.compress(_text(activity, padding="x" * (4 * MAX_BODY)).encode())
    async with bot.session.post(bot.url, data=packed, headers=headers) as response:
        assert response.status == 413  # the limit is on what the body unpacks to
    await nothing_handled(bot)
    async with bot.session.post(
        bot.url, data=gzip.compress(_text(activity).encode()), headers=headers
    ) as response:
        assert response.status == 202
    assert bot.connector.messages_to("conv-alex")


async def test_the_playgrounds_service_url_is_accepted(bot: BotClient) -> None:
    # The Microsoft 365 Agents Playground names its mocked connector without a trailing
    # slash, on "localhost"; the reply comes back in the response here (expectReplies).
    port = bot.service_url.rstrip("/").rsplit(":", 1)[1]
    activity = activities.message("hjälp", ALEX, f"http://localhost:{port}/_connector", "c-1")
    status, body = await bot.post({**activity, "deliveryMode": "expectReplies"})
    assert status == 200 and body["activities"][0]["type"] == "message"


def test_ikbot_serve_refuses_a_client_id_the_sdk_reads_with_anonymous_access(
    tmp_path: Path,
) -> None:
    # The SDK also reads its settings' lower-case keyword names: the bot sees no client id
    # (anonymous mode, loopback), the SDK sees one, and anonymous access as well.
    standard_plan(tmp_path / "ks.xlsx")
    env = {
        **os.environ,
        "IKBOT_WORKBOOK": str(tmp_path),
        "IKBOT_DATA_DIR": str(tmp_path / "var"),
        "IKBOT_PORT": "1",  # never reached: nothing may listen
        "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__client_id": "app-id",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "vägrar starta" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "name",
    ["composeExtension/query", "task/fetch", "signin/verifyState", "x", "fileConsent/invoke"],
)
async def test_an_invoke_the_bot_does_not_handle_is_a_4xx_not_a_5xx(
    bot: BotClient, name: str
) -> None:
    activity = activities.execute({"verb": "list"}, ALEX, bot.service_url, "conv-user-alex")
    activity["name"] = name
    status, _body = await bot.post(activity)
    assert 400 <= status < 500
    assert bot.connector.sent == []
