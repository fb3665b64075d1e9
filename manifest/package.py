r"""The Teams app package: fill the template in manifest/ and write the zip to upload.

The template is JSON with `${{NAME}}` placeholders (the convention of Microsoft's own Teams
tooling). Filling walks the parsed JSON and replaces string values, never JSON text, so a
quote in a developer name cannot break the manifest. Every file the manifest names (icons,
localization files) goes into the zip's root beside manifest.json.

Manifest version 1.22: it is the newest whose official JSON schema Python's `re` can
compile. From 1.23 on the schema has a `\\p{L}` pattern, which `re` rejects, so the package
could no longer be validated against its own schema in our tests with jsonschema.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

MANIFEST_DIR = Path(__file__).resolve().parent
MANIFEST_VERSION = "1.22"  # the template's manifestVersion; see the module docstring
DEFAULT_VERSION = "1.0.0"

_PLACEHOLDER = re.compile(r"\$\{\{([A-Z_]+)\}\}")
_GUID = re.compile(r"[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}")
_VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_NIL_GUID = "00000000-0000-0000-0000-000000000000"
_DEVELOPER_NAME_MAX = 32  # the schema's limit for developer.name
_URL_MAX = 2048
# Every zip entry gets this time, so the same input gives the same bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class AppPackageError(ValueError):
    """The package cannot be built as asked; the message says why (Swedish)."""


@dataclass(frozen=True, slots=True)
class PackageOptions:
    """Everything that varies between municipalities' packages, already checked."""

    app_id: str
    bot_id: str
    version: str
    domain: str | None
    developer_name: str
    website_url: str
    privacy_url: str
    terms_url: str

    def placeholders(self) -> dict[str, str | None]:
        """The template's placeholder values; None removes a list item (no domain)."""
        return {
            "APP_ID": self.app_id,
            "BOT_ID": self.bot_id,
            "APP_VERSION": self.version,
            "BOT_DOMAIN": self.domain,
            "DEVELOPER_NAME": self.developer_name,
            "WEBSITE_URL": self.website_url,
            "PRIVACY_URL": self.privacy_url,
            "TERMS_URL": self.terms_url,
        }

    @property
    def zip_name(self) -> str:
        """The package's file name, with the version an administrator compares on update."""
        return f"internkontroll-{self.version}.zip"


def package_options(
    *,
    app_id: str | None,
    bot_id: str | None = None,
    configured_bot_id: str = "",
    version: str | None = None,
    domain: str | None = None,
    developer_name: str | None = None,
    website_url: str | None = None,
    privacy_url: str | None = None,
    terms_url: str | None = None,
) -> PackageOptions:
    """Check the options and fill in defaults; raise AppPackageError on bad input.

    The bot id is the bot's Entra client id: given, else the configured one, else the app id.
    The developer's web site defaults to the bot's domain, privacy and terms to the web site.
    """
    if app_id is None or not app_id.strip():
        raise AppPackageError("Ange --app-id: Teams-appens id, ett GUID.")
    app = guid(app_id, "--app-id")
    if bot_id is not None:
        bot = guid(bot_id, "--bot-id")
    elif configured_bot_id.strip():
        bot = guid(configured_bot_id, "Botens klient-id i konfigurationen")
    else:
        bot = app
    host = valid_domain(domain) if domain is not None else None
    if website_url is not None:
        website = https_url(website_url, "--website-url")
    elif host is not None and not host.startswith("*."):
        website = f"https://{host}/"
    else:
        raise AppPackageError(
            "Ange --website-url (t.ex. kommunens webbplats) eller --domain (botens värdnamn), "
            "så att appen kan visa en webbplats för utgivaren."
        )
    name = (developer_name or "").strip() or _site_name(website)
    if len(name) > _DEVELOPER_NAME_MAX:
        raise AppPackageError(
            f"Utgivarens namn får vara högst {_DEVELOPER_NAME_MAX} tecken, inte {len(name)} "
            f"({name!r}); ange ett kortare med --developer-name."
        )
    return PackageOptions(
        app_id=app,
        bot_id=bot,
        version=app_version(version if version is not None else DEFAULT_VERSION),
        domain=host,
        developer_name=name,
        website_url=website,
        privacy_url=https_url(privacy_url, "--privacy-url") if privacy_url else website,
        terms_url=https_url(terms_url, "--terms-url") if terms_url else website,
    )


def guid(text: str, what: str) -> str:
    """A GUID in the form Teams expects (lower case, with hyphens)."""
    value = text.strip().lower()
    if not _GUID.fullmatch(value):
        raise AppPackageError(
            f"{what} måste vara ett GUID som 2f1c6b9e-0d4a-4c1e-9b7a-3e5d8f6a1b2c, inte {text!r}."
        )
    if value == _NIL_GUID:
        raise AppPackageError(f"{what} får inte vara bara nollor; ange appregistreringens id.")
    return value


def app_version(text: str) -> str:
    """A version of three numbers, as Teams requires (and raises to accept an update)."""
    value = text.strip()
    if not _VERSION.fullmatch(value):
        raise AppPackageError(
            f"--version måste vara tre tal med punkt emellan, t.ex. 1.0.0 eller 1.2.3, "
            f"inte {text!r}."
        )
    return value


