"""Settings: the only place that reads the environment."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bot.environment import (
    CONNECTOR_TIMEOUT,
    LOOKUP_TIMEOUT,
    BadVariable,
    read_environment,
)

_CLIENT_ID = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID"
_ANONYMOUS = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED"
_VALIDATE_ISSUER = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__VALIDATE_ISSUER"


class SettingsError(Exception):
    """The configuration cannot work; the message says what to change (Swedish)."""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class GraphSettings:
    """Where the plans live in SharePoint, and how the bot signs in to Microsoft Graph."""

    site: str  # e.g. kommun.sharepoint.com:/sites/Internkontroll
    path: str  # a workbook or a folder in the library
    drive: str = ""  # the document library's name; empty: the site's default library
    tenant_id: str = ""
    client_id: str = ""
    client_secret: str = ""
    certificate_path: str = ""
    base_url: str = "https://graph.microsoft.com/v1.0"  # national clouds have their own

    @property
    def credential_kind(self) -> str:
        """Which azure-identity credential the settings call for."""
        if self.client_secret:
            return "client_secret"
        if self.certificate_path:
            return "certificate"
        return "managed_identity"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the bot is configured with (see .env.example)."""

    workbook: Path | None = None  # a file or folder; unused when ``graph`` is set
    data_dir: Path = Path("var")
    host: str = "127.0.0.1"
    port: int = 3978
    strategists: frozenset[str] = frozenset()
    today: date | None = None
    log_level: str = "INFO"
    log_format: str = "text"  # "json": one JSON object per line (IKBOT_LOG_FORMAT)
    graph: GraphSettings | None = None  # None: the workbooks are local files (IKBOT_WORKBOOK)
    # Entra groups whose members are strategists (IKBOT_STRATEGIST_GROUP_ID), lower case.
    strategist_groups: tuple[str, ...] = ()
    # The Graph sign-in for the group check when the workbooks are local (``graph`` is None);
    # site and path are empty.
    graph_credentials: GraphSettings | None = None
    # The Agents SDK's own CONNECTIONS__… variables, passed through untouched.
    agent_env: Mapping[str, str] = field(default_factory=dict)
    # Seconds each call to the channel's connector may take (replies, personal chats,
    # proactive messages; IKBOT_CONNECTOR_TIMEOUT), and the member lookup (IKBOT_LOOKUP_TIMEOUT,
    # at most 10: Teams waits 15 s for an Action.Execute's answer, "who are you?" included).
    connector_timeout: float = CONNECTOR_TIMEOUT
    lookup_timeout: float = LOOKUP_TIMEOUT
    # PostgreSQL for the store (IKBOT_DATABASE_URL, with our driver); None: SQLite in data_dir.
    database_url: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read IKBOT_* and CONNECTIONS__* variables (``env``, or the process environment);
        raise SettingsError if they are wrong."""
        try:
            variables = read_environment(env)
        except BadVariable as error:
            raise SettingsError(str(error)) from None
        graph = _graph_settings(variables.graph_values())
        if not variables.workbook and graph is None:
            raise SettingsError(
                "IKBOT_WORKBOOK är inte satt: ange en .xlsx-fil eller en mapp med arbetsböcker "
                "(eller IKBOT_GRAPH_SITE och IKBOT_GRAPH_PATH för SharePoint)."
            )
        # The Agents SDK reads its own CONNECTIONS__… variables; they are passed on untouched.
        given = os.environ if env is None else env
        agent_env = {
            k: v for k, v in given.items() if k.startswith(("CONNECTIONS__", "CONNECTIONSMAP__"))
        }
        groups = variables.strategist_groups
        credentials = (
            _graph_credentials(variables.graph_values()) if groups and graph is None else None
        )
        settings = cls(
            workbook=Path(variables.workbook) if variables.workbook else None,
            data_dir=Path(variables.data_dir or "var"),
            host=variables.host or "127.0.0.1",
            port=variables.port,
            strategists=variables.strategists,
            today=variables.today,
            log_level=variables.log_level,
            log_format=variables.log_format,
            graph=graph,
            strategist_groups=groups,
            graph_credentials=credentials,
            agent_env=agent_env,
            connector_timeout=variables.connector_timeout,
            lookup_timeout=variables.lookup_timeout,
            database_url=variables.database_url,
        )
        settings.check_authentication()
        return settings

    @property
    def directory_graph(self) -> GraphSettings | None:
        """The Graph sign-in the strategist group check uses: SharePoint's, or the
        credentials given for the group check alone."""
        return self.graph or self.graph_credentials

    @property
    def client_id(self) -> str:
        """The bot's Entra app id; empty in anonymous local mode."""
        return self.agent_env.get(_CLIENT_ID, "").strip()

    @property
    def anonymous(self) -> bool:
        """Anonymous mode: no Bot Framework token is required (local development only)."""
        return not self.client_id

    def check_authentication(self) -> None:
        """Refuse anonymous mode on anything but a loopback address, and the SDK's
        anonymous switch together with a client id."""
        if self.client_id:
            # The SDK lets a request without a token through whenever this is on, client id
            # or not: with a client id, that would be a bot that checks only the tokens
            # it happens to be sent.
            for name, value in self.agent_env.items():
                if name.upper().endswith("__ANONYMOUS_ALLOWED") and _switched_on(value):
                    raise SettingsError(
                        f"Boten vägrar starta: {name}={value.strip()} stänger av "
                        f"inloggningskontrollen, och med {_CLIENT_ID} satt ska varje anrop ha "
                        "en giltig Bot Framework-token. Ta bort variabeln (anonymt läge är "
                        f"bara till för lokal utveckling, utan {_CLIENT_ID})."
                    )
        if self.anonymous and not _is_loopback(self.host):
            raise SettingsError(
                f"Boten vägrar starta anonymt på {self.host}: utan "
                f"{_CLIENT_ID} krävs ingen inloggning, vilket bara är tillåtet på "
                "127.0.0.1/localhost. Sätt Bot Framework-inställningarna (se README) "
                "eller IKBOT_HOST=127.0.0.1."
            )

    def agent_env_for_sdk(self) -> dict[str, str]:
        """The CONNECTIONS__ variables for the Agents SDK, with anonymous mode switched on
        only when it is allowed."""
        env = dict(self.agent_env)
        if self.anonymous:
            env[_ANONYMOUS] = "true"
        else:
            # check_authentication refuses the switch; spelling it out keeps the SDK's
            # default (off) from depending on that alone.
            env[_ANONYMOUS] = "false"
            # The SDK checks a token's issuer only on request; a single-tenant bot accepts
            # the Bot Framework's and its own tenant's issuers, nothing else.
            env.setdefault(_VALIDATE_ISSUER, "true")
        return env


