"""The answer card's inputs: parsed once with pydantic, every error in Swedish per field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from bot.answers import ValidAnswer
from bot.domain.followup import canonical_continuation
from bot.domain.model import Action, OutcomeScale, Period, Severity
from cards.answer import (
    ACTION_OWNER,
    ACTION_TEXT,
    ECHO_BUDGET,
    MAX_LENGTHS,
    OBSERVATIONS,
    OUTCOME,
)
from cards.common import thousands
from cards.size import text_size

TEXT_MAX = MAX_LENGTHS[OBSERVATIONS]
ACTION_MAX = MAX_LENGTHS[ACTION_TEXT]
NAME_MAX = MAX_LENGTHS[ACTION_OWNER]
COUNT_MAX = 10_000_000

# What an .xlsx cannot hold (XML 1.0 forbids these control characters and U+FFFE/U+FFFF)
# and what UTF-8 cannot carry (a lone surrogate, e.g. half an emoji). Such text is refused
# with the position, not cleaned: cleaning would store something other than was typed.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SHOWN_INSTEAD = "\ufffd"  # "�": how such a character is shown when the card comes back

UNSTORABLE = (
    "Texten innehåller ett tecken som inte kan sparas (tecken nr {position}, visas som �). "
    "Ta bort det och spara igen."
)
TOO_LONG = "Högst {max_length} tecken (du skrev {length})."
TOO_BIG_TOGETHER = (
    "Texterna tar tillsammans för mycket plats för att kunna visas i Teams (emojier och "
    "vissa tecken tar mer plats än bokstäver). Korta den här texten."
)


def _blank_to_none(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        return value.strip()
    return value


def _storable(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        bad = _UNSTORABLE.search(value)
        if bad is not None:
            raise PydanticCustomError("unstorable", UNSTORABLE, {"position": bad.start() + 1})
    return value


def _clean_text(value: Any) -> Any:
    """A choice or an address: surrounding blanks are not part of it."""
    value = _storable(value)
    return value.strip() if isinstance(value, str) else value


def _exact_text(value: Any) -> Any:
    """Free text is kept exactly as typed (every character lands in the workbook); only
    text that is nothing but blanks counts as empty."""
    value = _storable(value)
    if isinstance(value, str) and not value.strip():
        return ""
    return value


def _at_most(limit: int) -> AfterValidator:
    def check(value: str) -> str:
        if len(value) > limit:
            ctx = {"max_length": thousands(limit), "length": thousands(len(value))}
            raise PydanticCustomError("text_too_long", TOO_LONG, ctx)
        return value

    return AfterValidator(check)


_Count = Annotated[
    Annotated[int, Field(ge=0, le=COUNT_MAX)] | None, BeforeValidator(_blank_to_none)
]
_Date = Annotated[date | None, BeforeValidator(_blank_to_none)]

# Lengths are checked after cleaning, so "du skrev" counts what would have been stored.
_LongText = Annotated[str, BeforeValidator(_exact_text), _at_most(TEXT_MAX)]
_ActionText = Annotated[str, BeforeValidator(_exact_text), _at_most(ACTION_MAX)]
_Name = Annotated[str, BeforeValidator(_clean_text), _at_most(NAME_MAX)]


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
    continuation: _Name = ""


_MESSAGES = {
    "int_parsing": "Ange ett heltal, till exempel 12.",
    "int_from_float": "Ange ett heltal, till exempel 12.",
    "int_type": "Ange ett heltal, till exempel 12.",
    "greater_than_equal": "Antalet kan inte vara negativt.",
    "less_than_equal": "Antalet är orimligt stort.",
    "int_parsing_size": "Antalet är orimligt stort.",
    "string_type": "Ogiltigt värde.",
    "date_parsing": "Ange ett datum som ÅÅÅÅ-MM-DD.",
    "date_from_datetime_parsing": "Ange ett datum som ÅÅÅÅ-MM-DD.",
    "date_type": "Ange ett datum som ÅÅÅÅ-MM-DD.",
}


# Errors whose message pydantic formats from our own template.
_OWN_ERRORS = ("unstorable", "text_too_long")
_TEXT_FIELDS = tuple(MAX_LENGTHS)  # the free-text inputs


def raw_values(data: Mapping[str, Any]) -> dict[str, str]:
    """The submitted inputs as strings, to show them again as typed (a character that
    cannot be stored shown as "�"); the card decides how much of each it can show."""
    fields = AnswerInputs.model_fields
    return {
        k: _UNSTORABLE.sub(_SHOWN_INSTEAD, str(v))
        for k, v in data.items()
        if k in fields and isinstance(v, str | int | float)
    }


@dataclass(frozen=True, slots=True)
class CardInputs:
    """The inputs an answer card submitted, as the submit use case checks them."""

    data: Mapping[str, Any]

    def validate(
        self, scale: OutcomeScale, period: Period, today: date
    ) -> ValidAnswer | dict[str, str]:
        """The valid answer, or Swedish error messages keyed by input id."""
        return validate_answer(self.data, scale, period, today)

    def values(self) -> dict[str, str]:
        """The inputs as typed, to show them again on the card."""
        return raw_values(self.data)


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
    _check_total_size(inputs, errors)
    if option is not None and option.severity.needs_reason and not inputs.observations:
        errors.setdefault("observations", "Skriv varför kontrollen inte har gjorts.")
    if inputs.action_due is not None:
        if inputs.action_due < today:
            errors["action_due"] = "Datumet har redan passerat."
        elif inputs.action_due > today + timedelta(days=5 * 366):
            errors["action_due"] = "Datumet ligger orimligt långt fram."
    continuation = canonical_continuation(inputs.continuation, today)
    if inputs.continuation and period.is_interim:
        # A delår card has no such input: said on top of the card, not beside an input.
        errors["continuation_at_interim"] = (
            "Om kontrollmomentet fortsätter nästa år anges bara vid helår."
        )
    elif inputs.continuation and continuation is None:
        errors.setdefault("continuation", "Välj ett av alternativen i listan.")
    if errors or option is None:
        return errors
    if inputs.action_text or inputs.action_owner or inputs.action_due:
        action = Action(inputs.action_text, inputs.action_owner, inputs.action_due)
    return ValidAnswer(
        option,
        inputs.checked,
        inputs.deviations,
        inputs.observations,
        inputs.analysis,
        action,
        continuation or "",
    )


def _check_total_size(inputs: AnswerInputs, errors: dict[str, str]) -> None:
    """Refuse texts that could not all be shown again on the card ("Ändra svar")."""
    # Each text is within its own limit; only many multi-byte characters get here.
    sizes = {f: text_size(getattr(inputs, f)) for f in _TEXT_FIELDS if f not in errors}
    if sizes and sum(sizes.values()) > ECHO_BUDGET:
        errors[max(sizes, key=lambda f: sizes[f])] = TOO_BIG_TOGETHER


def _field_errors(error: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "_form"
        if field == OUTCOME and item["type"] in _OWN_ERRORS:
            message = "Välj en av bedömningarna i listan."
        elif item["type"] in _OWN_ERRORS:
            message = item["msg"]
        else:
            template = _MESSAGES.get(item["type"], "Ogiltigt värde.")
            message = template.format(**(item.get("ctx") or {}))
        errors.setdefault(field, message)
    return errors
