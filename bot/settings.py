"""Settings: the only place that reads the environment."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

_CLIENT_ID = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID"
_ANONYMOUS = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED"


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
class Settings:
    """Everything the bot is configured with (see .env.example)."""

    workbook: Path
    data_dir: Path = Path("var")
    host: str = "127.0.0.1"
    port: int = 3978
    strategists: frozenset[str] = frozenset()
    today: date | None = None
    log_level: str = "INFO"
    # The Agents SDK's own CONNECTIONS__… variables, passed through untouched.
    agent_env: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read IKBOT_* and CONNECTIONS__* variables; raise SettingsError if they are wrong."""
        env = os.environ if env is None else env
        workbook = env.get("IKBOT_WORKBOOK", "").strip()
        if not workbook:
            raise SettingsError(
                "IKBOT_WORKBOOK är inte satt: ange en .xlsx-fil eller en mapp med arbetsböcker."
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
        strategists = frozenset(
            s.strip().casefold() for s in env.get("IKBOT_STRATEGISTS", "").split(",") if s.strip()
        )
        agent_env = {
            k: v for k, v in env.items() if k.startswith(("CONNECTIONS__", "CONNECTIONSMAP__"))
        }
        settings = cls(
            workbook=Path(workbook),
            data_dir=Path(env.get("IKBOT_DATA_DIR", "").strip() or "var"),
            host=env.get("IKBOT_HOST", "").strip() or "127.0.0.1",
            port=int(port_text),
            strategists=strategists,
            today=today,
            log_level=(env.get("IKBOT_LOG_LEVEL", "").strip() or "INFO").upper(),
            agent_env=agent_env,
        )
        settings.check_authentication()
        return settings

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
        return env
