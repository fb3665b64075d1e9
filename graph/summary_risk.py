"""The risk matrix of the summary sheet: sannolikhet 4→1 down, konsekvens 1→4 across,
each cell "kontrollmoment (avvikelser)" filled by its riskvärde band; or the count per band
for plans with a riskvärde or a colour but no axes."""

from __future__ import annotations

from bot.domain.status import RISK_AXIS, Summary, band_ranges, risk_band
from bot.domain.swedish import plural
from graph.summary_grid import Area, Fill, Grid

# Excel's own "good / neutral / bad" fills, so the grid reads like the plan's heat map.
BAND_FILLS = {"Låg": "C6EFCE", "Medium": "FFEB9C", "Kritisk": "FFC7CE"}


def risk_grid(grid: Grid, summary: Summary) -> None:
    """Sannolikhet 4→1 down, konsekvens 1→4 across; each cell "kontrollmoment (avvikelser)",
    filled by riskvärde band."""
    matrix = summary.risk
    if not matrix.has_cells:  # no empty matrix: the bands, or nothing without any assessment
        if matrix.has_bands:
            grid.heading("Risknivåer: antal kontrollmoment (varav avvikelser)")
            for band in matrix.bands:
                if band.controls:
                    grid.line(band.band, f"{band.controls} ({band.deviations})")
                    grid.fills.append(
                        Fill(
                            Area(len(grid.rows) - 1, 0, len(grid.rows) - 1, 1),
                            BAND_FILLS[band.band],
                        )
                    )
            grid.line("Efter riskvärde eller färg (röd = Kritisk, gul = Medium, grön = Låg).")
            if matrix.unbanded:
                grid.line(f"Utan riskbedömning: {matrix.unbanded}")
        return
    grid.heading("Riskmatris: antal kontrollmoment (varav avvikelser)")
    header = grid.line("Sannolikhet ↓ / konsekvens →", *RISK_AXIS, bold=True)
    first = header + 1
    for p in reversed(RISK_AXIS):
        cells = [matrix.cell(p, k) for k in RISK_AXIS]
        grid.line(p, *(f"{c.controls} ({c.deviations})" for c in cells))
    last = len(grid.rows) - 1
    grid.bold.append(Area(first, 0, last, 0))
    grid.centred.append(Area(header, 1, last, len(RISK_AXIS)))
    grid.fills += _band_fills(first)
    legend = ", ".join(f"{band} {low}–{high}" for band, low, high in band_ranges())
    grid.line(f"Färg efter riskvärde (sannolikhet × konsekvens): {legend}.")
    unassessed = f"Utan riskbedömning: {matrix.unassessed}"
    if matrix.unassessed_deviations:
        deviations = plural(matrix.unassessed_deviations, "avvikelse", "avvikelser")
        unassessed += f" (varav {deviations})"
    grid.line(unassessed)


def _band_fills(first_row: int) -> list[Fill]:
    """The matrix cells as few rectangles per band as a row-then-column merge gives (seven
    for the 4×4 grid), so Graph colours it in a handful of requests, not sixteen."""
    runs: list[tuple[int, int, int, str]] = []  # (row, first col, last col, band)
    for offset, p in enumerate(reversed(RISK_AXIS)):
        row, start = first_row + offset, None
        bands = [risk_band(p * k) for k in RISK_AXIS]
        for col, band in enumerate(bands, start=1):
            if start is None:
                start = col
            if col == len(bands) or bands[col] != band:
                runs.append((row, start, col, band))
                start = None
    fills: list[tuple[Area, str]] = []
    for row, left, right, band in runs:
        for index, (area, shade) in enumerate(fills):
            if (
                shade == band
                and area.last_row == row - 1
                and (area.first_col, area.last_col) == (left, right)
            ):
                fills[index] = (Area(area.first_row, left, row, right), band)
                break
        else:
            fills.append((Area(row, left, row, right), band))
    return [Fill(area, BAND_FILLS[band]) for area, band in fills]
