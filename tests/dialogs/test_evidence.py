"""Underlag: files attached in the personal chat (Teams' download URLs, served by the fake
channel) and pasted links go beside the workbook — SharePoint through the fake Graph's
upload, or a folder beside the local workbook — and into the Underlag column (both
backends, both store engines)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.databases import both_engines
from tests.dialogs.test_answering import GOOD, answers_in
from tests.dialogs.test_conflict import open_first, versions
from tests.dialogs.test_receipts import written_out
from tests.dialogs.trust_world import World
from tests.fakes import activities
from tests.fakes.connector import Person
from tests.fakes.harness import ALEX, MARIA, card_text, cards_of, find_action
from tests.graph.conftest import FOLDER

pytestmark = both_engines

PDF = b"%PDF-1.4 Stickprovslista: 20 fakturor\n"
FILE_TYPE = "application/vnd.microsoft.teams.file.download.info"


async def send_files(
    world: World, names: dict[str, bytes], person: Person = ALEX, *, text: str = ""
) -> dict[str, Any]:
    """Attach files to a message in the personal chat; the card the bot answers with."""
    bot = world.bot
    attachments = []
    for name, data in names.items():
        bot.connector.files[name] = data
        attachments.append(
            {
                "contentType": FILE_TYPE,
                "name": name,
                "content": {
                    "downloadUrl": f"{bot.service_url}files/{name}",
                    "uniqueId": name,
                    "fileType": name.rsplit(".", 1)[-1],
                },
            }
        )
    activity = activities.message(text, person, bot.service_url, f"conv-{person.id}")
    activity["attachments"] = attachments
    before = len(bot.connector.sent)
    status, _ = await bot.post(activity)
    assert status in (200, 202)
    [card] = cards_of([m for m in bot.connector.sent[before:] if m["type"] == "message"])
    return card


def stored_beside(world: World, name: str) -> Path:
    """Where the file is kept: Underlag/2026/Helår/1/ beside the workbook."""
    return world.workbook.parent / "Underlag" / "2026" / "Helår" / "1" / name


async def test_a_file_goes_beside_the_workbook_and_into_the_underlag_column(
    world: World,
) -> None:
    card = await open_first(world.bot)
    reply = await send_files(world, {"stickprov.pdf": PDF})
    assert "Bifogat nu: stickprov.pdf" in card_text(reply)
    assert "när du sparar svaret" in card_text(reply)
    assert stored_beside(world, "stickprov.pdf").read_bytes() == PDF
    if world.fake is not None:
        assert world.fake.uploads.uploaded == [
            (f"{FOLDER}/Underlag/2026/Helår/1/stickprov.pdf", len(PDF))
        ]
    await world.bot.click(find_action(card, "Spara svar"), **GOOD)
    await written_out(world)
    [row] = answers_in(world.workbook)
    assert "stickprov.pdf" in row["Underlag"]
    if world.fake is not None:
        assert row["Underlag"].startswith("https://kommun.sharepoint.com/")
    else:
        assert row["Underlag"] == stored_beside(world, "stickprov.pdf").resolve().as_uri()


async def test_underlag_after_the_answer_updates_its_row(world: World) -> None:
    card = await open_first(world.bot)
    await world.bot.click(find_action(card, "Spara svar"), **GOOD)
    await written_out(world)
    reply = await send_files(world, {"lista.xlsx": b"PK-excel"})
    assert "kolumnen Underlag" in card_text(reply)
    link = "https://kommun.sharepoint.com/sites/Internkontroll/Delade%20dokument/rutin.pdf"
    bot = world.bot
    await bot.post(activities.message(link, ALEX, bot.service_url, f"conv-{ALEX.id}"))
    await written_out(world)
    [row] = answers_in(world.workbook)
    assert "lista.xlsx" in row["Underlag"] and link in row["Underlag"]
    assert row["Bedömning"] == "Ingen avvikelse"
    assert len(await versions(world)) == 3  # the answer, then each underlag as a version


async def test_wrong_types_and_sizes_get_a_swedish_message_and_nothing_is_kept(
    world: World,
) -> None:
    await open_first(world.bot)
    reply = await send_files(world, {"program.exe": b"MZ", "bilaga.pdf": PDF})
    text = card_text(reply)
    assert "program.exe: den filtypen tar jag inte emot" in text
    assert "Bifogat nu: bilaga.pdf" in text
    assert not stored_beside(world, "program.exe").exists()
    big = b"x" * (25 * 1024 * 1024 + 1)
    reply = await send_files(world, {"stor.pdf": big})
    assert "stor.pdf: filen är för stor" in card_text(reply)
    assert not stored_beside(world, "stor.pdf").exists()


async def test_without_an_open_card_nothing_is_attached(world: World) -> None:
    reply = await send_files(world, {"stickprov.pdf": PDF})
    assert "Öppna kontrollmomentet" in card_text(reply)
    assert not stored_beside(world, "stickprov.pdf").exists()


async def test_never_one_persons_file_on_anothers_control(world: World) -> None:
    await open_first(world.bot)  # Alex has control 1 open
    reply = await send_files(world, {"maria.pdf": PDF}, MARIA)  # Maria has nothing open
    assert "Öppna kontrollmomentet" in card_text(reply)
    # Maria opens her own control: her file goes there, not to Alex's.
    [listed] = cards_of(await world.bot.say("mina kontroller", MARIA))
    await world.bot.click(find_action(listed, "Svara"), MARIA)
    reply = await send_files(world, {"maria.pdf": PDF}, MARIA)
    assert "Kontrollmoment 4" in card_text(reply)
    assert not stored_beside(world, "maria.pdf").exists()
    assert (world.workbook.parent / "Underlag" / "2026" / "Helår" / "4" / "maria.pdf").exists()


async def test_a_file_sent_with_a_command_as_its_text_is_attached_all_the_same(
    world: World,
) -> None:
    await open_first(world.bot)
    for text, name in (("tack", "tack.pdf"), ("mina kontroller", "lista.pdf")):
        reply = await send_files(world, {name: PDF}, text=text)
        assert f"Bifogat nu: {name}" in card_text(reply)
        assert stored_beside(world, name).read_bytes() == PDF
