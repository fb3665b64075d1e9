"""`ikbot check-workbook`: what the bot understands of a workbook or a folder of them."""

from __future__ import annotations

from pathlib import Path

from bot.domain.model import OutcomeScale, Plan
from graph import layout, plan_reader
from graph.protocol import WorkbookError
from graph.templates import demo_workbook, init_workbook  # the CLI finds all three here
from graph.xlsx_reader import list_workbook_names, read_workbook_file

OK, SKIPPED, UNREADABLE = 0, 1, 2


def _scale_lines(scale: OutcomeScale) -> list[str]:
    if scale == OutcomeScale.default():
        origin = "standardskalan"
    else:
        origin = f"från bladet {layout.SETTINGS_SHEET}"
    return [f"  Bedömningsskala ({origin}):"] + [
        f"    {o.label} – {o.severity.label}" for o in scale.options
    ]


def _plan_report(plan: Plan, answers: int) -> tuple[list[str], int]:
    lines = [
        f'  {len(plan.controls)} kontrollmoment inlästa från bladet "{plan.sheet}", '
        f"{answers} svar i {layout.ANSWER_SHEET}",
        *_scale_lines(plan.scale),
    ]
    # A row marked "Ska kontrolleras: Nej" is left out on purpose: shown, but no error.
    errors = [i for i in plan.issues if i.skipped and i.message != plan_reader.NOT_CONTROLLED]
    if not plan.issues:
        lines.append("  Inga anmärkningar.")
    else:
        lines.append(f"  {len(plan.issues)} anmärkningar, {len(errors)} rader hoppas över:")
        lines.extend(f"  rad {i.row}: {i.message}" for i in plan.issues)
    return lines, SKIPPED if errors else OK


def check_workbook(path: Path | str) -> tuple[str, int]:
    """The Swedish report and exit code (0 ok, 1 rows skipped, 2 unreadable or missing)."""
    path = Path(path)
    if path.is_dir():
        names = list_workbook_names(path)
        lines = [f"Mapp: {path} ({len(names)} arbetsböcker)"]
        if not names:
            lines.append("Inga .xlsx-filer i mappen.")
            return "\n".join(lines), UNREADABLE
        files = [(path / name, name) for name in names]
    elif path.exists():
        lines = [f"Fil: {path}"]
        files = [(path, path.name)]
    else:
        return f"Hittar inte {path}.", UNREADABLE
    code = OK
    for file, key in files:
        lines.append("")
        lines.append(key)
        try:
            snapshot = read_workbook_file(file, key)
        except WorkbookError as error:
            lines.append(f"  Kan inte läsas: {error}")
            code = UNREADABLE
            continue
        report, result = _plan_report(snapshot.plan, len(snapshot.answers))
        lines.extend(report)
        code = max(code, result)
    return "\n".join(lines), code


__all__ = ["check_workbook", "demo_workbook", "init_workbook"]
