"""`ikbot manifest`: the Teams app package, checked against Microsoft's official schema."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from dialogs.commands import Command, parse_command
from manifest.package import (
    MANIFEST_DIR,
    MANIFEST_VERSION,
    AppPackageError,
    fill,
    package_files,
    package_options,
    referenced_files,
    valid_domain,
)
from tests.fakes.manifest_schema import assert_valid

APP = "2f1c6b9e-0d4a-4c1e-9b7a-3e5d8f6a1b2c"
BOT = "8d3e2a41-5b6c-4f70-9a81-b2c3d4e5f607"
CLIENT_ID = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID"
FULL = [
    "--app-id", APP.upper(),
    "--bot-id", BOT,
    "--domain", "Bot.Lindesberg.se",
    "--version", "2.3.4",
    "--developer-name", 'Lindesbergs "kommun"',
    "--website-url", "https://www.lindesberg.se",
    "--privacy-url", "https://www.lindesberg.se/personuppgifter",
    "--terms-url", "https://www.lindesberg.se/villkor",
]  # fmt: skip


@pytest.fixture(autouse=True)
def no_configured_bot(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test says itself whether the bot's client id is configured."""
    monkeypatch.delenv(CLIENT_ID, raising=False)


def unzip(path: Path) -> dict[str, bytes]:
    """The zip's files by name, in the zip's order."""
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def build(tmp_path: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[Path, str]:
    """Run `ikbot manifest` with the arguments; the zip it wrote and what it printed."""
    out = tmp_path / "dist"
    assert main(["manifest", *args, "--out", str(out)]) == 0
    [zip_path] = out.iterdir()
    return zip_path, capsys.readouterr().out


def test_package_validates_against_the_official_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, out = build(tmp_path, *FULL, capsys=capsys)
    assert path.name == "internkontroll-2.3.4.zip"
    files = unzip(path)
    assert list(files) == ["manifest.json", "color.png", "outline.png", "en.json"]
    manifest = json.loads(files["manifest.json"])
    assert manifest["manifestVersion"] == MANIFEST_VERSION
    assert_valid(manifest, MANIFEST_VERSION)
    assert_valid(json.loads(files["en.json"]), MANIFEST_VERSION, "Localization")
    # The bot speaks only Swedish: so does the app package, unless Teams is in English.
    assert manifest["localizationInfo"]["defaultLanguageTag"] == "sv"

    assert (manifest["id"], manifest["version"]) == (APP, "2.3.4")
    assert manifest["developer"] == {
        "name": 'Lindesbergs "kommun"',
        "websiteUrl": "https://www.lindesberg.se",
        "privacyUrl": "https://www.lindesberg.se/personuppgifter",
        "termsOfUseUrl": "https://www.lindesberg.se/villkor",
    }
    assert manifest["validDomains"] == ["bot.lindesberg.se"]
    [bot] = manifest["bots"]
    assert bot["botId"] == BOT
    # Group chats behave like channels: answered only when mentioned, cards sent 1:1.
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    # Files attached to an answer (underlag) in the personal chat.
    assert bot["supportsFiles"] is True
    # Minimal permissions: no user identity, no resource-specific consent, no SSO. The app
    # names its Entra app (webApplicationInfo, id only): Graph's proactive installation
    # for people who never opened the bot requires it.
    assert not {"permissions", "authorization"} & set(manifest)
    assert manifest["webApplicationInfo"] == {"id": BOT}
    for name in ("color.png", "outline.png"):
        assert files[name] == (MANIFEST_DIR / name).read_bytes()
    for text in (str(path), "Hantera appar", "Ladda upp", BOT, "--bot-id"):
        assert text in out


def _at(document: Any, key: str) -> Any:
    """The value a localization key names: `bots[0].commandLists[0].commands[1].title`."""
    for part in key.split("."):
        match = re.fullmatch(r"(\w+)(?:\[(\d+)\])?", part)
        assert match, key
        name, index = match.groups()
        document = document[name] if index is None else document[name][int(index)]
    return document


def test_english_strings_cover_what_a_user_reads() -> None:
    files = package_files(package_options(app_id=APP, domain="bot.kommun.se"))
    manifest, english = json.loads(files["manifest.json"]), json.loads(files["en.json"])
    [language] = manifest["localizationInfo"]["additionalLanguages"]
    assert language == {"languageTag": "en", "file": "en.json"}
    keys = [k for k in english if k != "$schema"]
    assert {"name.short", "name.full", "description.short", "description.full"} <= set(keys)
    for key in keys:
        swedish = _at(manifest, key)  # raises if the key names nothing in the manifest
        if key.endswith(".title") or key == "name.short":
            assert english[key] == swedish  # what the user types is Swedish in both
        else:
            assert english[key] != swedish, key
    assert "Svara på dina kontrollmoment" in manifest["description"]["short"]
    commands = manifest["bots"][0]["commandLists"][0]["commands"]
    assert [c["title"] for c in commands] == ["mina kontroller", "status helår", "hjälp"]
    assert all(f"bots[0].commandLists[0].commands[{i}].description" in english for i in range(3))
    # Every listed command is one the bot understands.
    assert [parse_command(c["title"]) for c in commands] == [
        Command.LIST,
        Command.STATUS,
        Command.HELP,
    ]


def test_defaults_with_only_an_app_id_and_a_domain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, out = build(tmp_path, "--app-id", APP, "--domain", "bot.kommun.se", capsys=capsys)
    assert path.name == "internkontroll-1.0.0.zip"
    manifest = json.loads(unzip(path)["manifest.json"])
    assert_valid(manifest, MANIFEST_VERSION)
    assert manifest["bots"][0]["botId"] == APP and manifest["version"] == "1.0.0"
    assert manifest["developer"] == {
        "name": "bot.kommun.se",
        "websiteUrl": "https://bot.kommun.se/",
        "privacyUrl": "https://bot.kommun.se/",
        "termsOfUseUrl": "https://bot.kommun.se/",
    }
    assert "samma som app-id" in out and "--privacy-url" in out


def test_bot_id_comes_from_the_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(CLIENT_ID, f" {BOT.upper()} ")
    monkeypatch.delenv("IKBOT_WORKBOOK", raising=False)  # works without a workbook
    path, out = build(
        tmp_path, "--app-id", APP, "--website-url", "https://www.kommun.se", capsys=capsys
    )
    manifest = json.loads(unzip(path)["manifest.json"])
    assert_valid(manifest, MANIFEST_VERSION)
    assert manifest["bots"][0]["botId"] == BOT
    assert manifest["validDomains"] == []  # no --domain: nothing to list
    assert manifest["developer"]["name"] == "kommun.se"
    assert CLIENT_ID in out
    # An explicit --bot-id wins over the configuration.
    other = "11111111-2222-4333-8444-555555555555"
    path, _ = build(tmp_path / "2", "--app-id", APP, "--bot-id", other, "--domain", "b.se",
                    capsys=capsys)  # fmt: skip
    assert json.loads(unzip(path)["manifest.json"])["bots"][0]["botId"] == other


def test_the_same_input_gives_the_same_bytes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, _ = build(tmp_path / "a", *FULL, capsys=capsys)
    second, _ = build(tmp_path / "b", *FULL, capsys=capsys)
    assert first.read_bytes() == second.read_bytes()
    # Building again into the same folder replaces the package and leaves nothing else.
    again, _ = build(tmp_path / "a", *FULL, capsys=capsys)
    assert again == first and [p.name for p in again.parent.iterdir()] == [again.name]


OK_URL = ["--website-url", "https://www.kommun.se"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Ange --app-id"),
        (["--app-id", " ", *OK_URL], "Ange --app-id"),
        (["--app-id", "inte-ett-guid", *OK_URL], "--app-id måste vara ett GUID"),
        (["--app-id", "{" + APP + "}", *OK_URL], "--app-id måste vara ett GUID"),
        (["--app-id", APP.replace("-", ""), *OK_URL], "--app-id måste vara ett GUID"),
        (["--app-id", "00000000-0000-0000-0000-000000000000", *OK_URL], "bara nollor"),
        (["--app-id", APP, "--bot-id", "123", *OK_URL], "--bot-id måste vara ett GUID"),
        (["--app-id", APP, "--version", "1.0", *OK_URL], "--version måste vara tre tal"),
        (["--app-id", APP, "--version", "v1.0.0", *OK_URL], "--version måste vara tre tal"),
        (["--app-id", APP, "--version", "1.0.0-beta", *OK_URL], "--version måste vara tre tal"),
        (["--app-id", APP, "--version", "01.0.0", *OK_URL], "--version måste vara tre tal"),
        (["--app-id", APP, "--version", "1.٣.0", *OK_URL], "--version måste vara tre tal"),
        (["--app-id", APP], "Ange --website-url"),
        (["--app-id", APP, "--domain", "*.kommun.se"], "Ange --website-url"),
        (["--app-id", APP, "--website-url", "http://www.kommun.se"], "https-adress"),
        (["--app-id", APP, "--website-url", "www.kommun.se"], "https-adress"),
        (["--app-id", APP, "--website-url", "https://"], "https-adress"),
        (["--app-id", APP, "--website-url", "https://www.kom mun.se"], "https-adress"),
        (["--app-id", APP, "--website-url", "https://[::1"], "https-adress"),
        (["--app-id", APP, "--website-url", "https://kommun"], "inget giltigt värdnamn"),
        (["--app-id", APP, *OK_URL, "--privacy-url", "ftp://kommun.se/p"], "--privacy-url"),
        (["--app-id", APP, *OK_URL, "--terms-url", "https://-x.se/"], "--terms-url"),
        (["--app-id", APP, "--domain", "https://bot.kommun.se/api/messages"], "bara botens"),
        (["--app-id", APP, "--domain", "bot.kommun.se:443"], "bara botens"),
        (["--app-id", APP, "--domain", "bot kommun.se"], "inget giltigt värdnamn"),
        (["--app-id", APP, "--domain", "se"], "inget giltigt värdnamn"),
        (["--app-id", APP, *OK_URL, "--developer-name", "x" * 33], "högst 32 tecken"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    out = tmp_path / "dist"
    assert main(["manifest", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Inget skrevs." in err
    assert not out.exists()


def test_a_bad_configured_client_id_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(CLIENT_ID, "min-bot")
    assert main(["manifest", "--app-id", APP, *OK_URL, "--out", str(tmp_path / "d")]) == 2
    assert "klient-id i konfigurationen måste vara ett GUID" in capsys.readouterr().err
    assert not (tmp_path / "d").exists()


def test_an_unwritable_out_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "fil.txt"
    blocker.write_text("orörd", encoding="utf-8")
    args = ["manifest", "--app-id", APP, *OK_URL, "--out"]
    assert main([*args, str(blocker)]) == 2
    assert "finns redan och är ingen mapp" in capsys.readouterr().err
    assert main([*args, str(blocker / "under" / "dist")]) == 2
    assert "kan inte skriva" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["fil.txt"]
    assert blocker.read_text(encoding="utf-8") == "orörd"


def test_fill_replaces_values_not_json_text() -> None:
    template = {
        "name": "${{NAME}}",
        "url": "https://${{HOST}}/x",
        "domains": ["${{DOMAIN}}", "fixed.se"],
        "count": 3,
        "flag": False,
    }
    values = {"NAME": 'A "quoted" \\ name', "HOST": "kommun.se", "DOMAIN": None}
    assert fill(template, values) == {
        "name": 'A "quoted" \\ name',
        "url": "https://kommun.se/x",
        "domains": ["fixed.se"],
        "count": 3,
        "flag": False,
    }
    with pytest.raises(AppPackageError, match="UNKNOWN"):
        fill({"x": "${{UNKNOWN}}"}, values)
    with pytest.raises(AppPackageError, match="DOMAIN"):
        fill({"x": "https://${{DOMAIN}}/"}, values)  # None only removes a whole list item


def test_the_template_uses_exactly_the_options_placeholders() -> None:
    options = package_options(app_id=APP, domain="bot.kommun.se")
    used: set[str] = set()
    for path in MANIFEST_DIR.glob("*.json"):
        used |= set(re.findall(r"\$\{\{([A-Z_]+)\}\}", path.read_text(encoding="utf-8")))
    assert used == set(options.placeholders())


def test_files_outside_the_package_root_are_refused(tmp_path: Path) -> None:
    assert referenced_files({"icons": {"color": "c.png", "outline": "o.png"}}) == [
        "c.png",
        "o.png",
    ]
    with pytest.raises(AppPackageError, match="paketets rot"):
        referenced_files({"icons": {"color": "../c.png"}})
    with pytest.raises(AppPackageError, match="Hittar inte"):
        package_files(package_options(app_id=APP, domain="b.se"), source=tmp_path)


def test_domains_are_normalised() -> None:
    assert valid_domain(" Bot.Kommun.SE. ") == "bot.kommun.se"
    assert valid_domain("*.kommun.se") == "*.kommun.se"
    international = valid_domain("bot.håbo.se")
    assert international.isascii() and international.startswith("bot.xn--")
