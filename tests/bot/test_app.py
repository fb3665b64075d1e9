"""The HTTP edge and the settings: bad requests get 400, anonymous mode only on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError
from tests.fakes import activities
from tests.fakes.harness import ALEX, BotClient


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
