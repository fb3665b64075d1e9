"""The risk matrix section of the status card: a 4×4 table of controls coloured by band."""

from __future__ import annotations

from bot.domain.status import RISK_AXIS, Summary, band_ranges
from cards.common import Element, heading, text_block

_BAND_STYLES = {"Kritisk": "attention", "Medium": "warning", "Låg": "good"}
_BAND_COLOURS = {"Kritisk": "röd", "Medium": "gul", "Låg": "grön"}


def risk_section(summary: Summary) -> list[Element | None]:
    """The "Riskmatris" heading, table, legend and unassessed count of a summary."""
    matrix = summary.risk
    unassessed = f"Utan riskbedömning: {matrix.unassessed}"
    if matrix.unassessed_deviations:
        unassessed += f" (varav {matrix.unassessed_deviations} avvikelser)"
    if not any(cell.controls for cell in matrix.cells):
        return [heading("Riskmatris", size="medium"), text_block(unassessed)]
    # "S ↓ K →" fits the narrow corner cell (the legend below spells it out).
    header = ["S ↓ K →", *(str(k) for k in RISK_AXIS)]
    rows = [_row([_cell(text, bold=True) for text in header])]
    for p in reversed(RISK_AXIS):
        cells = [_cell(str(p), bold=True)]
        for k in RISK_AXIS:
            cell = matrix.cell(p, k)
            cells.append(_cell(f"{cell.controls} ({cell.deviations})", _BAND_STYLES[cell.band]))
        rows.append(_row(cells))
    table: Element = {
        "type": "Table",
        "columns": [{"type": "TableColumnDefinition", "width": 1} for _ in range(5)],
        "rows": rows,
        "firstRowAsHeader": True,
        "showGridLines": True,
    }
    bands = [f"{band} ({_BAND_COLOURS[band]}) {low}–{high}" for band, low, high in band_ranges()]
    legend = (
        "Varje ruta: antal kontrollmoment (varav avvikelser). Rader: sannolikhet (S) 4–1, "
        f"kolumner: konsekvens (K) 1–4. Riskvärde {' · '.join(reversed(bands))}."
    )
    return [
        heading("Riskmatris", size="medium"),
        table,
        text_block(legend, subtle=True, size="small"),
        text_block(unassessed, spacing="small"),
    ]


def _row(cells: list[Element]) -> Element:
    return {"type": "TableRow", "cells": cells}


def _cell(text: str, style: str | None = None, *, bold: bool = False) -> Element:
    cell: Element = {
        "type": "TableCell",
        "items": [text_block(text, weight="bolder" if bold else None)],
    }
    if style:
        cell["style"] = style
    return cell
