"""The app's icons: the sizes and colours Teams requires, drawn by manifest/draw_icons.py."""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path
from types import ModuleType

import pytest
from PIL import Image, ImageChops

from manifest.package import MANIFEST_DIR, package_files, package_options

APP = "2f1c6b9e-0d4a-4c1e-9b7a-3e5d8f6a1b2c"


@pytest.fixture(scope="module")
def package() -> dict[str, bytes]:
    """The built package's files."""
    return package_files(package_options(app_id=APP, domain="bot.kommun.se"))


@pytest.fixture(scope="module")
def drawing() -> ModuleType:
    """manifest/draw_icons.py, loaded from its file (manifest/ is no Python package)."""
    spec = importlib.util.spec_from_file_location("draw_icons", MANIFEST_DIR / "draw_icons.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def icon(package: dict[str, bytes], kind: str) -> Image.Image:
    """The icon the manifest names for `color` or `outline`, as RGBA."""
    name = json.loads(package["manifest.json"])["icons"][kind]
    image = Image.open(io.BytesIO(package[name]))
    assert image.format == "PNG"
    return image.convert("RGBA")


def hex_colour(text: str) -> tuple[int, int, int, int]:
    """#1B5E7A → (27, 94, 122, 255)."""
    return (int(text[1:3], 16), int(text[3:5], 16), int(text[5:7], 16), 255)


def test_colour_icon_is_192_on_the_accent_colour_with_the_symbol_inside_96(
    package: dict[str, bytes],
) -> None:
    image = icon(package, "color")
    assert image.size == (192, 192)
    accent = hex_colour(json.loads(package["manifest.json"])["accentColor"])
    pixels = image.load()
    assert pixels is not None
    inside = range(48, 144)  # Teams may crop everything outside the central 96×96
    for x in range(192):
        for y in range(192):
            if x not in inside or y not in inside:
                assert pixels[x, y] == accent, (x, y)
    symbol = [pixels[x, y] for x in inside for y in inside]
    assert all(p[3] == 255 for p in symbol)  # opaque everywhere
    assert sum(p == (255, 255, 255, 255) for p in symbol) > 96 * 96 // 10


def test_outline_icon_is_32_white_on_transparent(package: dict[str, bytes]) -> None:
    image = icon(package, "outline")
    assert image.size == (32, 32)
    pixels = [image.getpixel((x, y)) for x in range(32) for y in range(32)]
    visible = [p for p in pixels if isinstance(p, tuple) and p[3] > 0]
    assert all(p[:3] == (255, 255, 255) for p in visible), "only white may show"
    assert any(p[3] == 255 for p in visible), "the symbol has solid parts"
    transparent = len(pixels) - len(visible)
    assert len(pixels) // 4 < transparent < len(pixels) - len(pixels) // 10
    for corner in ((0, 0), (31, 0), (0, 31), (31, 31)):
        assert image.getpixel(corner) == (255, 255, 255, 0)


def test_the_committed_icons_are_what_the_script_draws(
    drawing: ModuleType, package: dict[str, bytes], tmp_path: Path
) -> None:
    manifest = json.loads(package["manifest.json"])
    assert drawing.ACCENT.lower() == manifest["accentColor"].lower()
    assert drawing.main(tmp_path) == 0
    for kind in ("color", "outline"):
        committed = icon(package, kind)
        drawn = Image.open(tmp_path / manifest["icons"][kind]).convert("RGBA")
        assert drawn.size == committed.size
        # A newer Pillow may round a pixel differently; a redrawn symbol differs far more.
        difference = ImageChops.difference(drawn, committed).getextrema()
        assert max(high for _, high in difference) <= 2, kind
