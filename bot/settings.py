"""Settings: the only place that reads the environment."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

_CLIENT_ID = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID"
_ANONYMOUS = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED"
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MAX_STRATEGIST_GROUPS = 20  # Graph's checkMemberGroups takes at most 20 group ids
_VALIDATE_ISSUER = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__VALIDATE_ISSUER"
LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


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
    # PostgreSQL for the store (IKBOT_DATABASE_URL, with our driver); None: SQLite in data_dir.
    database_url: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read IKBOT_* and CONNECTIONS__* variables; raise SettingsError if they are wrong."""
        env = os.environ if env is None else env
        graph = _graph_settings(env)
        workbook = env.get("IKBOT_WORKBOOK", "").strip()
        if not workbook and graph is None:
            raise SettingsError(
                "IKBOT_WORKBOOK är inte satt: ange en .xlsx-fil eller en mapp med arbetsböcker "
                "(eller IKBOT_GRAPH_SITE och IKBOT_GRAPH_PATH för SharePoint)."
            )
        port_text = env.get("IKBOT_PORT", "3978").strip() or "3978"
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise SettingsError(f"IKBOT_PORT måste vara ett portnummer, inte {port_text!r}.")
        today_text = env.get("IKBOT_TODAY", "").strip()
        try:
            today = date.fromisoformat(today_text) if today_text else None
        except ValueError:
            raise SettingsError(
                f"IKBOT_TODAY måste vara ett datum (ÅÅÅÅ-MM-DD), inte {today_text!r}."
            ) from None
        log_level = (env.get("IKBOT_LOG_LEVEL", "").strip() or "INFO").upper()
        if log_level not in LOG_LEVELS:
            raise SettingsError(
                f"IKBOT_LOG_LEVEL måste vara en av {', '.join(LOG_LEVELS)}, inte {log_level!r}."
            )
        log_format = (env.get("IKBOT_LOG_FORMAT", "").strip() or "text").casefold()
        if log_format not in LOG_FORMATS:
            raise SettingsError(
                f"IKBOT_LOG_FORMAT måste vara text eller json, inte {log_format!r}."
            )
        strategists = frozenset(
            s.strip().casefold() for s in env.get("IKBOT_STRATEGISTS", "").split(",") if s.strip()
        )
        agent_env = {
            k: v for k, v in env.items() if k.startswith(("CONNECTIONS__", "CONNECTIONSMAP__"))
        }
        groups = _strategist_groups(env)
        credentials = _graph_credentials(env) if groups and graph is None else None
        settings = cls(
            workbook=Path(workbook) if workbook else None,
            data_dir=Path(env.get("IKBOT_DATA_DIR", "").strip() or "var"),
            host=env.get("IKBOT_HOST", "").strip() or "127.0.0.1",
            port=int(port_text),
            strategists=strategists,
            today=today,
            log_level=log_level,
            log_format=log_format,
            graph=graph,
            strategist_groups=groups,
            graph_credentials=credentials,
            agent_env=agent_env,
            database_url=database_url(env.get("IKBOT_DATABASE_URL", "")),
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
        """Refuse anonymous mode on anything but a loopback address."""
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
            # The SDK checks a token's issuer only on request; a single-tenant bot accepts
            # the Bot Framework's and its own tenant's issuers, nothing else.
            env.setdefault(_VALIDATE_ISSUER, "true")
        return env


def _strategist_groups(env: Mapping[str, str]) -> tuple[str, ...]:
    """The strategist groups' object ids (IKBOT_STRATEGIST_GROUP_ID), checked to be GUIDs."""
    found: list[str] = []
    for part in env.get("IKBOT_STRATEGIST_GROUP_ID", "").split(","):
        group = part.strip().casefold()
        if not group:
            continue
        if not _GUID.match(group):
            raise SettingsError(
                "IKBOT_STRATEGIST_GROUP_ID ska vara gruppens objekt-ID i Microsoft Entra ID (ett "
                f"GUID som 0f8fad5b-d9cb-469f-a165-70867728950e), inte {part.strip()!r}. "
                "Flera grupper skiljs åt med kommatecken."
            )
        if group not in found:
            found.append(group)
    if len(found) > MAX_STRATEGIST_GROUPS:
        raise SettingsError(
            f"IKBOT_STRATEGIST_GROUP_ID får innehålla högst {MAX_STRATEGIST_GROUPS} grupper, "
            f"inte {len(found)}. Samla strategerna i en grupp (grupper i gruppen räknas med)."
        )
    return tuple(found)


def _graph_credentials(env: Mapping[str, str]) -> GraphSettings:
    """The Graph sign-in for the group check when no SharePoint site is configured."""
    value = {k: env.get(f"IKBOT_GRAPH_{k.upper()}", "").strip() for k in GraphSettings.__slots__}
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


def _graph_settings(env: Mapping[str, str]) -> GraphSettings | None:
    """The SharePoint settings, or None when IKBOT_GRAPH_SITE is not set."""
    value = {k: env.get(f"IKBOT_GRAPH_{k.upper()}", "").strip() for k in GraphSettings.__slots__}
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
    text = text.strip()
    if not text:
        return None
    scheme, sep, rest = text.partition("://")
    if not sep or scheme.casefold() not in ("postgresql", "postgres", "postgresql+psycopg"):
        # Never echo the value: it may hold a password.
        given = f"en adress som börjar med {scheme[:20]!r}" if sep else "något annat"
        raise SettingsError(
            "IKBOT_DATABASE_URL ska vara en PostgreSQL-adress som "
            f"postgresql://användare:lösenord@värd:5432/ikbot?sslmode=require, inte {given}. "
            "Utan IKBOT_DATABASE_URL används SQLite i IKBOT_DATA_DIR."
        )
    return f"postgresql+psycopg://{rest}"


def bot_client_id(env: Mapping[str, str] | None = None) -> str:
    """The bot's Entra client id (CONNECTIONS__…__CLIENTID), or "" when not configured.

    For commands that need only this, such as `ikbot manifest`, and must work without a
    workbook configured (Settings.from_env would refuse).
    """
    env = os.environ if env is None else env
    return env.get(_CLIENT_ID, "").strip()
