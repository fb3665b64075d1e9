"""The property-based tests run at least 10,000 examples in every `make test`, and fuzz
every input the answer card has."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import tests.fuzz
from cards.answer import INPUT_IDS
from tests.fuzz.payloads import action_fields, input_specs, verbs

MINIMUM = 10_000


def fuzz_tests() -> dict[str, int]:
    """Every Hypothesis test in tests/fuzz, with the number of examples it runs."""
    found: dict[str, int] = {}
    for module_info in pkgutil.iter_modules(tests.fuzz.__path__):
        if not module_info.name.startswith("test_"):
            continue
        module = importlib.import_module(f"tests.fuzz.{module_info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            settings = getattr(function, "_hypothesis_internal_use_settings", None)
            if name.startswith("test_") and settings is not None:
                found[f"{module_info.name}.{name}"] = settings.max_examples
    return found


def test_the_fuzz_tests_run_at_least_ten_thousand_examples() -> None:
    counts = fuzz_tests()
    assert len(counts) >= 10, counts  # the activity, card and landing tests are all found
    assert sum(counts.values()) >= MINIMUM, counts


def test_every_input_of_the_answer_card_is_fuzzed() -> None:
    # The strategies read the inputs from real cards; make sure that found all of them.
    assert set(input_specs()) == set(INPUT_IDS)


def test_every_verb_and_action_field_is_fuzzed() -> None:
    assert {"list", "help", "open", "submit", "next", "status", "write_summary"} <= set(verbs())
    assert {"verb", "plan", "control", "year", "period", "nonce", "namnd", "full"} <= set(
        action_fields()
    )
