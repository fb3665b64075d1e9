"""Åtgärder followed until they are closed: ``mina åtgärder``, the status card, the
Åtgärder sheet, over HTTP through the real app on both store engines."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import openpyxl

from tests.bot.reports.docx_text import open_docx
from tests.conftest import BotFactory
from tests.databases import both_engines
from tests.fakes.harness import (
    ALEX,
    MARIA,
    STRATEGIST,
    BotClient,
    card_text,
    cards_of,
    find_action,
    find_actions,
    plan_row,
    write_plan,
)

pytestmark = both_engines

DELAR_2 = date(2026, 9, 10)
DEVIATION = {
    "outcome": "Mindre avvikelse",
    "checked": "10",
    "deviations": "2",
    "observations": "2 av 10 fakturor saknar mottagningsattestant.",
    "analysis": "",
    "action_text": "Ekonomiavdelningen informerar om attestrutinen.",
    "action_owner": ALEX.email,
    "action_due": "2026-10-31",
}


def plan(tmp_path: Path) -> Path:
    """Two delår 2 and helår controls (Alex's and Maria's), in a folder."""
    return write_plan(
        tmp_path / "plans" / "ks.xlsx",
        [
            plan_row("1", ALEX.email, "Delår 2, Helår", text="Attest av fakturor"),
            plan_row("2", MARIA.email, "Delår 2, Helår", text="Löneutbetalningar"),
        ],
        title="Internkontrollplan 2026",
    ).parent


def actions_in(workbook: Path) -> list[dict[str, Any]]:
    """The Åtgärder rows of a workbook, as dicts by header."""
    book = openpyxl.load_workbook(workbook)
    if "Åtgärder" not in book.sheetnames:
        return []
    rows = list(book["Åtgärder"].iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:] if any(r)]


async def answer(bot: BotClient, control: str, values: dict[str, str], who=ALEX) -> None:
    [listed] = cards_of(await bot.say("mina kontroller", who))
    opened = [a for a in find_actions(listed, "Svara") + find_actions(listed, "Ändra svar")]
    data = next(a for a in opened if a["control"] == control)
    card = await bot.click(data, who)
    receipt = await bot.click(find_action(card, "Spara svar"), who, **values)
    assert "Svaret är sparat" in card_text(receipt)


async def test_an_action_is_followed_until_it_is_done(start: BotFactory, tmp_path: Path) -> None:
    folder = plan(tmp_path)
    bot = await start(folder, today=DELAR_2)
    await answer(bot, "1", DEVIATION)
    await bot.drain()
    [row] = actions_in(folder / "ks.xlsx")
    assert row["ID"] == 1 and row["År"] == 2026 and row["Period"] == "Delår 2"
    assert row["Åtgärd"] == DEVIATION["action_text"]
    assert row["Åtgärdsansvarig"] == ALEX.email and row["Status"] == "Ej påbörjad"
    assert row["Klart senast"].date() == date(2026, 10, 31)

    [mine] = cards_of(await bot.say("Mina åtgärder"))
    text = card_text(mine)
    assert "Ekonomiavdelningen informerar om attestrutinen." in text
    assert "Ej påbörjad" in text and "31 oktober 2026" in text
    [none] = cards_of(await bot.say("mina åtgärder", MARIA))
    assert "inga öppna åtgärder" in card_text(none)

    card = await bot.click(find_action(mine, "Uppdatera status"))
    save = find_action(card, "Spara status")
    saved = await bot.click(save, action_status="Pågår", action_comment="Information skickad.")
    assert "Status sparad: Pågår" in card_text(saved)
    again = await bot.click(save, action_status="Pågår", action_comment="Information skickad.")
    assert "Status sparad: Pågår" in card_text(again)  # the same card twice saves once
    await bot.drain()
    [row] = actions_in(folder / "ks.xlsx")
    assert row["Status"] == "Pågår" and row["Kommentar"] == "Information skickad."
    assert row["Uppdaterad av"] == ALEX.email
    assert len(await bot.services.actions.history(_slot(bot, "1", 2026))) == 1

    # Weeks later (a new process on the same store): overdue, then closed.
    later = await start(folder, today=date(2026, 11, 9))
    [mine] = cards_of(await later.say("mina åtgärder"))
    assert "försenad 9 dagar" in card_text(mine)
    card = await later.click(find_action(mine, "Uppdatera status"))
    done = await later.click(
        find_action(card, "Spara status"), action_status="Klar", action_comment="Klart."
    )
    assert "Status sparad: Klar" in card_text(done)
    await later.drain()
    [row] = actions_in(folder / "ks.xlsx")
    assert row["Status"] == "Klar" and row["Kommentar"] == "Klart."
    [mine] = cards_of(await later.say("mina åtgärder"))
    assert "inga öppna åtgärder" in card_text(mine) and "1 av dina åtgärder är klara" in card_text(
        mine
    )


async def test_a_bad_status_changes_nothing(start: BotFactory, tmp_path: Path) -> None:
    folder = plan(tmp_path)
    bot = await start(folder, today=DELAR_2)
    await answer(bot, "1", DEVIATION)
    [mine] = cards_of(await bot.say("mina åtgärder"))
    card = await bot.click(find_action(mine, "Uppdatera status"))
    save = find_action(card, "Spara status")
    refused = await bot.click(save, action_status="Nästan klar", action_comment="x\x00")
    text = card_text(refused)
    assert "Statusen är inte sparad" in text and "Välj Ej påbörjad, Pågår eller Klar" in text
    assert "tecken som inte kan sparas" in text
    # Someone else's åtgärd cannot be set; a strategist's can.
    assert "inte din" in card_text(await bot.click(save, MARIA, action_status="Klar"))
    ok = await bot.click(save, STRATEGIST, action_status="Klar")
    assert "Status sparad: Klar" in card_text(ok)
    await bot.drain()
    [row] = actions_in(folder / "ks.xlsx")
    assert row["Status"] == "Klar" and row["Uppdaterad av"] == STRATEGIST.email


async def test_a_role_in_the_ansvariga_table_owns_the_action(
    start: BotFactory, tmp_path: Path
) -> None:
    folder = plan(tmp_path)
    book = openpyxl.load_workbook(folder / "ks.xlsx")
    settings = book.create_sheet("Inställningar")
    settings.append(["Ansvarig", "E-post"])
    settings.append(["Ekonomichef", MARIA.email])
    book.save(folder / "ks.xlsx")
    bot = await start(folder, today=DELAR_2)
    await answer(bot, "1", {**DEVIATION, "action_owner": "Ekonomichef"})
    [mine] = cards_of(await bot.say("mina åtgärder", MARIA))
    assert "Ekonomiavdelningen informerar" in card_text(mine)
    [alex] = cards_of(await bot.say("mina åtgärder"))
    assert "inga öppna åtgärder" in card_text(alex)


def _slot(bot: BotClient, control: str, year: int):
    from bot.actions import slot
    from bot.domain.model import Period

    return slot("ks.xlsx", control, year, Period.T2)


async def test_the_helar_card_shows_this_years_earlier_answer_and_its_action(
    start: BotFactory, tmp_path: Path
) -> None:
    folder = plan(tmp_path)
    bot = await start(folder, today=DELAR_2)
    await answer(bot, "1", DEVIATION)
    [mine] = cards_of(await bot.say("mina åtgärder"))
    card = await bot.click(find_action(mine, "Uppdatera status"))
    await bot.click(find_action(card, "Spara status"), action_status="Pågår")
    # Helår, answered in January: the card shows what delår 2 found and where it stands.
    helar = await start(folder, today=date(2027, 1, 10))
    [listed] = cards_of(await helar.say("mina kontroller"))
    card = await helar.click(find_action(listed, "Svara"))
    text = card_text(card)
    assert "Tidigare i år" in text
    assert (
        "Vid delår 2: Mindre avvikelse — åtgärd: Ekonomiavdelningen informerar om "
        "attestrutinen., klar senast 31 oktober 2026, status Pågår (försenad 71 dagar)"
    ) in text
    assert "beskriv i ditt svar hur det har gått" in text
    # A refused submission keeps the block too.
    refused = await helar.click(find_action(card, "Spara svar"), outcome="")
    assert "Vid delår 2: Mindre avvikelse" in card_text(refused)
    # Maria's control had no earlier answer: no block.
    [listed] = cards_of(await helar.say("mina kontroller", MARIA))
    assert "Tidigare i år" not in card_text(await helar.click(find_action(listed, "Svara"), MARIA))


async def test_status_lists_open_actions_from_earlier_periods(
    start: BotFactory, tmp_path: Path
) -> None:
    folder = plan(tmp_path)
    bot = await start(folder, today=DELAR_2)
    await answer(bot, "1", DEVIATION)
    maria = {**DEVIATION, "action_text": "Ny lönerutin.", "action_owner": MARIA.email}
    await answer(bot, "2", maria, who=MARIA)
    [mine] = cards_of(await bot.say("mina åtgärder", MARIA))
    card = await bot.click(find_action(mine, "Uppdatera status"), MARIA)
    await bot.click(find_action(card, "Spara status"), MARIA, action_status="Klar")
    # Delår 2 itself has nothing earlier.
    [status] = cards_of(await bot.say("status delår 2", STRATEGIST))
    assert "Öppna åtgärder från tidigare perioder" not in card_text(status)
    helar = await start(folder, today=date(2027, 1, 10))
    [status] = cards_of(await helar.say("status helår", STRATEGIST))
    text = card_text(status)
    assert "Öppna åtgärder från tidigare perioder (1)" in text
    assert "1 – Ekonomiavdelningen informerar om attestrutinen." in text
    assert "Delår 2 2026 · Ej påbörjad · klart senast 31 oktober 2026 · försenad 71 dagar" in text
    assert "Ny lönerutin." not in text  # done
    done = await helar.click(find_action(status, "Skriv sammanställning till Excel"), STRATEGIST)
    assert "Sammanställning helår 2026" in card_text(done)
    sheet = openpyxl.load_workbook(folder / "ks.xlsx")["Sammanställning helår 2026"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    at = next(i for i, r in enumerate(rows) if r[0] == "Öppna åtgärder från tidigare perioder (1)")
    header, row = rows[at + 1], rows[at + 2]
    found = dict(zip(header, row, strict=False))
    assert found["Period"] == "Delår 2 2026" and found["Status"] == "Ej påbörjad"
    assert found["Dagar försenat"] == 71 and found["Åtgärdsansvarig"] == ALEX.email


async def test_what_becomes_of_a_control_is_said_at_helar_only(
    start: BotFactory, tmp_path: Path
) -> None:
    folder = plan(tmp_path)
    bot = await start(folder, today=DELAR_2)
    [listed] = cards_of(await bot.say("mina kontroller"))
    card = await bot.click(find_action(listed, "Svara"))
    assert "Kontrollmomentet efter i år" not in card_text(card)  # not offered at a delår
    refused = await bot.click(find_action(card, "Spara svar"), **DEVIATION, continuation="Avslutat")
    assert "anges bara vid helår." in card_text(refused)
    helar = await start(folder, today=date(2027, 1, 10))
    [listed] = cards_of(await helar.say("mina kontroller"))
    card = await helar.click(find_action(listed, "Svara"))
    from tests.fakes.card_schema import inputs

    choices = [c["value"] for c in inputs(card)["continuation"]["choices"]]
    assert choices == [
        "Avslutat",
        "Fortsätter nästa år",
        "Nästa kontroll år 2028",
        "Nästa kontroll år 2029",
        "Nästa kontroll år 2030",
    ]
    values = {**DEVIATION, "action_due": "2027-03-31", "continuation": "Nästa kontroll år 2020"}
    refused = await helar.click(find_action(card, "Spara svar"), **values)
    assert "Välj ett av alternativen i listan." in card_text(refused)
    saved = await helar.click(
        find_action(card, "Spara svar"), **{**values, "continuation": "  avslutat "}
    )
    assert "Svaret är sparat" in card_text(saved)
    await helar.drain()
    from tests.dialogs.test_answering import answers_in

    [row] = [r for r in answers_in(folder / "ks.xlsx") if r["Period"] == "Helår"]
    assert row["Uppföljning"] == "Avslutat"


async def test_the_helar_report_follows_up_the_action_with_its_status(
    start: BotFactory, tmp_path: Path
) -> None:
    folder = plan(tmp_path)
    bot = await start(folder, today=DELAR_2)
    await answer(bot, "1", DEVIATION)
    [mine] = cards_of(await bot.say("mina åtgärder"))
    card = await bot.click(find_action(mine, "Uppdatera status"))
    await bot.click(
        find_action(card, "Spara status"), action_status="Pågår", action_comment="Halva klart."
    )

    helar = await start(folder, today=date(2027, 1, 10))
    [message] = await helar.say("rapport helår 2026", STRATEGIST)
    assert "Rapporten är skriven" in card_text(cards_of([message])[0])
    [saved] = (folder / "Rapporter").glob("*.docx")
    rows = open_docx(saved.read_bytes()).table_rows()
    followed = [r for r in rows if DEVIATION["action_text"] in r]
    # Chapter 4: the åtgärd from delår 2, late by helår, with what its owner said.
    assert any("Pågår – datum passerat: Halva klart." in r for r in followed), followed
