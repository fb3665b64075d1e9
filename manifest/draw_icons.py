"""Draw the Teams app icons: a clipboard with a check mark.

Run `.venv/bin/python manifest/draw_icons.py` after changing the drawing; it rewrites
color.png (192×192, white symbol on the accent colour) and outline.png (32×32, white on
transparent) beside this file. Teams' rules: the colour icon's symbol stays inside the
central 96×96 pixels (hosts crop the rest), the outline icon is white and transparent only.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw

ACCENT = "#1B5E7A"  # also the manifest's accentColor: the colour icon's background
COLOR_SIZE = 192
COLOR_SYMBOL = 96  # the symbol's box inside the colour icon
OUTLINE_SIZE = 32
SUPERSAMPLE = 8  # drawn large and scaled down, for smooth edges at 32 pixels
HERE = Path(__file__).resolve().parent


def symbol_mask(size: int) -> Image.Image:
    """The clipboard-and-check symbol as an antialiased alpha mask, filling a size×size box."""
    big = size * SUPERSAMPLE
    mask = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(mask)

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, int, int]:
        return (round(x0 * big), round(y0 * big), round(x1 * big), round(y1 * big))

    stroke = round(0.085 * big)
    # The board: an outline, so the symbol reads as a form to fill in.
    draw.rounded_rectangle(
        box(0.16, 0.12, 0.84, 0.97), radius=round(0.1 * big), outline=255, width=stroke
    )
    # The clip at the top edge, solid, overlapping the board's border.
    draw.rounded_rectangle(box(0.34, 0.02, 0.66, 0.22), radius=round(0.06 * big), fill=255)
    # The check mark, with round ends and joint.
    points = [(0.31 * big, 0.57 * big), (0.45 * big, 0.72 * big), (0.70 * big, 0.40 * big)]
    width = round(0.1 * big)
    draw.line(points, fill=255, width=width, joint="curve")
    for x, y in (points[0], points[-1]):
        r = width / 2
        draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    return mask.resize((size, size), Image.Resampling.LANCZOS)


def color_icon() -> Image.Image:
    """The 192×192 colour icon: the white symbol centred on the accent colour."""
    icon = Image.new("RGBA", (COLOR_SIZE, COLOR_SIZE), ACCENT)
    white = Image.new("RGBA", (COLOR_SYMBOL, COLOR_SYMBOL), "white")
    offset = (COLOR_SIZE - COLOR_SYMBOL) // 2
    icon.paste(white, (offset, offset), symbol_mask(COLOR_SYMBOL))
    return icon


def outline_icon() -> Image.Image:
    """The 32×32 outline icon: every pixel white, the symbol only in the alpha channel."""
    icon = Image.new("RGBA", (OUTLINE_SIZE, OUTLINE_SIZE), (255, 255, 255, 0))
    icon.putalpha(symbol_mask(OUTLINE_SIZE))
    return icon


def main(folder: Path = HERE) -> int:
    """Write color.png and outline.png into the folder."""
    color_icon().save(folder / "color.png", optimize=True)
    outline_icon().save(folder / "outline.png", optimize=True)
    print(f"Skrev {folder / 'color.png'} och {folder / 'outline.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
