"""The data every card action carries: a verb and ids, nothing else.

Cards build these payloads; dialogs parse what comes back with the same models, once, at
the edge. Everything else (the control's text, the owner, the deadline) is looked up on the
server and re-checked.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from bot.domain.model import Period

_Id = Annotated[str, Field(min_length=1, max_length=200)]
_Year = Annotated[int, Field(ge=2000, le=2100)]


class _Action(BaseModel):
    # Inputs from the card arrive beside the action data (Action.Submit merges them), so
    # unknown keys are ignored here and parsed by the form model instead.
    model_config = ConfigDict(extra="ignore", frozen=True)

    def data(self) -> dict[str, object]:
        """The JSON the card carries for this action."""
        return self.model_dump(mode="json")


class ShowList(_Action):
    """Show "mina kontroller"."""

    verb: Literal["list"] = "list"


class ShowHelp(_Action):
    """Show the help text."""

    verb: Literal["help"] = "help"


class OpenControl(_Action):
    """Open the answer card for a control in a term."""

    verb: Literal["open"] = "open"
    plan: _Id
    control: _Id
    year: _Year
    period: Period


class SubmitAnswer(_Action):
    """Submit the answer card; the nonce makes a double-click save one answer, not two."""

    verb: Literal["submit"] = "submit"
    plan: _Id
    control: _Id
    year: _Year
    period: Period
    nonce: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
    # The version of the saved answer the card was opened against (policy.version_of):
    # saving over a newer one is a conflict, never a silent overwrite.
    base: _Id | None = None


class LeaveCard(_Action):
    """Leave an answer card ("Tillbaka"): the list, with what was typed kept as a draft."""

    verb: Literal["back"] = "back"
    plan: _Id
    control: _Id
    year: _Year
    period: Period
    base: _Id | None = None


class NextControl(_Action):
    """Go on to the next unanswered control after the one just answered."""

    verb: Literal["next"] = "next"
    plan: _Id
    control: _Id
    year: _Year
    period: Period


class RunCommand(_Action):
    """Do what a typed command asks (the "Menade du …?" button of a near miss)."""

    verb: Literal["command"] = "command"
    text: Annotated[str, Field(min_length=1, max_length=100)]


_AnswerId = Annotated[str, Field(min_length=1, max_length=200)]


class ShowReceipt(_Action):
    """The receipt of a saved answer as it stands now (the receipt's own refresh)."""

    verb: Literal["receipt"] = "receipt"
    plan: _Id
    control: _Id
    year: _Year
    period: Period
    answer: _AnswerId


class FromReceipt(_Action):
    """A button on a receipt: the next card comes as a new message and the receipt stays."""

    verb: Literal["from_receipt"] = "from_receipt"
    plan: _Id
    control: _Id
    year: _Year
    period: Period
    answer: _AnswerId
    to: Literal["list", "next", "change", "history"]


class ShowHistory(_Action):
    """Every version of the answer to a control in a term."""

    verb: Literal["history"] = "history"
    plan: _Id
    control: _Id
    year: _Year
    period: Period


class WriteSummary(_Action):
    """Write the status summary of a term (optionally one nämnd) to the Excel sheet."""

    verb: Literal["write_summary"] = "write_summary"
    year: _Year
    period: Period
    namnd: _Id | None = None


class ShowUnanswered(_Action):
    """Show everyone who has not answered in a term (optionally one nämnd)."""

    verb: Literal["show_unanswered"] = "show_unanswered"
    year: _Year
    period: Period
    namnd: _Id | None = None


class ShowStatus(_Action):
    """Show the status summary of a term; full=True lists everything, not the first few."""

    verb: Literal["status"] = "status"
    year: _Year
    period: Period
    namnd: _Id | None = None
    full: bool = False


class MakeReport(_Action):
    """Write the follow-up report (.docx) of a term (optionally one nämnd)."""

    verb: Literal["make_report"] = "make_report"
    year: _Year
    period: Period
    namnd: _Id | None = None


class ShowActions(_Action):
    """Show "mina åtgärder"."""

    verb: Literal["actions"] = "actions"


class OpenFollowup(_Action):
    """Open the status card of the åtgärd proposed for a control in a term."""

    verb: Literal["open_action"] = "open_action"
    plan: _Id
    control: _Id
    year: _Year
    period: Period


class SaveActionStatus(_Action):
    """Save an åtgärd's status and comment; the nonce saves a double-click once."""

    verb: Literal["action_status"] = "action_status"
    plan: _Id
    control: _Id
    year: _Year
    period: Period
    nonce: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]


class RemindPreview(_Action):
    """Show who "Påminn obesvarade" would remind in a term (optionally one nämnd)."""

    verb: Literal["remind_preview"] = "remind_preview"
    year: _Year
    period: Period
    namnd: _Id | None = None


class RemindConfirm(_Action):
    """Send the reminders the preview showed, now."""

    verb: Literal["remind_confirm"] = "remind_confirm"
    year: _Year
    period: Period
    namnd: _Id | None = None


# What a card button may ask for: the payloads, and the same discriminated by verb.
CardPayload = (
    ShowList
    | ShowHelp
    | OpenControl
    | SubmitAnswer
    | LeaveCard
    | NextControl
    | ShowStatus
    | ShowUnanswered
    | WriteSummary
    | MakeReport
    | ShowActions
    | OpenFollowup
    | SaveActionStatus
    | RemindPreview
    | RemindConfirm
    | RunCommand
    | ShowReceipt
    | FromReceipt
    | ShowHistory
)
CardAction = Annotated[CardPayload, Field(discriminator="verb")]
card_action = TypeAdapter(CardAction)
