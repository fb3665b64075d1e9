"""The environment variables, read by pydantic-settings: from the process or a mapping."""

from __future__ import annotations

from datetime import date

import pytest

from bot.settings import Settings, SettingsError

BASE = {"IKBOT_WORKBOOK": "plan.xlsx"}


def test_the_process_environment_is_read_when_no_mapping_is_given(monkeypatch) -> None:
    monkeypatch.setenv("IKBOT_WORKBOOK", "plan.xlsx")
    monkeypatch.setenv("IKBOT_PORT", "4001")
    monkeypatch.setenv("IKBOT_TODAY", "2026-12-15")
    settings = Settings.from_env()
    assert (settings.port, settings.today) == (4001, date(2026, 12, 15))


def test_a_mapping_is_read_alone(monkeypatch) -> None:
    monkeypatch.setenv("IKBOT_PORT", "4001")  # not in the mapping: not read
    assert Settings.from_env(BASE).port == 3978


def test_empty_variables_mean_the_defaults() -> None:
    blank = {"IKBOT_PORT": " ", "IKBOT_LOG_LEVEL": "", "IKBOT_HOST": ""}
    settings = Settings.from_env({**BASE, **blank})
    assert (settings.port, settings.log_level, settings.host) == (3978, "INFO", "127.0.0.1")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("IKBOT_PORT", "x", "IKBOT_PORT måste vara ett portnummer, inte 'x'."),
        ("IKBOT_PORT", "70000", "IKBOT_PORT måste vara ett portnummer, inte '70000'."),
        ("IKBOT_TODAY", "2026-13-01", "IKBOT_TODAY måste vara ett datum (ÅÅÅÅ-MM-DD), inte"),
        ("IKBOT_LOG_LEVEL", "loud", "IKBOT_LOG_LEVEL måste vara en av DEBUG, INFO"),
        ("IKBOT_LOG_FORMAT", "xml", "IKBOT_LOG_FORMAT måste vara text eller json"),
        ("IKBOT_CONNECTOR_TIMEOUT", "0", "IKBOT_CONNECTOR_TIMEOUT ska vara ett antal sekunder"),
        ("IKBOT_LOOKUP_TIMEOUT", "nan", "högst 10"),
        ("IKBOT_STRATEGIST_GROUP_ID", "strateger", "objekt-ID i Microsoft Entra ID"),
        ("IKBOT_DATABASE_URL", "mysql://u:hemligt@h/d", "ska vara en PostgreSQL-adress"),
        ("IKBOT_REMINDER_INTERVAL", "ofta", "IKBOT_REMINDER_INTERVAL ska vara ett antal minuter"),
        ("IKBOT_REMINDER_DAYS_BEFORE", "-1", "IKBOT_REMINDER_DAYS_BEFORE ska vara ett heltal"),
        ("IKBOT_REMINDER_HOURS", "17-8", "IKBOT_REMINDER_HOURS ska vara timmarna"),
    ],
)
def test_a_wrong_variable_is_named_in_swedish(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({**BASE, name: value})
    assert message in str(refused.value)
    assert "hemligt" not in str(refused.value)  # a database password is never echoed


def test_a_postgresql_url_as_people_write_it_gets_our_driver() -> None:
    url = "postgresql://ikbot:pw@db.example:5432/ikbot?sslmode=require"
    settings = Settings.from_env({**BASE, "IKBOT_DATABASE_URL": url})
    assert settings.database_url == url.replace("postgresql://", "postgresql+psycopg://")
    assert "pw" not in repr(settings)


def test_timeouts_accept_a_decimal_comma() -> None:
    settings = Settings.from_env({**BASE, "IKBOT_CONNECTOR_TIMEOUT": "2,5"})
    assert settings.connector_timeout == 2.5


def test_the_reminder_schedule_from_the_environment() -> None:
    default = Settings.from_env(BASE)
    assert default.reminder_interval == 600  # ten minutes, in seconds
    assert (default.reminder_rules.days_before, default.reminder_rules.end_hour) == (5, 17)
    settings = Settings.from_env(
        {
            **BASE,
            "IKBOT_REMINDER_INTERVAL": "0",
            "IKBOT_REMINDER_DAYS_BEFORE": "3",
            "IKBOT_REMINDER_OVERDUE_TIMES": "2",
            "IKBOT_REMINDER_DIGEST_AFTER": "0",
            "IKBOT_REMINDER_HOURS": "9–16",
            "IKBOT_TEAMS_APP_ID": " app-id ",
        }
    )
    rules = settings.reminder_rules
    assert settings.reminder_interval == 0
    assert (rules.days_before, rules.overdue_times, rules.digest_after) == (3, 2, 0)
    assert (rules.start_hour, rules.end_hour) == (9, 16)
    assert settings.teams_app_id == "app-id"
