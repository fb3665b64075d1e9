"""Card payloads as the bot's own cards make them, with every field fuzzed.

The inputs (ids, kinds, choices, lengths) are read from real answer cards built from the
real card data (tests/fakes/card_data.py), and the action fields from the payload models
the cards are built with (cards/actions.py): a field added to either is fuzzed without
anyone remembering to add it here.
"""

from __future__ import annotations

import functools
import typing
from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from bot.domain.model import OutcomeScale, Period
from cards.actions import CardPayload
from cards.answer import MAX_LENGTHS, answer_card
from tests.fakes import card_data
from tests.fakes.card_schema import actions, inputs
from tests.fuzz.strategies import json_values, texts

TODAY = date(2027, 1, 10)  # the running bot's date (tests/fakes/harness.py)
PLAN = "ks.xlsx"  # the running bot's plan (standard_plan)
CONTROLS = ("1", "2", "3", "4", "5")


@functools.cache
def answer_cards() -> tuple[dict[str, Any], ...]:
    """Real answer cards: both scales, delår and helår, empty and pre-filled."""
    cards = []
    for scale in (OutcomeScale.default(), card_data.STRANGNAS_SCALE):
        for term in (card_data.HELAR_2026, card_data.DELAR_2_2026):
            for answer in (None, card_data.saved_answer(term=term)):
                assignment = card_data.assignment(term=term, answer=answer)
                options = scale.for_period(term.period)
                cards.append(answer_card(assignment, options, card_data.NONCE, TODAY))
    return tuple(cards)


@functools.cache
def input_specs() -> dict[str, dict[str, Any]]:
    """Every input the answer cards have, by id (choices merged over the cards)."""
    specs: dict[str, dict[str, Any]] = {}
    for card in answer_cards():
        for input_id, element in inputs(card).items():
            spec = specs.setdefault(input_id, {**element, "choices": []})
            for choice in element.get("choices", []):
                if choice not in spec["choices"]:
                    spec["choices"].append(choice)
    return specs


def action_models() -> tuple[type, ...]:
    """The payload models card buttons carry (one per verb)."""
    return typing.get_args(CardPayload)


@functools.cache
def verbs() -> tuple[str, ...]:
    """Every verb a card button can carry."""
    return tuple(m.model_fields["verb"].default for m in action_models())


@functools.cache
def action_fields() -> tuple[str, ...]:
    """Every field of every card payload (verb, ids, nonce, flags)."""
    names = {name for m in action_models() for name in m.model_fields}
    return tuple(sorted(names))


# --- inputs -------------------------------------------------------------------------------


def _numbers() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.integers(-5, 10_000_001).map(str),
        st.sampled_from(
            [
                "",
                " 7 ",
                "+3",
                "-1",
                "1.5",
                "12,5",
                "1e3",
                "0x10",
                "1_000",
                "١٢",  # Arabic-Indic digits
                "１２",  # full-width digits
                "9" * 5000,  # more digits than Python converts
                "tio",
                12,
                12.0,
                12.5,
                True,
                None,
                float("nan"),
                float("inf"),
                [12],
                {"n": 12},
            ]
        ),
        texts(huge=False),
    )


def _dates() -> st.SearchStrategy[Any]:
    nearby = st.dates(TODAY - timedelta(days=30), TODAY + timedelta(days=6 * 366))
    return st.one_of(
        nearby.map(date.isoformat),
        st.sampled_from(
            [
                "",
                "2027-02-30",
                "31/3",
                "2027-03-31T10:00:00",
                "2027-03-31T10:00:00+02:00",
                "2027-W13",
                "20270331",
                " 2027-03-31 ",
                "0001-01-01",
                "9999-12-31",
                "10000-01-01",
                20270331,
                None,
                ["2027-03-31"],
            ]
        ),
        texts(huge=False),
    )


def _choices(spec: dict[str, Any]) -> st.SearchStrategy[Any]:
    values = [c["value"] for c in spec["choices"]]
    variants = [v.upper() for v in values] + [f"  {v.casefold()}  " for v in values]
    odd = [None, "", 1, ["Ingen avvikelse"], {"value": "Ingen avvikelse"}]
    return st.one_of(st.sampled_from(values + variants + odd), texts())


