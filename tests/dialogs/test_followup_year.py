"""A whole year of follow-through over HTTP, the clock moved on by starting the bot again
with a later date on the same store and workbook: delår 1, delår 2, an åtgärd followed,
helår completing it and saying what becomes of each kontrollmoment, then next year's plan
(`ikbot new-year`) served in the next year."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl

from bot.cli import main
from tests.conftest import BotFactory
from tests.databases import both_engines
from tests.dialogs.test_answering import answers_in
from tests.dialogs.test_followup import actions_in, answer
from tests.fakes.harness import (
    ALEX,
    MARIA,
    STRATEGIST,
    card_text,
    cards_of,
    find_action,
    plan_row,
    write_plan,
)

pytestmark = both_engines

OK = {"outcome": "Ingen avvikelse", "checked": "5", "deviations": "0", "observations": "Bra."}


def plan(folder: Path) -> Path:
    return write_plan(
        folder / "ks 2026.xlsx",
        [
            plan_row("1", ALEX.email, "Alla perioder", text="Attest av fakturor"),
            plan_row("2", MARIA.email, "Delår 2, Helår", text="Löneutbetalningar"),
            plan_row("3", MARIA.email, "Helår", text="Representation"),
        ],
        title="Internkontrollplan 2026",
    )


async def test_a_year_of_follow_through_and_the_next_years_plan(
    start: BotFactory, tmp_path: Path
) -> None:
    folder = tmp_path / "plans"
    book = plan(folder)
    # Delår 1: all is well.
    bot = await start(folder, today=date(2026, 5, 5))
    await answer(bot, "1", OK)
    # Delår 2: a deviation with an åtgärd, started in the autumn.
    bot = await start(folder, today=date(2026, 9, 10))
    deviation = {
        "outcome": "Mindre avvikelse",
        "observations": "2 fakturor utan attest.",
        "action_text": "Informera om attestrutinen.",
        "action_owner": ALEX.email,
        "action_due": "2026-10-31",
    }
    await answer(bot, "1", deviation)
    await answer(bot, "2", OK, who=MARIA)
    bot = await start(folder, today=date(2026, 11, 16))
    [mine] = cards_of(await bot.say("mina åtgärder"))
    assert "försenad 16 dagar" in card_text(mine)
    card = await bot.click(find_action(mine, "Uppdatera status"))
    await bot.click(find_action(card, "Spara status"), action_status="Pågår")
    # Helår, in January: the card shows both delår; the answer completes the åtgärd and
    # says the control goes on; Maria's controls are done with.
    bot = await start(folder, today=date(2027, 1, 10))
    [listed] = cards_of(await bot.say("mina kontroller"))
    card = await bot.click(find_action(listed, "Svara"))
    text = card_text(card)
    assert "Vid delår 1: Ingen avvikelse — Bra." in text
    assert (
        "Vid delår 2: Mindre avvikelse — åtgärd: Informera om attestrutinen., klar senast " in text
    )
    assert "status Pågår (försenad 71 dagar)" in text
    helar = {
        **deviation,
        "observations": "Informationen har gått ut; en faktura utan attest i december.",
        "action_text": "Stickprov varje kvartal 2027.",
        "action_due": "2027-03-31",
        "continuation": "Fortsätter nästa år",
    }
    card = await bot.click(find_action(listed, "Svara"))
    receipt = await bot.click(find_action(card, "Spara svar"), **helar)
    assert "Svaret är sparat" in card_text(receipt)
    await answer(bot, "2", {**OK, "continuation": "Avslutat"}, who=MARIA)
    await answer(bot, "3", {**OK, "continuation": "Nästa kontroll år 2029"}, who=MARIA)
    await bot.written_out()
    rows = {(r["ID"], r["Period"]): r for r in answers_in(book)}
    assert rows[("1", "Helår")]["Uppföljning"] == "Fortsätter nästa år"
    assert rows[("2", "Helår")]["Uppföljning"] == "Avslutat"
    assert rows[("3", "Helår")]["Uppföljning"] == "Nästa kontroll år 2029"
    assert {(r["ID"], r["Period"], r["Status"]) for r in actions_in(book)} == {
        (1, "Delår 2", "Pågår"),
        (1, "Helår", "Ej påbörjad"),
    }
    # The status at helår still lists delår 2's åtgärd: it is not Klar.
    [status] = cards_of(await bot.say("status helår", STRATEGIST))
    assert "Öppna åtgärder från tidigare perioder (1)" in card_text(status)

    # Next year's plan, as a new file; this year's is untouched.
    before = book.read_bytes()
    target = tmp_path / "plans 2027" / "ks 2027.xlsx"
    target.parent.mkdir()
    args = ["new-year", "--from", "2026", "--to", "2027", str(book), "--out", str(target)]
    assert main(args) == 0
    assert book.read_bytes() == before
    sheet = openpyxl.load_workbook(target)["Kontrollplan"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Internkontrollplan 2027"
    assert values[2][-1] == "Ursprunglig risk"  # the plan had none: added to the right
    assert [r[0] for r in values[3:] if r[0]] == ["1"]
    assert values[3][-1] == "kvarstår från 2026"
    # In 2027 the bot serves the new plan: the control is Alex's again, and both open
    # åtgärder of 2026 follow it.
    bot = await start(target.parent, today=date(2027, 4, 10))
    [listed] = cards_of(await bot.say("mina kontroller"))
    assert "Attest av fakturor" in card_text(listed) and "Delår 1" in card_text(listed)
    [mine] = cards_of(await bot.say("mina åtgärder"))
    text = card_text(mine)
    assert "Informera om attestrutinen." in text and "Stickprov varje kvartal 2027." in text
    [none] = cards_of(await bot.say("mina kontroller", MARIA))
    assert "inga kontrollmoment" in card_text(none)