def _switched_on(value: str) -> bool:
    """Whether an SDK flag is anything but unset or explicitly off (the SDK reads "true" and
    "1" as on; anything unexpected is refused rather than guessed)."""
    return value.strip().casefold() not in ("", "0", "false")


def _graph_credentials(value: dict[str, str]) -> GraphSettings:
    """The Graph sign-in for the group check when no SharePoint site is configured."""
    value = dict(value)
    if not value["client_id"]:
        raise SettingsError(
            "IKBOT_STRATEGIST_GROUP_ID kräver att boten kan logga in i Microsoft Graph: sätt "
            "IKBOT_GRAPH_TENANT_ID, IKBOT_GRAPH_CLIENT_ID och IKBOT_GRAPH_CLIENT_SECRET (eller "
            "IKBOT_GRAPH_CERTIFICATE_PATH), eller bara IKBOT_GRAPH_CLIENT_ID för en "
            "användartilldelad hanterad identitet. Med IKBOT_GRAPH_SITE används samma inloggning "
            "som för SharePoint."
        )
    if (value["client_secret"] or value["certificate_path"]) and not value["tenant_id"]:
        raise SettingsError("IKBOT_GRAPH_TENANT_ID krävs med klienthemlighet eller certifikat.")
    if not value["base_url"]:
        del value["base_url"]
    return GraphSettings(**{**value, "site": "", "path": "", "drive": ""})


def _graph_settings(value: dict[str, str]) -> GraphSettings | None:
    """The SharePoint settings, or None when IKBOT_GRAPH_SITE is not set."""
    value = dict(value)
    if not value["site"]:
        return None
    if ":" not in value["site"] or "/" not in value["site"]:
        raise SettingsError(
            f"IKBOT_GRAPH_SITE ska se ut som kommun.sharepoint.com:/sites/Internkontroll, "
            f"inte {value['site']!r}."
        )
    if not value["path"]:
        raise SettingsError(
            "IKBOT_GRAPH_PATH är inte satt: ange arbetsboken eller mappen i dokumentbiblioteket."
        )
    needs_app = value["client_secret"] or value["certificate_path"]
    if needs_app and not (value["tenant_id"] and value["client_id"]):
        raise SettingsError(
            "IKBOT_GRAPH_TENANT_ID och IKBOT_GRAPH_CLIENT_ID krävs med klienthemlighet eller "
            "certifikat."
        )
    if not value["base_url"]:
        del value["base_url"]
    return GraphSettings(**value)


def database_url(text: str) -> str | None:
    """IKBOT_DATABASE_URL as people write it (postgresql://user:password@host:5432/ikbot
    ?sslmode=require) with the driver the store uses; None when it is empty."""
    try:
        return read_environment({"IKBOT_DATABASE_URL": text}).database_url
    except BadVariable as error:
        raise SettingsError(str(error)) from None


def bot_client_id(env: Mapping[str, str] | None = None) -> str:
    """The bot's Entra client id (CONNECTIONS__…__CLIENTID), or "" when not configured.

    For commands that need only this, such as `ikbot manifest`, and must work without a
    workbook configured (Settings.from_env would refuse).
    """
    env = os.environ if env is None else env
    return env.get(_CLIENT_ID, "").strip()
