"""The environment variables the bot reads, parsed once by pydantic-settings.

``Environment`` names every IKBOT_* variable (its alias is the variable's name) and checks
each on its own, with a Swedish message that says what to write instead; rules that
combine variables (Graph sign-in, anonymous mode) live in ``bot.settings``. Nothing but
``bot.settings.Settings.from_env`` uses this module.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MAX_STRATEGIST_GROUPS = 20  # Graph's checkMemberGroups takes at most 20 group ids
CONNECTOR_TIMEOUT = 10.0  # seconds; see Settings.connector_timeout
LOOKUP_TIMEOUT = 5.0
MOST_CONNECTOR_TIMEOUT = 60.0
MOST_LOOKUP_TIMEOUT = 10.0  # Teams waits 15 s for an Action.Execute's answer
LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_TIMEOUTS = {  # field: (variable, default, most)
    "connector_timeout": ("IKBOT_CONNECTOR_TIMEOUT", CONNECTOR_TIMEOUT, MOST_CONNECTOR_TIMEOUT),
    "lookup_timeout": ("IKBOT_LOOKUP_TIMEOUT", LOOKUP_TIMEOUT, MOST_LOOKUP_TIMEOUT),
}
GRAPH_FIELDS = (
    "site",
    "path",
    "drive",
    "tenant_id",
    "client_id",
    "client_secret",
    "certificate_path",
    "base_url",
)


class BadVariable(Exception):
    """A variable is wrong; the message (Swedish) says which and what to write."""


def _refuse(message: str, **context: Any) -> PydanticCustomError:
    return PydanticCustomError("ikbot_setting", message, context)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


class Environment(BaseSettings):
    """Every IKBOT_* variable, as typed values; empty means the default."""

    model_config = SettingsConfigDict(
        case_sensitive=True, extra="ignore", frozen=True, populate_by_name=False
    )

    workbook: str = Field("", alias="IKBOT_WORKBOOK")
    data_dir: str = Field("", alias="IKBOT_DATA_DIR")
    host: str = Field("", alias="IKBOT_HOST")
    port: int = Field(3978, alias="IKBOT_PORT")
    strategists: frozenset[str] = Field(frozenset(), alias="IKBOT_STRATEGISTS")
    strategist_groups: tuple[str, ...] = Field((), alias="IKBOT_STRATEGIST_GROUP_ID")
    today: date | None = Field(None, alias="IKBOT_TODAY")
    log_level: str = Field("INFO", alias="IKBOT_LOG_LEVEL")
    log_format: str = Field("text", alias="IKBOT_LOG_FORMAT")
    connector_timeout: float = Field(CONNECTOR_TIMEOUT, alias="IKBOT_CONNECTOR_TIMEOUT")
    lookup_timeout: float = Field(LOOKUP_TIMEOUT, alias="IKBOT_LOOKUP_TIMEOUT")
    # Holds a password: never echoed in a message.
    database_url: str | None = Field(None, alias="IKBOT_DATABASE_URL", repr=False)
    report_folder: str = Field("", alias="IKBOT_REPORT_FOLDER")
    # The Teams app's id (the manifest's id, or its id in the organisation's catalog): with
    # a Graph sign-in, the bot installs itself for people it must remind who never opened it.
    teams_app_id: str = Field("", alias="IKBOT_TEAMS_APP_ID")
    # Minutes between reminder sweeps; 0 switches the scheduled reminders off.
    reminder_interval: float = Field(10.0, alias="IKBOT_REMINDER_INTERVAL")
    reminder_days_before: int = Field(5, alias="IKBOT_REMINDER_DAYS_BEFORE")
    reminder_overdue_times: int = Field(4, alias="IKBOT_REMINDER_OVERDUE_TIMES")
    reminder_digest_after: int = Field(7, alias="IKBOT_REMINDER_DIGEST_AFTER")
    reminder_hours: tuple[int, int] = Field((8, 17), alias="IKBOT_REMINDER_HOURS")
    graph_site: str = Field("", alias="IKBOT_GRAPH_SITE")
    graph_path: str = Field("", alias="IKBOT_GRAPH_PATH")
    graph_drive: str = Field("", alias="IKBOT_GRAPH_DRIVE")
    graph_tenant_id: str = Field("", alias="IKBOT_GRAPH_TENANT_ID")
    graph_client_id: str = Field("", alias="IKBOT_GRAPH_CLIENT_ID")
    graph_client_secret: str = Field("", alias="IKBOT_GRAPH_CLIENT_SECRET", repr=False)
    graph_certificate_path: str = Field("", alias="IKBOT_GRAPH_CERTIFICATE_PATH")
    graph_base_url: str = Field("", alias="IKBOT_GRAPH_BASE_URL")

    @field_validator(
        "workbook",
        "data_dir",
        "host",
        "report_folder",
        "teams_app_id",
        *(f"graph_{name}" for name in GRAPH_FIELDS),
        mode="before",
    )
    @classmethod
    def _stripped(cls, value: Any) -> str:
        return _text(value)

    @field_validator("port", mode="before")
    @classmethod
    def _port(cls, value: Any) -> int:
        text = _text(value) or "3978"
        if not text.isdigit() or not 0 < int(text) < 65536:
            raise _refuse("IKBOT_PORT måste vara ett portnummer, inte {given}.", given=repr(text))
        return int(text)

    @field_validator("strategists", mode="before")
    @classmethod
    def _addresses(cls, value: Any) -> frozenset[str]:
        return frozenset(s.strip().casefold() for s in _text(value).split(",") if s.strip())

    @field_validator("strategist_groups", mode="before")
    @classmethod
    def _groups(cls, value: Any) -> tuple[str, ...]:
        found: list[str] = []
        for part in _text(value).split(","):
            group = part.strip().casefold()
            if not group:
                continue
            if not GUID.match(group):
                raise _refuse(
                    "IKBOT_STRATEGIST_GROUP_ID ska vara gruppens objekt-ID i Microsoft Entra ID "
                    "(ett GUID som 0f8fad5b-d9cb-469f-a165-70867728950e), inte {given}. "
                    "Flera grupper skiljs åt med kommatecken.",
                    given=repr(part.strip()),
                )
            if group not in found:
                found.append(group)
        if len(found) > MAX_STRATEGIST_GROUPS:
            raise _refuse(
                "IKBOT_STRATEGIST_GROUP_ID får innehålla högst {most} grupper, inte {count}. "
                "Samla strategerna i en grupp (grupper i gruppen räknas med).",
                most=MAX_STRATEGIST_GROUPS,
                count=len(found),
            )
        return tuple(found)

    @field_validator("today", mode="before")
    @classmethod
    def _today(cls, value: Any) -> date | None:
        text = _text(value)
        try:
            return date.fromisoformat(text) if text else None
        except ValueError:
            raise _refuse(
                "IKBOT_TODAY måste vara ett datum (ÅÅÅÅ-MM-DD), inte {given}.", given=repr(text)
            ) from None

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level(cls, value: Any) -> str:
        level = (_text(value) or "INFO").upper()
        if level not in LOG_LEVELS:
            raise _refuse(
                "IKBOT_LOG_LEVEL måste vara en av {allowed}, inte {given}.",
                allowed=", ".join(LOG_LEVELS),
                given=repr(level),
            )
        return level

    @field_validator("log_format", mode="before")
    @classmethod
    def _log_format(cls, value: Any) -> str:
        form = (_text(value) or "text").casefold()
        if form not in LOG_FORMATS:
            raise _refuse(
                "IKBOT_LOG_FORMAT måste vara text eller json, inte {given}.", given=repr(form)
            )
        return form

    @field_validator("connector_timeout", "lookup_timeout", mode="before")
    @classmethod
    def _seconds(cls, value: Any, info: ValidationInfo) -> float:
        name, default, most = _TIMEOUTS[info.field_name or ""]
        if isinstance(value, int | float) and not isinstance(value, bool):
            text = str(value)
        else:
            text = _text(value).replace(",", ".")
        if not text:
            return default
        try:
            seconds = float(text)
        except ValueError:
            seconds = float("nan")
        if not 0 < seconds <= most:  # also refuses nan and inf
            raise _refuse(
                "{name} ska vara ett antal sekunder, mer än 0 och högst {most}, inte {given}.",
                name=name,
                most=f"{most:g}",
                given=repr(text),
            )
        return seconds

    @field_validator("reminder_interval", mode="before")
    @classmethod
    def _interval(cls, value: Any) -> float:
        text = str(value).strip().replace(",", ".") if value is not None else ""
        if not text:
            return 10.0
        try:
            minutes = float(text)
        except ValueError:
            minutes = float("nan")
        if not 0 <= minutes <= 1440:
            raise _refuse(
                "IKBOT_REMINDER_INTERVAL ska vara ett antal minuter mellan 0 (av) och 1440, "
                "inte {given}.",
                given=repr(text),
            )
        return minutes

    @field_validator(
        "reminder_days_before", "reminder_overdue_times", "reminder_digest_after", mode="before"
    )
    @classmethod
    def _count(cls, value: Any, info: ValidationInfo) -> int:
        name = {
            "reminder_days_before": ("IKBOT_REMINDER_DAYS_BEFORE", 5),
            "reminder_overdue_times": ("IKBOT_REMINDER_OVERDUE_TIMES", 4),
            "reminder_digest_after": ("IKBOT_REMINDER_DIGEST_AFTER", 7),
        }[info.field_name or ""]
        text = str(value).strip() if value is not None else ""
        if not text:
            return name[1]
        if not text.isdigit() or int(text) > 60:
            raise _refuse(
                "{name} ska vara ett heltal från 0 till 60, inte {given}.",
                name=name[0],
                given=repr(text),
            )
        return int(text)

    @field_validator("reminder_hours", mode="before")
    @classmethod
    def _hours(cls, value: Any) -> tuple[int, int]:
        if isinstance(value, tuple):
            return value
        text = _text(value).replace("–", "-").replace(" ", "")
        if not text:
            return (8, 17)
        start, sep, end = text.partition("-")
        if (
            not sep
            or not start.isdigit()
            or not end.isdigit()
            or not 0 <= int(start) < int(end) <= 24
        ):
            raise _refuse(
                "IKBOT_REMINDER_HOURS ska vara timmarna påminnelser får skickas, som 8-17, "
                "inte {given}.",
                given=repr(text),
            )
        return (int(start), int(end))

    @field_validator("database_url", mode="before")
    @classmethod
    def _database_url(cls, value: Any) -> str | None:
        """IKBOT_DATABASE_URL as people write it (postgresql://user:password@host:5432/ikbot
        ?sslmode=require), with the driver the store uses; None when it is empty."""
        text = _text(value)
        if not text:
            return None
        scheme, sep, rest = text.partition("://")
        if not sep or scheme.casefold() not in ("postgresql", "postgres", "postgresql+psycopg"):
            # Never echo the value: it may hold a password.
            given = f"en adress som börjar med {scheme[:20]!r}" if sep else "något annat"
            raise _refuse(
                "IKBOT_DATABASE_URL ska vara en PostgreSQL-adress som "
                "postgresql://användare:lösenord@värd:5432/ikbot?sslmode=require, inte "
                "{given}. Utan IKBOT_DATABASE_URL används SQLite i IKBOT_DATA_DIR.",
                given=given,
            )
        return f"postgresql+psycopg://{rest}"

    def graph_values(self) -> dict[str, str]:
        """The IKBOT_GRAPH_* variables by GraphSettings field name."""
        return {name: getattr(self, f"graph_{name}") for name in GRAPH_FIELDS}


class _Given(Environment):
    """The same variables from a mapping (tests, `ikbot serve --demo`), never os.environ."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def read_environment(env: Mapping[str, str] | None = None) -> Environment:
    """The variables from the process environment (None) or from ``env``; raises
    BadVariable with the first wrong variable's Swedish message."""
    try:
        if env is None:
            return Environment()  # type: ignore[call-arg]  # filled from the environment
        names = {field.alias for field in Environment.model_fields.values()}
        return _Given.model_validate({k: v for k, v in env.items() if k in names})
    except ValidationError as error:
        raise BadVariable(error.errors()[0]["msg"]) from None
