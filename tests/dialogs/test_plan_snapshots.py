"""Per-turn lookups go through indices built once per plan snapshot: what a turn shows
follows the workbook as it is now — a plan edited in Excel, answers written into the
workbook by someone else — and a status follows every new answer."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.domain.model import Answer, Period
from graph.excel_local import LocalSource
from tests.conftest import BotFactory
from tests.dialogs.test_answering import GOOD, answer
from tests.fakes.harness import (
    ALEX,
    MARIA,
    STRATEGIST,
    BotClient,
    card_text,
    cards_of,
    find_actions,
    plan_row,
    write_plan,
)

ONE = "En fil från slumpmässigt valt system återläses"
THREE = "Att kommunchefen inte har attesterat egna ersättningar"
NEW = "Nyckelkvittenser stäms av mot nyckelregistret"


def _plan(folder: Path, *, edited: bool) -> Path:
    rows = [
        plan_row("1", ALEX.email, text=ONE),
        plan_row("3", MARIA.email if edited else ALEX.email, text=THREE),
    ]
    if edited:
        rows.append(plan_row("6", ALEX.email, text=NEW))
    return write_plan(folder / "ks.xlsx", rows, title="Internkontrollplan 2026")


async def _listed(bot: BotClient, person=ALEX) -> str:
    [card] = cards_of(await bot.say("mina kontroller", person))
    return card_text(card)


async def _started(start: BotFactory, folder: Path) -> BotClient:
    # Revalidated on every turn, so the test needs no wait for the file's change to show.
    return await start(folder, source=LocalSource(folder, revalidate_after=0))


async def test_a_plan_edited_in_excel_shows_on_the_next_turn(
    start: BotFactory, tmp_path: Path
) -> None:
    folder = tmp_path / "plans"
    _plan(folder, edited=False)
    bot = await _started(start, folder)
    before = await _listed(bot)
    assert ONE in before and THREE in before and NEW not in before
    assert THREE not in await _listed(bot, MARIA)

    _plan(folder, edited=True)  # control 3 now Maria's, control 6 new for Alex
    after = await _listed(bot)
    assert ONE in after and NEW in after and THREE not in after
    assert THREE in await _listed(bot, MARIA)
    # The new control opens, and the one given away no longer does for Alex.
    [card] = cards_of(await bot.say("mina kontroller"))
    assert len(find_actions(card, "Svara")) == 2


async def test_answers_written_into_the_workbook_by_another_writer_show(
    start: BotFactory, tmp_path: Path
) -> None:
    folder = tmp_path / "plans"
    _plan(folder, edited=False)
    bot = await _started(start, folder)
    assert "Besvarad" not in await _listed(bot)
    # Another process (another bot instance with its own store, or a tool) writes the
    # answer into the workbook; this bot's journal knows nothing of it.
    other = Answer(
        "svar-annan-instans",
        "ks.xlsx",
        "3",
        2026,
        Period.YEAR,
        "Mindre avvikelse",
        ALEX.email,
        datetime(2027, 1, 9, 10, 0, tzinfo=UTC),
        observations="Skrivet av en annan instans.",
    )
    await LocalSource(folder, in_process=True).workbook("ks.xlsx").write_answers([other])
    listed = await _listed(bot)
    assert "Besvarad" in listed and "Mindre avvikelse" in listed
    assert "Obesvarad" in listed  # control 1 is still open


async def test_status_follows_each_new_answer(start: BotFactory, tmp_path: Path) -> None:
    folder = tmp_path / "plans"
    _plan(folder, edited=False)
    bot = await _started(start, folder)
    [first] = cards_of(await bot.say("status helår", STRATEGIST))
    assert "0 av 2" in card_text(first)
    [again] = cards_of(await bot.say("status helår", STRATEGIST))  # unchanged: the same
    assert card_text(again) == card_text(first)

    await answer(bot, "1", GOOD)  # journalled, not yet in the workbook
    [pending] = cards_of(await bot.say("status helår", STRATEGIST))
    assert "1 av 2" in card_text(pending)
    await bot.drain()  # now in the workbook too: counted once
    [landed] = cards_of(await bot.say("status helår", STRATEGIST))
    assert "1 av 2" in card_text(landed)
    await answer(bot, "3", GOOD)
    [both] = cards_of(await bot.say("status helår", STRATEGIST))
    assert "2 av 2" in card_text(both)
