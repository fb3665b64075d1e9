"""Realistic domain objects for card tests (Lindesberg's and Strängnäs' real plans)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from bot.domain.assignments import AnswerState, Assignment
from bot.domain.model import (
    Action,
    Answer,
    Control,
    OutcomeOption,
    OutcomeScale,
    Period,
    Risk,
    Severity,
)
from bot.domain.periods import Term

NONCE = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
OWNER = "alexw@example.com"
HELAR_2026 = Term(2026, Period.YEAR)
DELAR_2_2026 = Term(2026, Period.T2)
# Helår 2026 is due 14 januari 2027 by default.
BEFORE_DUE = date(2027, 1, 10)
THREE_DAYS_LATE = date(2027, 1, 17)

STRANGNAS_SCALE = OutcomeScale(
    (
        OutcomeOption("Process/rutin/riktlinje fungerar", Severity.OK),
        OutcomeOption("Process/rutin/riktlinje fungerar men behöver utvecklas", Severity.MINOR),
        OutcomeOption(
            "Avvikelser mot beskrivning av process/rutin/riktlinje har konstaterats",
            Severity.MAJOR,
        ),
        OutcomeOption("Dokumenterad beskrivning av process/rutin/riktlinje saknas", Severity.MAJOR),
    )
)


def backup_control(**changes: object) -> Control:
    """Lindesberg KLK's control 8, "Test återläsning av backup" (riskvärde 12)."""
    control = Control(
        id="8",
        plan_key="lindesberg-ks-2026",
        description="En fil från slumpmässigt valt system återläses",
        owner=OWNER,
        periods=frozenset({Period.T2, Period.YEAR}),
        namnd="Kommunstyrelsen",
        area="Verksamhet",
        process="Test återläsning av backup",
        risk_text="Att backup inte fungerar för våra IT-system",
        risk=Risk(probability=3, consequence=4),
        method="Teståterläsning av en slumpvis vald fil",
        sample="Ett system per delår",
        row=9,
    )
    return replace(control, **changes)  # type: ignore[arg-type]


def assignment(
    control: Control | None = None,
    *,
    term: Term = HELAR_2026,
    state: AnswerState = AnswerState.UNANSWERED,
    answer: Answer | None = None,
    can_answer: bool = True,
    plan_name: str = "Internkontrollplan 2026 Kommunstyrelsen",
) -> Assignment:
    """An assignment of a control (by default the backup control) in a term."""
    control = control or backup_control()
    return Assignment(control, plan_name, term, term.due_for(control), state, answer, can_answer)


def saved_answer(
    control: Control | None = None, *, term: Term = HELAR_2026, **changes: object
) -> Answer:
    """An answer with a minor deviation and an åtgärd, saved 23 november 2026 14:05 Swedish time."""
    control = control or backup_control()
    answer = Answer(
        answer_id="a1b2c3",
        plan_key=control.plan_key,
        control_id=control.id,
        year=term.year,
        period=term.period,
        outcome="Mindre avvikelse",
        answered_by=OWNER,
        answered_at=datetime(2026, 11, 23, 13, 5, tzinfo=UTC),
        checked=12,
        deviations=1,
        observations=(
            "Teståterläsning av e-postbrevlåda utförd. En fil återlästes först efter två försök."
        ),
        analysis="Rutinen för återläsning är inte dokumenterad.",
        action=Action(
            "Dokumentera rutinen för återläsning", "Kim Lind, IT-chef", date(2027, 3, 31)
        ),
    )
    return replace(answer, **changes)  # type: ignore[arg-type]
