"""Answering kontrollmoment end to end: real app over HTTP, real workbook, the real store
(each test on SQLite and on PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from bot.domain.model import ControlKey, Period
from cards.answer import ECHO_BUDGET
from tests.conftest import BotFactory
from tests.databases import both_engines
from tests.fakes.card_schema import inputs, texts
from tests.fakes.harness import (
    ALEX,
    MARIA,
    STRATEGIST,
    BotClient,
    card_text,
    cards_of,
    find_action,
    find_actions,
)

pytestmark = both_engines

GOOD = {
    "outcome": "Ingen avvikelse",
    "checked": "12",
    "deviations": "0",
    "observations": "Återläsningen lyckades.",
    "analysis": "",
}
DEVIATION = {
    "outcome": "Mindre avvikelse",
    "checked": "10",
    "deviations": "2",
    "observations": "2 av 10 fakturor saknar mottagningsattestant.",
    "analysis": "Rutinen är inte känd.",
    "action_text": "Ekonomiavdelningen informerar om attestrutinen.",
    "action_owner": "Ekonomichefen",
    "action_due": "2027-03-31",
}


def answers_in(workbook: Path) -> list[dict[str, Any]]:
    """The Uppföljning rows of a workbook, as dicts by header."""
    book = openpyxl.load_workbook(workbook)
    if "Uppföljning" not in book.sheetnames:
        return []
    rows = list(book["Uppföljning"].iter_rows(values_only=True))
    header = rows[0]
    found = [dict(zip(header, r, strict=False)) for r in rows[1:] if any(v is not None for v in r)]
    for row in found:  # numeric IDs are written as numbers, like the plan's
        row["ID"] = str(row["ID"])
    return found


async def open_card(
    bot: BotClient, control: str, person=ALEX, period: str = "YEAR", year: int = 2026
) -> dict[str, Any]:
    """Click "Svara" on a control (the same data the list card carries)."""
    data = {"verb": "open", "plan": "ks.xlsx", "control": control, "year": year, "period": period}
    return await bot.click(data, person)


async def answer(
    bot: BotClient, control: str, values: dict[str, str], person=ALEX, **kwargs
) -> dict[str, Any]:
    card = await open_card(bot, control, person, **kwargs)
    return await bot.click(find_action(card, "Spara svar"), person, **values)


async def test_first_contact_gets_one_welcome(bot: BotClient) -> None:
    from tests.fakes import activities

    await bot.post(activities.installed(ALEX, bot.service_url, "conv-1"))
    await bot.post(activities.members_added(ALEX, bot.service_url, "conv-1"))
    cards = cards_of(bot.connector.messages_to("conv-1"))
    assert len(cards) == 1
    assert "mina kontroller" in card_text(cards[0])


async def test_greetings_at_the_same_moment_get_one_welcome(bot: BotClient) -> None:
    from tests.fakes import activities

    # Teams and the Playground send both at once on first contact.
    await asyncio.gather(
        bot.post(activities.installed(ALEX, bot.service_url, "conv-1")),
        bot.post(activities.members_added(ALEX, bot.service_url, "conv-1")),
    )
    assert len(cards_of(bot.connector.messages_to("conv-1"))) == 1


@pytest.mark.parametrize(
    "typed", ["mina kontroller", "  MINA   Kontroller ", "kontroller", "svara", "Mina kontroller!"]
)
async def test_my_controls_lists_open_controls_with_state(bot: BotClient, typed: str) -> None:
    [card] = cards_of(await bot.say(typed))
    text = card_text(card)
    assert "En fil från slumpmässigt valt system återläses" in text
    assert "Feltoleranstest av datanätverket" in text
    assert "Rätt belopp" not in text  # Maria's
    assert "Attestförteckningar" not in text  # delår 1 is long closed
    assert "Obesvarad" in text
    assert "14 januari 2027" in text  # helår's default deadline
    assert len(find_actions(card, "Svara")) == 3


async def test_help_and_not_understood(bot: BotClient) -> None:
    [help_card] = cards_of(await bot.say("HJÄLP"))
    assert "mina kontroller" in card_text(help_card)
    [reply] = await bot.say("vad är klockan?")
    assert "förstod inte" in reply["text"] and "hjälp" in reply["text"]


@pytest.mark.parametrize(
    "values",
    [
        GOOD,
        DEVIATION,
        {**DEVIATION, "outcome": "Större avvikelse"},
        {**DEVIATION, "outcome": "Ej genomförd", "checked": "", "deviations": ""},
    ],
    ids=["ingen", "mindre", "större", "ej-genomförd"],
)
async def test_each_outcome_lands_in_the_workbook(bot: BotClient, values: dict) -> None:
    receipt = await answer(bot, "1", values)
    text = card_text(receipt)
    assert "Svaret är sparat" in text and values["outcome"] in text
    assert "alexw@example.com" in text
    await bot.drain()
    [row] = answers_in(bot.services.settings.workbook / "ks.xlsx")
    assert row["ID"] == "1" and row["År"] == 2026 and row["Period"] == "Helår"
    assert row["Bedömning"] == values["outcome"]
    assert row["Besvarad av"] == "alexw@example.com"
    assert row["Iakttagelser"] == values["observations"]
    if values.get("action_text"):
        assert row["Åtgärd"] == values["action_text"]
        assert row["Klart senast"].date() == date(2027, 3, 31)
    [listed] = cards_of(await bot.say("mina kontroller"))
    assert "Besvarad" in card_text(listed)


async def test_invalid_input_keeps_values_and_marks_fields(bot: BotClient) -> None:
    card = await open_card(bot, "1")
    submit = find_action(card, "Spara svar")
    again = await bot.click(
        submit,
        outcome="Mindre avvikelse",
        checked="tio",
        observations="Min iakttagelse som inte får försvinna",
    )
    text = card_text(again)
    assert "Svaret är inte sparat" in text
    assert "Ange ett heltal" in text
    assert "Min iakttagelse som inte får försvinna" in text
    # Fix the number; the action fields are still missing for a deviation.
    again = await bot.click(
        submit,
        outcome="Mindre avvikelse",
        checked="10",
        deviations="1",
        observations="Min iakttagelse",
    )
    text = card_text(again)
    assert "Beskriv åtgärden" in text and "Ange vem som ansvarar" in text
    assert await bot.services.journal.count_pending() == 0
    # The same card (same nonce) now goes through.
    receipt = await bot.click(submit, **DEVIATION)
    assert "Svaret är sparat" in card_text(receipt)


async def test_missing_outcome_is_refused(bot: BotClient) -> None:
    card = await open_card(bot, "1")
    again = await bot.click(find_action(card, "Spara svar"), observations="Utan bedömning")
    assert "Välj en bedömning" in card_text(again)


async def test_action_submit_from_older_clients(bot: BotClient) -> None:
    [listed] = cards_of(await bot.say("mina kontroller"))
    open_data = find_actions(listed, "Svara")[0]
    [card] = cards_of(await bot.submit(open_data))
    [receipt] = cards_of(await bot.submit(find_action(card, "Spara svar"), **GOOD))
    assert "Svaret är sparat" in card_text(receipt)
    await bot.drain()
    assert len(answers_in(bot.services.settings.workbook / "ks.xlsx")) == 1


async def test_someone_elses_control_is_refused_and_nothing_changes(bot: BotClient) -> None:
    card = await open_card(bot, "1", MARIA)
    assert "tilldelat någon annan" in card_text(card)
    alex_card = await open_card(bot, "1", ALEX)
    stolen = await bot.click(find_action(alex_card, "Spara svar"), MARIA, **GOOD)
    assert "tilldelat någon annan" in card_text(stolen)
    assert await bot.services.journal.count_pending() == 0
    await bot.drain()
    assert answers_in(bot.services.settings.workbook / "ks.xlsx") == []


async def test_strategist_may_answer_any_control(bot: BotClient) -> None:
    receipt = await answer(bot, "4", GOOD, STRATEGIST)
    assert "Svaret är sparat" in card_text(receipt)
    await bot.drain()
    [row] = answers_in(bot.services.settings.workbook / "ks.xlsx")
    assert row["ID"] == "4" and row["Besvarad av"] == STRATEGIST.email


async def test_answering_twice_updates_one_row_and_keeps_history(bot: BotClient) -> None:
    await answer(bot, "1", GOOD)
    await bot.drain()
    second = await answer(bot, "1", DEVIATION)
    assert "Mindre avvikelse" in card_text(second)
    await bot.drain()
    rows = answers_in(bot.services.settings.workbook / "ks.xlsx")
    assert [(r["ID"], r["Bedömning"]) for r in rows] == [("1", "Mindre avvikelse")]
    history = await bot.services.journal.history(ControlKey("ks.xlsx", "1"), 2026, Period.YEAR)
    assert [a.outcome for a in history] == ["Ingen avvikelse", "Mindre avvikelse"]


async def test_change_answer_prefills_the_card(bot: BotClient) -> None:
    receipt = await answer(bot, "1", DEVIATION)
    _, card = await bot.click_on(find_action(receipt, "Ändra svar"))
    assert "2 av 10 fakturor saknar mottagningsattestant." in card_text(card)


async def test_double_click_saves_one_answer(bot: BotClient) -> None:
    card = await open_card(bot, "1")
    submit = find_action(card, "Spara svar")
    first, second = await asyncio.gather(bot.click(submit, **GOOD), bot.click(submit, **GOOD))
    assert "Svaret är sparat" in card_text(first) and "Svaret är sparat" in card_text(second)
    history = await bot.services.journal.history(ControlKey("ks.xlsx", "1"), 2026, Period.YEAR)
    assert len(history) == 1


async def test_two_users_answer_at_once_into_one_workbook(bot: BotClient) -> None:
    alex_card, maria_card = await asyncio.gather(open_card(bot, "2"), open_card(bot, "4", MARIA))
    await asyncio.gather(
        bot.click(find_action(alex_card, "Spara svar"), ALEX, **GOOD),
        bot.click(find_action(maria_card, "Spara svar"), MARIA, **DEVIATION),
    )
    await bot.drain()
    rows = answers_in(bot.services.settings.workbook / "ks.xlsx")
    assert sorted((r["ID"], r["Besvarad av"]) for r in rows) == [
        ("2", ALEX.email),
        ("4", MARIA.email),
    ]


async def test_locked_workbook_delays_but_loses_nothing(bot: BotClient) -> None:
    workbook = bot.services.settings.workbook / "ks.xlsx"
    lock = workbook.parent / "~$ks.xlsx"
    lock.write_text("someone has it open")
    receipt = await answer(bot, "1", GOOD)
    assert "Skrivs till Excel inom kort" in card_text(receipt)
    await bot.drain()
    assert answers_in(workbook) == []
    assert await bot.services.journal.count_pending() == 1
    [listed] = cards_of(await bot.say("mina kontroller"))
    assert "Väntar på att skrivas till Excel" in card_text(listed)
    lock.unlink()
    for _ in range(100):  # the writer retries by itself after a short backoff
        if not await bot.services.journal.count_pending():
            break
        await asyncio.sleep(0.05)
    assert [r["ID"] for r in answers_in(workbook)] == ["1"]


async def test_restart_between_acknowledgement_and_write_loses_nothing(
    start: BotFactory, tmp_path: Path
) -> None:
    first = await start()
    await first.services.writer.stop()  # the process dies before its writer runs
    receipt = await answer(first, "1", DEVIATION)
    assert "Svaret är sparat" in card_text(receipt)
    workbook = first.services.settings.workbook / "ks.xlsx"
    assert answers_in(workbook) == []
    second = await start()  # same data dir: the journal is read back
    for _ in range(100):
        if not await second.services.journal.count_pending():
            break
        await asyncio.sleep(0.05)
    [row] = answers_in(workbook)
    assert row["Bedömning"] == "Mindre avvikelse" and row["Åtgärdsansvarig"] == "Ekonomichefen"


async def test_formula_injection_is_stored_as_text(bot: BotClient) -> None:
    hostile = {
        **DEVIATION,
        "observations": '=HYPERLINK("http://evil.example","klicka")',
        "action_owner": "@SUM(A1)",
        "analysis": "+1+1",
    }
    await answer(bot, "1", hostile)
    await bot.drain()
    book = openpyxl.load_workbook(bot.services.settings.workbook / "ks.xlsx")
    for row in book["Uppföljning"].iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.value


async def test_late_answers_are_accepted(start: BotFactory) -> None:
    bot = await start(today=date(2027, 2, 1))  # due 14 januari, closes 13 februari
    receipt = await answer(bot, "1", GOOD)
    assert "Svaret är sparat" in card_text(receipt)


async def test_closed_period_is_refused(start: BotFactory) -> None:
    bot = await start(today=date(2027, 3, 1))
    card = await open_card(bot, "1")
    assert "stängd för svar" in card_text(card)


async def test_next_control_opens_the_next_unanswered(bot: BotClient) -> None:
    receipt = await answer(bot, "1", GOOD)
    _, card = await bot.click_on(find_action(receipt, "Nästa kontroll"))
    assert "Feltoleranstest av datanätverket" in card_text(card)


async def test_malformed_card_data_gets_a_message_not_a_crash(bot: BotClient) -> None:
    card = await bot.click(
        {
            "verb": "submit",
            "plan": "ks.xlsx",
            "control": "1",
            "year": "tjugo",
            "period": "YEAR",
            "nonce": "x",
        }
    )
    assert "känner igen" in card_text(card)
    status, body = await bot.post({**(await _invoke_base(bot)), "value": "garbage"})
    assert status == 200 and "känner igen" in card_text(body["value"])
    [reply] = cards_of(await bot.submit({"verb": "nonsense", "outcome": {"a": 1}}))
    assert "känner igen" in card_text(reply)


async def test_hostile_input_types_are_refused_not_crashing(bot: BotClient) -> None:
    card = await open_card(bot, "1")
    again = await bot.click(
        find_action(card, "Spara svar"),
        outcome=["Ingen avvikelse"],
        checked={"n": 1},
        observations="x" * 5000,
    )
    text = card_text(again)
    assert "Svaret är inte sparat" in text and "Högst 4 000 tecken (du skrev 5 000)" in text
    assert await bot.services.journal.count_pending() == 0


async def test_unknown_user_gets_a_clear_message(bot: BotClient) -> None:
    bot.connector.fail_lookups = True
    [reply] = await bot.say("mina kontroller", MARIA)
    assert "vem du är" in reply["text"]


async def test_plan_with_title_rows_synonyms_blank_and_malformed_rows(
    start: BotFactory, tmp_path: Path
) -> None:
    folder = tmp_path / "odd"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Blad1"
    sheet.append(["Internkontrollplan 2026 – Socialnämnden"])
    sheet.append([])
    sheet.append(
        [
            "Nr",
            "Förvaltning",
            "Risker",
            "Riskbedömning",
            "Kontroll",
            "Tidpunkt",
            "Ansvarig e-post",
            "Kommentar",
        ]
    )
    sheet.append(
        [
            1,
            "Socialförvaltningen",
            "Fel belopp",
            "6. Lindrig",
            "Rätt belopp utbetalt",
            "Helår",
            "ALEXW@example.com ",
            "x",
        ]
    )
    sheet.append([])
    sheet.append([2, "Socialförvaltningen", "Risk", "8", "Saknar ansvarig", "Helår", None, ""])
    sheet.append(
        [
            3,
            "Socialförvaltningen",
            "Risk",
            "8",
            "Konstig period",
            "Kvartal 3",
            "alexw@example.com",
            "",
        ]
    )
    folder.mkdir()
    book.save(folder / "soc.xlsx")
    bot = await start(folder)
    [card] = cards_of(await bot.say("mina kontroller"))
    text = card_text(card)
    assert "Rätt belopp utbetalt" in text
    assert "Saknar ansvarig" not in text and "Konstig period" not in text


async def _invoke_base(bot: BotClient) -> dict[str, Any]:
    from tests.fakes import activities

    return activities.execute({"verb": "list"}, ALEX, bot.service_url, "conv-x")


# --- hostile and unbounded input: a field error and a bounded card, never an error card ----

CARD_LIMIT = 28 * 1024
TEXT_FIELDS = ("observations", "analysis", "action_text", "action_owner")


def _bytes(card: dict[str, Any]) -> int:
    return len(json.dumps(card, ensure_ascii=False).encode())


async def _reply_card(bot: BotClient, how: str, data: dict[str, Any], **inputs: Any) -> dict:
    """Press a button by Action.Execute (invoke) or Action.Submit (message); the one card
    the bot answers with, checked against the schema and the size limit."""
    if how == "execute":
        card = await bot.click(data, **inputs)
    else:
        [card] = cards_of(await bot.submit(data, **inputs))
    assert _bytes(card) <= CARD_LIMIT
    return card


async def _nothing_journalled(bot: BotClient) -> None:
    assert await bot.services.journal.count_pending() == 0
    assert await bot.services.journal.history(ControlKey("ks.xlsx", "1"), 2026, Period.YEAR) == []


@pytest.mark.parametrize("how", ["execute", "submit"])
@pytest.mark.parametrize("field", TEXT_FIELDS)
async def test_a_huge_text_is_refused_with_its_length_and_the_card_stays_small(
    bot: BotClient, how: str, field: str
) -> None:
    submit = find_action(await open_card(bot, "1"), "Spara svar")
    huge = "En text utan slut. " * 10_000  # 190 KB: the app takes requests of up to 256 KB
    card = await _reply_card(bot, how, submit, **{**DEVIATION, field: huge})
    limit = {"observations": "4 000", "analysis": "4 000", "action_text": "2 000"}.get(field, "200")
    text = card_text(card)
    # Free text is counted as typed; a name or a choice without its surrounding blanks.
    typed = huge if field in ("observations", "analysis", "action_text") else huge.strip()
    assert f"Högst {limit} tecken (du skrev {len(typed):,})".replace(",", " ") in text
    assert "Svaret är inte sparat" in text
    found = inputs(card)
    # As much of the text as the card holds in its field (never cut at the limit: a text a
    # little over it comes back whole), and every other input kept as typed.
    assert huge.startswith(found[field]["value"]) and len(found[field]["value"]) <= ECHO_BUDGET
    assert "Här visas bara de första" in text
    for other in TEXT_FIELDS:
        if other != field:
            assert found[other]["value"] == DEVIATION[other]
    assert found["outcome"]["value"] == DEVIATION["outcome"]
    assert found["action_due"]["value"] == DEVIATION["action_due"]
    await _nothing_journalled(bot)


UNSTORABLE = {"lone surrogate": "\ud800", "NUL": "\x00", "escape": "\x1b", "U+FFFF": "\uffff"}


@pytest.mark.parametrize("how", ["execute", "submit"])
@pytest.mark.parametrize("bad", list(UNSTORABLE.values()), ids=list(UNSTORABLE))
@pytest.mark.parametrize("field", TEXT_FIELDS)
async def test_text_that_cannot_be_stored_gets_a_field_error_and_keeps_the_rest(
    bot: BotClient, how: str, bad: str, field: str
) -> None:
    submit = find_action(await open_card(bot, "1"), "Spara svar")
    card = await _reply_card(bot, how, submit, **{**DEVIATION, field: f"hej {bad} då"})
    text = card_text(card)
    assert "Något gick fel" not in text
    found = inputs(card)
    assert found[field]["errorMessage"] == (
        "Texten innehåller ett tecken som inte kan sparas (tecken nr 5, visas som �). "
        "Ta bort det och spara igen."
    )
    assert found[field]["value"] == "hej � då"
    for other in TEXT_FIELDS:
        if other != field:
            assert found[other]["value"] == DEVIATION[other]
            assert "errorMessage" not in found[other]
    assert found["checked"]["value"] == 10 and found["action_due"]["value"] == "2027-03-31"
    await _nothing_journalled(bot)
    # Corrected on the same card, it is saved exactly as typed.
    receipt = await _reply_card(bot, how, submit, **{**DEVIATION, field: "hej då"})
    assert "Svaret är sparat" in card_text(receipt)
    await bot.drain()
    [row] = answers_in(bot.services.settings.workbook / "ks.xlsx")
    column = {
        "observations": "Iakttagelser",
        "analysis": "Analys",
        "action_text": "Åtgärd",
        "action_owner": "Åtgärdsansvarig",
    }[field]
    assert row[column] == "hej då"


@pytest.mark.parametrize("how", ["execute", "submit"])
async def test_hostile_numbers_dates_and_outcomes_are_previewed_not_echoed_whole(
    bot: BotClient, how: str
) -> None:
    submit = find_action(await open_card(bot, "1"), "Spara svar")
    huge = "9,5" * 25_000  # three of them stay under the 256 kB a request may carry
    card = await _reply_card(
        bot, how, submit, outcome=huge, checked=huge, deviations="\ud800", action_due=huge
    )
    previews = [t for t in texts(card) if t.startswith("Du skrev")]
    assert len(previews) == 4 and all(len(p) < 120 for p in previews)
    assert "Du skrev: ”�”" in previews
    await _nothing_journalled(bot)


@pytest.mark.parametrize("how", ["execute", "submit"])
async def test_huge_ids_verbs_and_unknown_keys_get_a_short_answer(bot: BotClient, how: str) -> None:
    huge = "x" * 60_000  # three of them stay under the 256 kB a request may carry
    for data in (
        {"verb": huge},
        {"verb": "list", huge: huge, "extra": [huge]},
        {"verb": "open", "plan": huge, "control": huge, "year": 2026, "period": "YEAR"},
        {"verb": "status", "year": 2026, "period": "YEAR", "namnd": huge},
        {"verb": "open", "plan": "ks.xlsx", "control": "\ud800", "year": 2026, "period": "YEAR"},
    ):
        card = await _reply_card(bot, how, data)
        assert _bytes(card) < 4_000, data.get("verb", "")[:10]
        assert "Något gick fel" not in card_text(card)
        assert huge[:1000] not in json.dumps(card)


@pytest.mark.parametrize("person", [ALEX, STRATEGIST], ids=["ansvarig", "strateg"])
@pytest.mark.parametrize(
    "namnd", ["Ö" * 30_000, "hej \ud800 då", "\x00"], ids=["huge", "surrogate", "NUL"]
)
async def test_a_typed_status_for_any_namnd_gets_a_bounded_card(
    bot: BotClient, person, namnd: str
) -> None:
    [reply] = await bot.say(f"status helår {namnd}", person)
    [card] = cards_of([reply])
    assert _bytes(card) <= CARD_LIMIT
    assert "Något gick fel" not in card_text(card)
    # Its buttons still work: they carry a nämnd the card models accept.
    for data in find_actions(card, "Visa obesvarade") + find_actions(
        card, "Skriv sammanställning till Excel"
    ):
        again = await bot.click(data, person)
        assert "känner igen" not in card_text(again) and "Något gick fel" not in card_text(again)