def https_url(text: str, what: str) -> str:
    """An absolute https address (Teams shows it as a link on the app's page)."""
    value = text.strip()
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
    except ValueError:
        parts, host = None, ""
    if (
        parts is None
        or parts.scheme != "https"
        or not host
        or any(c.isspace() for c in value)
        or len(value) > _URL_MAX
    ):
        raise AppPackageError(
            f"{what} måste vara en fullständig https-adress, t.ex. "
            f"https://www.kommun.se/personuppgifter, inte {text!r}."
        )
    _hostname(host, what, text)
    return value


def valid_domain(text: str) -> str:
    """A host name for validDomains: no scheme, no path, optionally `*.` first."""
    value = text.strip().lower().rstrip(".")
    if "://" in value or "/" in value or ":" in value:
        raise AppPackageError(
            f"--domain ska vara bara botens värdnamn, t.ex. bot.kommun.se, inte {text!r} "
            "(utan https:// och utan sökväg eller port)."
        )
    wildcard = value.startswith("*.")
    host = _hostname(value[2:] if wildcard else value, "--domain", text)
    return f"*.{host}" if wildcard else host


def _hostname(host: str, what: str, original: str) -> str:
    """The host in ASCII (IDNA) form, or AppPackageError if it is not a host name."""
    try:
        ascii_host = host.encode("idna").decode("ascii") if host else ""
    except UnicodeError:
        ascii_host = ""
    labels = ascii_host.split(".")
    if len(labels) < 2 or len(ascii_host) > 253 or not all(_LABEL.fullmatch(x) for x in labels):
        raise AppPackageError(f"{what}: {original!r} innehåller inget giltigt värdnamn.")
    return ascii_host


def _site_name(url: str) -> str:
    """A developer name from a web address: www.lindesberg.se → lindesberg.se."""
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def fill(template: Any, values: Mapping[str, str | None]) -> Any:
    """The template with `${{NAME}}` placeholders replaced in every string value.

    A list item that is exactly a placeholder whose value is None is left out; any other
    use of an unknown or None placeholder raises AppPackageError.
    """
    if isinstance(template, dict):
        return {key: fill(value, values) for key, value in template.items()}
    if isinstance(template, list):
        return [
            fill(item, values)
            for item in template
            if not (isinstance(item, str) and _whole_placeholder(item, values) is _DROP)
        ]
    if isinstance(template, str):
        return _PLACEHOLDER.sub(lambda m: _value(m.group(1), values), template)
    return template


_DROP = object()


def _whole_placeholder(text: str, values: Mapping[str, str | None]) -> object:
    match = _PLACEHOLDER.fullmatch(text)
    if match and match.group(1) in values and values[match.group(1)] is None:
        return _DROP
    return None


def _value(name: str, values: Mapping[str, str | None]) -> str:
    value = values.get(name)
    if value is None:
        raise AppPackageError(f"Manifestmallen har en platshållare utan värde: {name}.")
    return value


def package_files(options: PackageOptions, source: Path = MANIFEST_DIR) -> dict[str, bytes]:
    """The zip's files by name: the filled manifest, then every file it names."""
    manifest = fill(_read_json(source / "manifest.json"), options.placeholders())
    files = {"manifest.json": _json_bytes(manifest)}
    for name in referenced_files(manifest):
        path = source / name
        if name.endswith(".json"):
            files[name] = _json_bytes(fill(_read_json(path), options.placeholders()))
        else:
            try:
                files[name] = path.read_bytes()
            except OSError as error:
                raise AppPackageError(f"Kan inte läsa {path}: {error.strerror}.") from None
    return files


def referenced_files(manifest: Mapping[str, Any]) -> list[str]:
    """The files a manifest names: its icons and its localization files."""
    names = list(manifest.get("icons", {}).values())
    info = manifest.get("localizationInfo", {})
    if "defaultLanguageFile" in info:
        names.append(info["defaultLanguageFile"])
    names += [language["file"] for language in info.get("additionalLanguages", [])]
    for name in names:  # Teams reads the package's root only
        if Path(name).name != name:
            raise AppPackageError(f"Manifestet pekar på {name!r}, som inte ligger i paketets rot.")
    return names


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AppPackageError(
            f"Hittar inte {path}; kör kommandot från en utcheckning av projektet, där "
            "mappen manifest/ finns."
        ) from None
    except (OSError, ValueError) as error:
        raise AppPackageError(f"Kan inte läsa {path}: {error}.") from None


def _json_bytes(data: Any) -> bytes:
    # UTF-8 without a byte order mark: Teams rejects a manifest that starts with one.
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def write_package(files: Mapping[str, bytes], out_dir: Path, name: str) -> Path:
    """Write the zip into out_dir (created if missing); on failure leave nothing behind."""
    if out_dir.exists() and not out_dir.is_dir():
        raise AppPackageError(f"--out: {out_dir} finns redan och är ingen mapp.")
    missing = [p for p in (out_dir, *out_dir.parents) if not p.exists()]
    target = out_dir / name
    temporary: Path | None = None
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            dir=out_dir, prefix=f".{name}.", suffix=".tmp", delete=False
        ) as handle:
            temporary = Path(handle.name)
            with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
                for file_name, content in files.items():
                    entry = zipfile.ZipInfo(file_name, _ZIP_TIME)
                    entry.external_attr = 0o644 << 16  # rw-r--r-- when unpacked
                    archive.writestr(entry, content, zipfile.ZIP_DEFLATED)
        os.replace(temporary, target)
    except OSError as error:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        for folder in missing:  # the innermost first: only folders this call created
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        reason = error.strerror or str(error)
        raise AppPackageError(f"--out: kan inte skriva {target}: {reason}.") from None
    return target
