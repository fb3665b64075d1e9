"""The pieces a live status counts with: tallies whose labels remember where they were
met, and lists kept in order under unique keys (``bot.domain.status_live``)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from bot.domain.model import Severity
from bot.domain.status import Tally

Place = tuple[int, int]  # a due control's place: (plan, position in the plan)
T = TypeVar("T")


class Sorted(Generic[T]):
    """Items under unique keys, kept in key order."""

    def __init__(self) -> None:
        self._items: dict[tuple[object, ...], T] = {}
        self._keys: list[Any] = []  # unique tuples of ints and strings: comparable
        self._bulk = False  # while built: keys appended, sorted once at the end

    def start(self) -> None:
        """Take items in any order until ``finish`` (a build: one sort instead of many)."""
        self._bulk = True

    def finish(self) -> None:
        """Sort what ``start`` let in; from now on each item goes to its place."""
        self._keys.sort()
        self._bulk = False

    def add(self, key: tuple[object, ...], item: T) -> None:
        """Add an item under a key no item has."""
        self._items[key] = item
        if self._bulk:
            self._keys.append(key)
        else:
            bisect.insort(self._keys, key)

    def remove(self, key: tuple[object, ...]) -> None:
        """Remove the item under this key."""
        del self._items[key]
        del self._keys[bisect.bisect_left(self._keys, key)]

    def values(self) -> tuple[T, ...]:
        """The items in key order."""
        items = self._items
        return tuple(items[k] for k in self._keys)


@dataclass(slots=True)
class LabelCounter:
    """A tally being counted; each label keeps the places it was given at, so that the
    labels come out in the order the full compilation meets them."""

    due: int = 0
    answered: int = 0
    unknown: int = 0
    by_class: dict[Severity, int] = field(default_factory=lambda: dict.fromkeys(Severity, 0))
    by_label: dict[str, list[Place]] = field(default_factory=dict)

    def freeze(self) -> Tally:
        """The tally as a summary shows it, labels in the order they were first met."""
        labels = sorted(self.by_label.items(), key=lambda item: item[1][0])
        return Tally(
            self.due,
            self.answered,
            MappingProxyType(dict(self.by_class)),
            MappingProxyType({label: len(places) for label, places in labels}),
            self.unknown,
        )