def _texts(spec: dict[str, Any]) -> st.SearchStrategy[Any]:
    limit = MAX_LENGTHS.get(spec["id"], 4000)  # the cards say it in the label, not maxLength
    at_limit = ["x" * limit, "å" * limit, "x" * (limit + 1), " " * (limit + 5)]
    return st.one_of(texts(), st.sampled_from(at_limit), json_values(max_leaves=2))


def input_value(spec: dict[str, Any]) -> st.SearchStrategy[Any]:
    """What a client (or a forger) may send for one input."""
    kind = spec["type"]
    if kind == "Input.Number":
        return _numbers()
    if kind == "Input.Date":
        return _dates()
    if kind == "Input.ChoiceSet":
        return _choices(spec)
    return _texts(spec)


# Forms as people fill them in: nothing yet, no deviation, a deviation with its åtgärd.
_FORMS = (
    {},
    {"outcome": "Ingen avvikelse", "checked": "12", "deviations": "0", "observations": "Bra."},
    {
        "outcome": "Mindre avvikelse",
        "checked": "10",
        "deviations": "2",
        "observations": "2 av 10 fakturor saknar attest.",
        "analysis": "Rutinen är inte känd.",
        "action_text": "Informera om attestrutinen.",
        "action_owner": "Ekonomichefen",
        "action_due": "2027-03-31",
    },
)


def form_inputs() -> st.SearchStrategy[dict[str, Any]]:
    """A filled-in form with one to three of its inputs given a fuzzed value."""
    change = st.one_of(
        [st.tuples(st.just(i), input_value(spec)) for i, spec in input_specs().items()]
    )
    return st.builds(
        lambda form, changed: {**form, **dict(changed)},
        st.sampled_from(_FORMS),
        st.lists(change, min_size=1, max_size=3),
    )


# --- action data ----------------------------------------------------------------------------

_NONCES = [card_data.NONCE, card_data.NONCE.upper(), "", "x", "0" * 31, "0" * 33, "g" * 32]
_PERIODS = [p.value for p in Period] + [p.name for p in Period] + ["Helår", "year", ""]
_KNOWN: dict[str, list[Any]] = {
    "verb": ["SUBMIT", "open ", "", None, 1],
    "plan": [PLAN, "KS.xlsx", "lindesberg-ks-2026", "../ks.xlsx", ".x.xlsx", "", "x" * 201],
    "control": [*CONTROLS, "8", "01", " 1", "6", "", 1],
    "year": [2026, 2027, 2028, "2026", 2026.0, 2026.5, 1999, 2101, -1, True, None],
    "period": _PERIODS,
    "nonce": _NONCES,
    "namnd": ["Kommunstyrelsen", "kommunstyrelsen", "", "x" * 201],
    "full": [True, False, "ja", 1, None],
}


def _field_value(name: str) -> st.SearchStrategy[Any]:
    known = _KNOWN.get(name, [])
    if name == "verb":
        known = [*verbs(), *known]
    return st.one_of(st.sampled_from(known or [None]), texts(), json_values(max_leaves=2))


def real_actions() -> list[dict[str, Any]]:
    """The data of every button on the real answer cards."""
    return [dict(a["data"]) for card in answer_cards() for a in actions(card)]


def action_data() -> st.SearchStrategy[dict[str, Any]]:
    """Action data: a real button's data, or any payload's, with fields replaced or dropped."""
    well_formed = st.one_of(
        st.sampled_from(real_actions()),
        st.builds(
            lambda verb, control, year, period, nonce: {
                "verb": verb,
                "plan": PLAN,
                "control": control,
                "year": year,
                "period": period,
                "nonce": nonce,
            },
            st.sampled_from(verbs()),
            st.sampled_from(CONTROLS),
            st.sampled_from([2026, 2027]),
            st.sampled_from([p.value for p in Period]),
            st.binary(min_size=16, max_size=16).map(bytes.hex),
        ),
    )
    field = st.sampled_from(action_fields())
    change = st.one_of([st.tuples(st.just(f), _field_value(f)) for f in action_fields()])
    changes = st.lists(change, max_size=2)
    return st.builds(
        lambda base, dropped, changed: {
            **{k: v for k, v in base.items() if k not in dropped},
            **dict(changed),
        },
        well_formed,
        st.sets(field, max_size=1),
        changes,
    )


def presses() -> st.SearchStrategy[dict[str, Any]]:
    """What a button press sends: fuzzed action data with fuzzed inputs merged in."""
    return st.builds(lambda data, values: {**data, **values}, action_data(), form_inputs())
