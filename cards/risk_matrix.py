"""The risk section of the status card: a 4×4 matrix of controls coloured by band, or —
for a plan with a riskvärde or a traffic-light colour but no sannolikhet × konsekvens —
the count per band; nothing for a plan without any risk assessment."""

from __future__ import annotations

from bot.domain.status import RISK_AXIS, Summary, band_ranges
from bot.domain.swedish import plural
from cards.common import Element, fact_set, heading, text_block

_BAND_STYLES = {"Kritisk": "attention", "Medium": "warning", "Låg": "good"}
_BAND_COLOURS = {"Kritisk": "röd", "Medium": "gul", "Låg": "grön"}


def risk_section(summary: Summary) -> list[Element | None]:
    """The "Riskmatris" heading, table, legend and unassessed count of a summary; the
    "Risknivåer" per band when there are no axes; nothing without any assessment."""
    matrix = summary.risk
    if not matrix.has_cells:
        return _band_section(summary) if matrix.has_bands else []
    unassessed = f"Utan riskbedömning: {matrix.unassessed}"
    if matrix.unassessed_deviations:
        unassessed += f" (varav {plural(matrix.unassessed_deviations, 'avvikelse', 'avvikelser')})"
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


def _band_section(summary: Summary) -> list[Element | None]:
    matrix = summary.risk
    facts = [
        (
            f"{b.band} ({_BAND_COLOURS[b.band]})",
            f"{b.controls} kontrollmoment"
            + (
                f", varav {plural(b.deviations, 'avvikelse', 'avvikelser')}" if b.deviations else ""
            ),
        )
        for b in matrix.bands
        if b.controls
    ]
    legend = (
        "Efter riskvärde ("
        + ", ".join(f"{band} {low}–{high}" for band, low, high in reversed(band_ranges()))
        + ") eller färg (röd, gul, grön)."
    )
    return [
        heading("Risknivåer", size="medium"),
        fact_set(facts),
        text_block(legend, subtle=True, size="small"),
        text_block(f"Utan riskbedömning: {matrix.unbanded}", spacing="small")
        if matrix.unbanded
        else None,
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
