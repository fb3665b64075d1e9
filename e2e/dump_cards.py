"""Write every kind of card the bot sends, built by the real builders in cards/, as JSON.

The data is the demo workbooks the bot serves (built and read back the way the bot reads
them) and the real 2017 follow-ups the status tests use, so the renderer sees the texts,
lengths and Swedish characters a municipality's cards carry. `render_cards.mjs` renders
each file with the Adaptive Cards renderer under the Teams host config.

Usage (from the repository root): python -m e2e.dump_cards OUTPUT_DIR
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bot.cli import DEMO_STRATEGIST
from bot.domain.assignments import AnswerState, Assignment, assignments_for, index_answers
from bot.domain.identity import User
from bot.domain.model import Action, Answer, Control, Period, Plan, Severity
from bot.domain.periods import Term
from bot.domain.status import SheetWritten, Summary, compile_status
from cards.answer import answer_card, answer_values
from cards.common import adaptive_card
from cards.evidence import evidence_card
from cards.history import history_card
from cards.listing import list_card
from cards.notice import did_you_mean_card, notice_card
from cards.receipt import receipt_card
from cards.risk_matrix import risk_section
from cards.status import status_card
from cards.summary_written import summary_written_card
from cards.unanswered import unanswered_card
from cards.welcome import help_card, welcome_card
from dialogs.form import ValidAnswer, raw_values, validate_answer
from dialogs.handlers import SOMETHING_WRONG
from dialogs.turn import BAD_CARD, WHO_ARE_YOU
from graph.templates import demo_workbook
from graph.workbook_names import list_workbook_names
from graph.xlsx_reader import read_workbook_file
from tests.bot.domain.status_data import lindesberg_delar_2017, strangnas_helar_2017

NONCE = "5d1f0c2b8a7e46f39b0c1d2e3f4a5b6c"
HELAR = Term(2026, Period.YEAR)
OPEN_DAY = date(2026, 12, 15)  # helår 2026 is open; the same day `make e2e` serves
LATE_DAY = date(2027, 1, 20)  # after the default deadline, 14 januari 2027
BEFORE_OPEN = date(2026, 11, 23)  # nothing open yet: the list shows what opens next
SAVED_AT = datetime(2026, 12, 15, 13, 5, tzinfo=UTC)
ALEX = User("e2e-alex", DEMO_STRATEGIST, "Alex Wilber", strategist=True)
ALEX_ANSVARIG = replace(ALEX, strategist=False)

Card = dict[str, Any]


def demo_plans() -> list[Plan]:
    """The demo plans, written by `ikbot demo-workbook` and read back like the bot does."""
    with tempfile.TemporaryDirectory() as folder:
        demo_workbook(Path(folder))
        return [
            read_workbook_file(Path(folder) / name, name).plan
            for name in list_workbook_names(Path(folder))
        ]


def _answer(control: Control, outcome: str, number: int, **fields: Any) -> Answer:
    return Answer(
        answer_id=f"{number:032x}",
        plan_key=control.plan_key,
        control_id=control.id,
        year=HELAR.year,
        period=HELAR.period,
        outcome=outcome,
        answered_by=control.owner,
        answered_at=SAVED_AT,
        **fields,
    )


def demo_answers(plans: Sequence[Plan], count: int = 9) -> list[Answer]:
    """Helår 2026 answers of every kind for the first ``count`` controls: fine, deviations
    with åtgärder, not done; then an outcome the scale does not know, and an answer whose
    control has left the plan."""
    controls = [c for p in plans for c in p.controls if Period.YEAR in c.periods]
    scales = {p.key: p.scale.for_period(Period.YEAR) for p in plans}
    answers: list[Answer] = []
    for number, control in enumerate(controls[:count]):
        options = scales[control.plan_key]
        option = options[number % len(options)]
        action = None
        if option.severity.needs_action:
            action = Action(
                "Rutinen ses över och kompletteras; uppföljning på nästa ledningsgrupp.",
                "Kim Lind, avdelningschef",
                date(2027, 3, 31),
            )
        answers.append(
            _answer(
                control,
                option.label,
                number + 1,
                checked=20,
                deviations=0 if option.severity is Severity.OK else 2,
                observations="Stickprov på 20 ärenden. Två saknade dokumenterat beslut.",
                analysis="Rutinen är känd men följs inte när ordinarie handläggare är borta.",
                action=action,
            )
        )
    first = controls[0]
    answers.append(_answer(replace(first, id="99"), "Ingen avvikelse", count + 1))
    unknown = controls[count]
    answers.append(_answer(unknown, "Delvis genomförd", count + 2, observations="Påbörjad."))
    return answers


def _mine(plans: Sequence[Plan], user: User) -> list[Plan]:
    """The plans cut down to the user's own controls, as a non-strategist's status is."""
    return [replace(p, controls=tuple(c for c in p.controls if user.owns(c.owner))) for p in plans]


def _many(plans: Sequence[Plan], copies: int) -> list[Plan]:
    """The demo plans repeated until the status card must cut its lists."""
    return [
        replace(
            plan,
            key=f"{n:02d}-{plan.key}",
            controls=tuple(
                replace(c, plan_key=f"{n:02d}-{plan.key}", namnd=f"{c.namnd} {n}")
                for c in plan.controls
            ),
        )
        for n in range(copies)
        for plan in plans
    ]


def _form_cards(plan: Plan, target: Assignment) -> dict[str, Card]:
    """The answer card as a refused submission comes back, built the way dialogs do."""
    options = plan.scale.for_period(target.term.period)
    submitted = {
        "outcome": "Mindre avvikelse",
        "checked": "12,5",
        "deviations": "3",
        "observations": "Tre av tolv filer gick inte att återläsa.",
        "action_due": "2026-01-01",
    }
    result = validate_answer(submitted, plan.scale, target.term.period, OPEN_DAY)
    assert not isinstance(result, ValidAnswer), "the submission must be refused"
    errors = {"_form": "Svaret är inte sparat. Rätta det som är markerat.", **result}
    return {
        "answer-errors": answer_card(
            target, options, NONCE, OPEN_DAY, values=raw_values(submitted), errors=errors
        ),
    }


def answering_cards(plans: Sequence[Plan], answers: Sequence[Answer]) -> dict[str, Card]:
    """The list, answer and receipt cards of the demo user."""
    plan_by_key = {p.key: p for p in plans}
    some = index_answers(answers[:2], pending_ids=[answers[1].answer_id])
    mine = assignments_for(ALEX, plans, some, OPEN_DAY)
    fresh = next(a for a in mine if a.state is AnswerState.UNANSWERED)
    plan = plan_by_key[fresh.control.plan_key]
    options = plan.scale.for_period(HELAR.period)
    other = next(a for a in mine if a.control.plan_key != fresh.control.plan_key)
    other_plan = plan_by_key[other.control.plan_key]
    saved = _answer(
        fresh.control,
        "Mindre avvikelse",
        7,
        checked=12,
        deviations=1,
        observations="En fil återlästes först efter två försök.",
        analysis="Rutinen för återläsning är inte dokumenterad.",
        action=Action(
            "Dokumentera rutinen för återläsning", "Kim Lind, IT-chef", date(2027, 3, 31)
        ),
    )
    answered = replace(fresh, state=AnswerState.ANSWERED, answer=saved)
    plain = replace(saved, outcome="Ingen avvikelse", deviations=0, analysis="", action=None)
    late = replace(saved, answered_at=datetime(2027, 1, 20, 9, 30, tzinfo=UTC))
    nobody = User("e2e-none", "ingen@example.com", "Ingen", strategist=False)
    return {
        "list-empty": list_card(assignments_for(nobody, plans, some, OPEN_DAY), OPEN_DAY),
        "list-open": list_card(mine, OPEN_DAY),
        "list-late": list_card(assignments_for(ALEX, plans, some, LATE_DAY), LATE_DAY),
        "list-not-open-ansvarig": list_card(
            assignments_for(ALEX_ANSVARIG, plans, some, BEFORE_OPEN), BEFORE_OPEN
        ),
        "list-not-open-strateg": list_card(
            assignments_for(ALEX, plans, some, BEFORE_OPEN), BEFORE_OPEN
        ),
        "answer-new": answer_card(fresh, options, NONCE, OPEN_DAY),
        **_form_cards(plan, fresh),
        "answer-change": answer_card(
            answered, options, NONCE, OPEN_DAY, values=answer_values(saved)
        ),
        "answer-late": answer_card(fresh, options, NONCE, LATE_DAY),
        "answer-own-scale": answer_card(
            other, other_plan.scale.for_period(HELAR.period), NONCE, OPEN_DAY
        ),
        "answer-conflict": answer_card(
            answered, options, NONCE, OPEN_DAY, values=answer_values(plain), newer=saved
        ),
        "answer-draft": answer_card(
            fresh, options, NONCE, OPEN_DAY, values=answer_values(plain), draft_saved=SAVED_AT
        ),
        "receipt-pending": receipt_card(
            fresh, saved, pending=True, has_next=True, user_id="29:e2e-alex"
        ),
        "receipt-waiting": receipt_card(
            fresh,
            saved,
            pending=True,
            has_next=True,
            waiting="Arbetsboken lindesberg-ks-2026.xlsx är öppen i Excel. Svaren skrivs in när "
            "den stängs.",
            user_id="29:e2e-alex",
        ),
        "receipt-written": receipt_card(
            fresh, plain, pending=False, has_next=False, written_at=SAVED_AT, user_id="29:e2e-alex"
        ),
        "receipt-replaced": receipt_card(
            fresh, plain, pending=False, has_next=False, written_at=SAVED_AT, newer=late
        ),
        "receipt-late": receipt_card(fresh, late, pending=False, has_next=True),
        "history": history_card(answered, [plain, saved, replace(late, answer_id="x" * 32)]),
        "evidence": evidence_card(
            fresh.control.plan_key,
            fresh.control.id,
            HELAR,
            ["stickprov.pdf"],
            [
                "program.exe: den filtypen tar jag inte emot. Skicka PDF, Word, Excel, PowerPoint, "
                "CSV, text, bild (PNG/JPG) eller e-post (MSG/EML)."
            ],
            [
                (
                    "stickprov.pdf",
                    "https://kommun.sharepoint.com/sites/Internkontroll/"
                    "Dokument/Underlag/2026/Hel%C3%A5r/8/stickprov.pdf",
                ),
            ],
            in_answer=True,
        ),
    }


def status_cards(plans: Sequence[Plan], answers: Sequence[Answer]) -> dict[str, Card]:
    """The status summary in every shape the bot sends it, and the unanswered list."""
    summary = compile_status(plans, answers, HELAR, OPEN_DAY)
    own = compile_status(_mine(plans, ALEX), answers, HELAR, OPEN_DAY)
    one = compile_status(plans, answers, HELAR, OPEN_DAY, namnd="Kommunstyrelsen")
    many = _many(plans, 40)
    big = compile_status(many, demo_answers(many, count=450), HELAR, LATE_DAY)
    delar = lindesberg_delar_2017()
    strangnas = strangnas_helar_2017(action_owner="ekonomichef@example.com")
    real: dict[str, Summary] = {
        "lindesberg-delar-2017": compile_status(
            delar.plans, delar.answers, delar.term, delar.today
        ),
        "strangnas-helar-2017": compile_status(
            strangnas.plans, strangnas.answers, strangnas.term, strangnas.today
        ),
    }
    cards: dict[str, Card] = {
        "status-strateg": status_card(summary, pending=1, can_write=False),
        "status-strateg-write": status_card(summary, pending=0, can_write=True),
        "status-ansvarig": status_card(own, can_write=False),
        "status-namnd": status_card(one, can_write=False),
        "status-cut": status_card(big, can_write=False),
        "status-full": status_card(big, full=True, can_write=False),
        "unanswered": unanswered_card(summary, can_write=False),
        "unanswered-cut": unanswered_card(big, can_write=False),
        "risk-matrix": adaptive_card(risk_section(summary)),
        "risk-matrix-empty": adaptive_card(risk_section(real["lindesberg-delar-2017"])),
    }
    for name, real_summary in real.items():
        cards[f"status-{name}"] = status_card(real_summary, can_write=False)
        cards[f"unanswered-{name}"] = unanswered_card(real_summary, can_write=False)
    return cards


def notice_cards() -> dict[str, Card]:
    """The short messages: refusals, failures, "all done"."""
    return {
        "notice-done": notice_card(
            "Alla dina kontrollmoment för perioden är besvarade. Tack!", title="Klart"
        ),
        "notice-refused": notice_card(
            "Det här kontrollmomentet är tilldelat någon annan. Du kan bara svara på dina "
            "egna kontrollmoment.",
            title="Det gick inte",
            attention=True,
        ),
        "notice-bad-card": notice_card(BAD_CARD, attention=True),
        "notice-failure": notice_card(SOMETHING_WRONG, attention=True),
        "notice-who-are-you": notice_card(WHO_ARE_YOU, attention=True),
        "did-you-mean": did_you_mean_card("mina kontroler", "mina kontroller"),
    }


def summary_written_cards() -> dict[str, Card]:
    """The answer to "Skriv sammanställning till Excel": all written, some not, nothing due."""
    sheet = "Sammanställning helår 2026"
    written = SheetWritten("lindesberg-ks-2026.xlsx", sheet=sheet)
    locked = SheetWritten(
        "strangnas-ks-2026.xlsx",
        error="strangnas-ks-2026.xlsx är öppen eller låst just nu. Försök igen när den är stängd.",
    )
    scope: dict[str, Any] = {"year": 2026, "period": Period.YEAR}
    return {
        "summary-written": summary_written_card([written], **scope),
        "summary-written-partly": summary_written_card([written, locked], **scope),
        "summary-written-nothing": summary_written_card([], **scope, namnd="Byggnämnden"),
    }


def all_cards() -> dict[str, Card]:
    """Every card, by a file-friendly name."""
    plans = demo_plans()
    answers = demo_answers(plans)
    return {
        "welcome": welcome_card(),
        "help-ansvarig": help_card(strategist=False),
        "help-strateg": help_card(strategist=True),
        **answering_cards(plans, answers),
        **status_cards(plans, answers),
        **summary_written_cards(),
        **notice_cards(),
    }


def main(argv: Sequence[str]) -> int:
    """Write the cards into the folder given as the only argument."""
    if len(argv) != 1:
        print("Användning: python -m e2e.dump_cards MAPP", file=sys.stderr)
        return 2
    folder = Path(argv[0])
    folder.mkdir(parents=True, exist_ok=True)
    cards = all_cards()
    for number, (name, card) in enumerate(cards.items(), start=1):
        text = json.dumps(card, ensure_ascii=False, indent=1, allow_nan=False)
        (folder / f"{number:02d}-{name}.json").write_text(text, encoding="utf-8")
    print(f"Skrev {len(cards)} kort till {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
