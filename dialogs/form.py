"""The answer card's inputs: parsed once with pydantic, every error in Swedish per field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from bot.domain.model import Action, OutcomeOption, OutcomeScale, Period, Severity

TEXT_MAX = 4000
ACTION_MAX = 2000
NAME_MAX = 200
COUNT_MAX = 10_000_000

# Control characters other than tab/newline have no place in an answer (and Excel rejects
# some of them); they are removed rather than refused, since a paste can carry them.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _blank_to_none(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        return value.strip()
    return value


def _clean_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return _CONTROL_CHARS.sub("", value).replace("\r\n", "\n").strip()
    return value


_Count = Annotated[
    Annotated[int, Field(ge=0, le=COUNT_MAX)] | None, BeforeValidator(_blank_to_none)
]
_Date = Annotated[date | None, BeforeValidator(_blank_to_none)]


_LongText = Annotated[str, BeforeValidator(_clean_text), Field(max_length=TEXT_MAX)]
_ActionText = Annotated[str, BeforeValidator(_clean_text), Field(max_length=ACTION_MAX)]
_Name = Annotated[str, BeforeValidator(_clean_text), Field(max_length=NAME_MAX)]


class AnswerInputs(BaseModel):
    """What the answer card submits, before the rules that depend on the plan."""

    model_config = ConfigDict(extra="ignore", strict=False)

    outcome: _Name = ""
    checked: _Count = None
    deviations: _Count = None
    observations: _LongText = ""
    analysis: _LongText = ""
    action_text: _ActionText = ""
    action_owner: _Name = ""
    action_due: _Date = None


@dataclass(frozen=True, slots=True)
class ValidAnswer:
    """A submission that passed every rule, ready to become an Answer."""

    outcome: OutcomeOption
    checked: int | None
    deviations: int | None
    observations: str
    analysis: str
    action: Action | None


_MESSAGES = {
    "int_parsing": "Ange ett heltal, till exempel 12.",
    "int_from_float": "Ange ett heltal, till exempel 12.",
    "int_type": "Ange ett heltal, till exempel 12.",
    "greater_than_equal": "Antalet kan inte vara negativt.",
    "less_than_equal": "Antalet är orimligt stort.",
    "string_too_long": "Texten är för lång (högst {max_length} tecken).",
    "too_long": "Texten är för lång (högst {max_length} tecken).",
    "string_type": "Ogiltigt värde.",
    "date_parsing": "Ange ett datum som ÅÅÅÅ-MM-DD.",
    "date_from_datetime_parsing": "Ange ett datum som ÅÅÅÅ-MM-DD.",
    "date_type": "Ange ett datum som ÅÅÅÅ-MM-DD.",
}


def raw_values(data: Mapping[str, Any]) -> dict[str, str]:
    """The submitted inputs as strings, to show them again exactly as typed."""
    fields = AnswerInputs.model_fields
    return {k: str(v) for k, v in data.items() if k in fields and isinstance(v, str | int | float)}


def validate_answer(
    data: Mapping[str, Any], scale: OutcomeScale, period: Period, today: date
) -> ValidAnswer | dict[str, str]:
    """The valid answer, or Swedish error messages keyed by input id."""
    errors: dict[str, str] = {}
    try:
        inputs = AnswerInputs.model_validate(dict(data))
    except ValidationError as error:
        # Report every problem at once: the fields that do not parse, and the rules
        # checked on the rest (a person should not have to submit three times).
        errors = _field_errors(error)
        inputs = AnswerInputs.model_validate({k: v for k, v in data.items() if k not in errors})
    options = {o.label: o for o in scale.for_period(period)}
    option = scale.find(inputs.outcome) if inputs.outcome else None
    if not inputs.outcome:
        errors.setdefault("outcome", "Välj en bedömning.")
    elif option is None or option.label not in options:
        errors["outcome"] = "Välj en av bedömningarna i listan."
    if (
        inputs.checked is not None
        and inputs.deviations is not None
        and inputs.deviations > inputs.checked
    ):
        errors.setdefault("deviations", "Fler avvikelser än kontrollerade – kontrollera antalen.")
    if option is not None and option.severity is Severity.OK and (inputs.deviations or 0) > 0:
        errors["deviations"] = (
            f"Du har angett avvikelser men bedömningen är {option.label}. "
            "Ändra bedömningen eller antalet."
        )
    action = None
    if option is not None and option.severity.needs_action:
        if not inputs.action_text:
            errors.setdefault("action_text", "Beskriv åtgärden när bedömningen är en avvikelse.")
        if not inputs.action_owner:
            errors.setdefault("action_owner", "Ange vem som ansvarar för åtgärden.")
        if inputs.action_due is None:
            errors.setdefault("action_due", "Ange när åtgärden ska vara klar.")
    if option is not None and option.severity.needs_reason and not inputs.observations:
        errors.setdefault("observations", "Skriv varför kontrollen inte har gjorts.")
    if inputs.action_due is not None:
        if inputs.action_due < today:
            errors["action_due"] = "Datumet har redan passerat."
        elif inputs.action_due > today + timedelta(days=5 * 366):
            errors["action_due"] = "Datumet ligger orimligt långt fram."
    if errors or option is None:
        return errors
    if inputs.action_text or inputs.action_owner or inputs.action_due:
        action = Action(inputs.action_text, inputs.action_owner, inputs.action_due)
    return ValidAnswer(
        option, inputs.checked, inputs.deviations, inputs.observations, inputs.analysis, action
    )


def _field_errors(error: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "_form"
        template = _MESSAGES.get(item["type"], "Ogiltigt värde.")
        errors.setdefault(field, template.format(**(item.get("ctx") or {})))
    return errors
