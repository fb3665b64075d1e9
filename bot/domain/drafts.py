"""A half-written answer kept when someone leaves the answer card ("Tillbaka")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Draft:
    """What one person had typed on one control's card in one term, and when.

    ``base`` is the version of the saved answer the card was opened against (see
    ``policy.version_of``), so a draft restored later still notices a newer answer.
    """

    values: Mapping[str, str] = field(default_factory=dict)
    base: str | None = None
    saved_at: datetime | None = None

    @property
    def empty(self) -> bool:
        """Whether nothing was typed (no draft worth keeping)."""
        return not any(v.strip() for v in self.values.values())
