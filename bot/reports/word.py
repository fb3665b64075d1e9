"""The report as a Word document (python-docx): headings in Word's own heading styles (the
navigation pane shows the structure), tables whose header rows repeat, "Sida X av Y" in
the footer, a landscape page for the wide åtgärd table, people by name."""

from __future__ import annotations

import io
from collections.abc import Sequence
from itertools import groupby

from docx import Document
from docx.document import Document as DocumentType
from docx.shared import Pt, RGBColor

from bot.domain.model import Severity
from bot.domain.status import RISK_AXIS, Summary, Tally, band_ranges
from bot.domain.swedish import class_counts, format_date, plural, progress
from bot.reports.document import NOT_ANSWERED, ControlResult, NamndReport, Report, owner_of
from bot.reports.docx_parts import (
    cell_at,
    heading,
    new_section,
    page_footer,
    paragraph,
    shade,
    small,
    table,
)

BAND_FILLS = {"Kritisk": "F4B6B6", "Medium": "FFE699", "Låg": "C6E0B4"}
SEVERITY_FILLS = {
    Severity.MAJOR: "F4B6B6",
    Severity.NOT_PERFORMED: "F8CBAD",
    Severity.MINOR: "FFE699",
    Severity.OK: "C6E0B4",
    Severity.DEFERRED: "DDEBF7",
}
DRAFT_NOTE = "Utkast framtaget ur uppföljningens svar – bearbeta texten innan rapporten skickas."
NO_DEVIATIONS = "Inga avvikelser."
NOT_DUE = "Inga kontrollmoment ska följas upp denna period."


def render_report(report: Report) -> bytes:
    """The report as .docx bytes."""
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(11)
    props = doc.core_properties
    props.title, props.author, props.language = report.title, report.author, "sv-SE"
    _title_page(doc, report)
    period = report.term.period.label.lower()
    fill = report.texts.fill
    name = report.recipient

    heading(doc, "1 Inledning", 1)
    for text in fill(
        report.texts.introduction, namnd=name, period=period, year=report.term.year
    ).split("\n"):
        if text.strip():
            paragraph(doc, text.strip())
    heading(doc, "2 Sammanfattning", 1)
    _summary(doc, report, report.overall, level=2, per_namnd=report.combined)
    if not report.parts:
        paragraph(doc, NOT_DUE)
    if report.combined:
        chapter = 3
        for each in report.parts:
            heading(doc, f"{chapter} {each.name}", 1)
            heading(doc, f"{chapter}.1 Sammanfattning", 2)
            _summary(doc, report, each.summary, level=3, per_namnd=False)
            heading(doc, f"{chapter}.2 Resultat per kontrollmoment", 2)
            _results(doc, report, each, level=3)
            heading(doc, f"{chapter}.3 Uppföljning av tidigare åtgärder", 2)
            _earlier(doc, report, each)
            heading(doc, f"{chapter}.4 Slutsatser", 2)
            _conclusions(doc, each.conclusions)
            chapter += 1
    else:
        part = report.parts[0] if report.parts else None
        heading(doc, "3 Resultat per kontrollmoment", 1)
        if part is not None:
            _results(doc, report, part, level=2)
        else:
            paragraph(doc, NOT_DUE)
        heading(doc, "4 Uppföljning av tidigare åtgärder", 1)
        if part is not None:
            _earlier(doc, report, part)
        else:
            paragraph(doc, "Inga åtgärder från tidigare perioder att följa upp.")
        heading(doc, "5 Slutsatser", 1)
        _conclusions(doc, part.conclusions if part else (NOT_DUE,))
        chapter = 6
    heading(doc, f"{chapter} Förslag till beslut", 1)
    paragraph(doc, fill(report.texts.decision, namnd=name, period=period, year=report.term.year))
    heading(doc, "Beslutet skickas till", 2)
    for line in fill(
        report.texts.recipients, namnd=name, period=period, year=report.term.year
    ).split("\n"):
        if line.strip():
            paragraph(doc, line.strip())
    page_footer(doc, f"{report.title} – {report.recipient}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _title_page(doc: DocumentType, report: Report) -> None:
    heading(doc, report.title, 0)
    recipient = paragraph(doc)
    recipient.add_run(report.recipient).bold = True
    paragraph(doc, f"Datum: {format_date(report.today)}")
    paragraph(doc, f"Handläggare: {report.author}")
    if report.combined:
        paragraph(
            doc,
            "Sammanställning över nämndernas uppföljning av intern kontroll "
            f"({', '.join(p.name for p in report.parts)}).",
        )
    doc.add_page_break()


def _summary(
    doc: DocumentType, report: Report, summary: Summary, *, level: int, per_namnd: bool
) -> None:
    total = summary.total
    paragraph(doc, progress(total.answered, total.due, total.percent_shown) + ".")
    if not total.due:
        return
    wording = summary.wording
    rows = [[label, str(total.by_label[label])] for label in wording.order_labels(total.by_label)]
    if total.unknown:
        rows.append(["Okänd bedömning", str(total.unknown)])
    if total.unanswered:
        rows.append([NOT_ANSWERED, str(total.unanswered)])
    heading(doc, "Resultat", level)
    grid = table(doc, ["Bedömning", "Antal kontrollmoment"], rows)
    cells = grid._cells
    for index, (label, _count) in enumerate(rows, start=1):
        severity = wording.label_classes.get(label)
        if severity is not None:
            shade(cells[index * 2], SEVERITY_FILLS[severity])
    interim = summary.term.period.is_interim
    groups: list[tuple[str, dict[str, Tally]]] = []
    if per_namnd:
        groups.append(("Per nämnd", dict(summary.by_namnd)))
    if summary.by_group:
        groups.append((summary.group_heading, dict(summary.by_group)))
    if [k for k in summary.by_area if k.strip()]:
        groups.append((summary.area_heading, dict(summary.by_area)))
    for title, tallies in groups:
        heading(doc, title, level)
        table(
            doc,
            [title.removeprefix("Per ").capitalize(), "Besvarade", "Utfall"],
            [
                [
                    name.strip() or "Ej angivet",
                    f"{t.answered} av {t.due}",
                    class_counts(t.by_class, t.unknown, interim, wording.class_names),
                ]
                for name, t in tallies.items()
            ],
        )
    _risk(doc, summary, level)
    heading(doc, wording.deviations, level)
    if not summary.deviations:
        paragraph(doc, NO_DEVIATIONS)
    for finding in summary.deviations:
        c = finding.control
        text = f"{finding.label}: {c.id} – {_short(c.description)} ({report.person(c.owner)})"
        if per_namnd:
            text += f" – {finding.namnd}"
        paragraph(doc, text, "ListBullet")
    heading(doc, "Ej besvarade", level)
    if not summary.unanswered:
        paragraph(doc, "Alla kontrollmoment är besvarade.")
        return
    table(
        doc,
        ["Kontrollmoment", "Ansvarig", "Sista svarsdag", "Försenat"],
        [
            [
                f"{m.control.id} {_short(m.control.description)}",
                report.person(m.owner),
                format_date(m.deadline),
                plural(m.days_overdue, "dag", "dagar") if m.days_overdue else "nej",
            ]
            for m in summary.unanswered
        ],
    )


def _risk(doc: DocumentType, summary: Summary, level: int) -> None:
    matrix = summary.risk
    if matrix.has_cells:
        heading(doc, "Riskmatris", level)
        header = ["Sannolikhet \\ konsekvens", *(str(k) for k in RISK_AXIS)]
        rows = []
        for p in reversed(RISK_AXIS):
            rows.append(
                [str(p)]
                + [
                    f"{matrix.cell(p, k).controls} ({matrix.cell(p, k).deviations})"
                    for k in RISK_AXIS
                ]
            )
        grid = table(doc, header, rows)
        for r, p in enumerate(reversed(RISK_AXIS), start=1):
            for k in RISK_AXIS:
                shade(cell_at(grid, r, k), BAND_FILLS[matrix.cell(p, k).band])
        bands = ", ".join(f"{band} {low}–{high}" for band, low, high in reversed(band_ranges()))
        paragraph(
            doc,
            f"Antal kontrollmoment (varav avvikelser) per sannolikhet och konsekvens. "
            f"Riskvärde: {bands}. Utan riskbedömning: {matrix.unassessed}.",
        )
    elif matrix.has_bands:
        heading(doc, "Risknivåer", level)
        grid = table(
            doc,
            ["Risknivå", "Kontrollmoment", "Varav avvikelser"],
            [[b.band, str(b.controls), str(b.deviations)] for b in matrix.bands],
        )
        for r, band in enumerate(matrix.bands, start=1):
            shade(cell_at(grid, r, 0), BAND_FILLS[band.band])


def _results(doc: DocumentType, report: Report, part: NamndReport, *, level: int) -> None:
    if not part.results:
        paragraph(doc, NOT_DUE)
        return
    ordered = sorted(part.results, key=lambda r: _first_seen(part.results, r.grouping))
    for grouping, members in groupby(ordered, key=lambda r: r.grouping):
        if grouping:
            heading(doc, grouping, level)
        for result in members:
            c = result.control
            heading(doc, f"{c.id}. {_short(c.description, 110)}", level + 1)
            rows = _result_rows(report, result)
            grid = table(doc, None, rows, widths=(4.5, 12), bold_first_column=True)
            at = next(i for i, (name, _) in enumerate(rows) if name == "Resultat")
            fill = SEVERITY_FILLS.get(result.severity) if result.severity else None
            shade(cell_at(grid, at, 1), fill or "EDEDED")


def _first_seen(results: Sequence[ControlResult], grouping: str) -> int:
    return next(i for i, r in enumerate(results) if r.grouping == grouping)


def _result_rows(report: Report, result: ControlResult) -> list[list[str]]:
    c, answer = result.control, result.answer
    risk = c.risk_text
    if c.risk.score is not None:
        risk = f"{risk} (riskvärde {c.risk.score})".strip()
    elif c.risk.label:
        risk = f"{risk} ({c.risk.label})".strip()
    rows = [
        ("Område", c.area),
        ("Mål" if c.goal else "Grupp", c.grouping if c.grouping != c.area else ""),
        ("Process/rutin", c.process),
        ("Risk", risk),
        ("Vad kan gå fel", c.failure),
        ("Ursprunglig risk", c.origin),
        ("Kontrollmoment", c.description),
        ("Urval", c.sample),
        ("Metod", c.method),
        ("Ansvarig", report.person(owner_of(c))),
        ("Resultat", result.label),
    ]
    if answer is not None:
        counted = ""
        if answer.checked is not None or answer.deviations is not None:
            checked = "–" if answer.checked is None else str(answer.checked)
            found = "–" if answer.deviations is None else str(answer.deviations)
            counted = f"{checked} kontrollerade, {found} avvikelser"
        action = answer.action
        proposal = ""
        if action is not None and action.text.strip():
            details = [report.person(action.owner)] if action.owner.strip() else []
            if action.due is not None:
                details.append(f"klart senast {format_date(action.due)}")
            proposal = action.text.strip() + (f" ({', '.join(details)})" if details else "")
        when = answer.when
        by = report.person(answer.answered_by) if answer.answered_by else ""
        rows += [
            ("Antal", counted),
            ("Iakttagelser", answer.observations.strip()),
            ("Analys", answer.analysis.strip()),
            ("Förslag på åtgärder", proposal),
            ("Rapporterat av", ", ".join(x for x in (by, format_date(when) if when else "") if x)),
            ("Sent svar", _late(answer.days_late)),
        ]
    for earlier in result.earlier:
        text = f"{earlier.outcome}. {earlier.observations.strip()}".strip()
        rows.append((f"Tidigare: {earlier.period.label.lower()} {earlier.year}", text))
    return [[k, v] for k, v in rows if v and v.strip()]


def _late(days: int) -> str:
    if days <= 0:
        return ""
    return f"{days} {'dag' if days == 1 else 'dagar'} efter sista svarsdag"


def _earlier(doc: DocumentType, report: Report, part: NamndReport) -> None:
    if not part.earlier_actions:
        paragraph(doc, "Inga åtgärder från tidigare perioder att följa upp.")
        return
    new_section(doc, landscape=True)
    grid = table(
        doc,
        ["Kontrollmoment", "Period", "Åtgärd", "Åtgärdsansvarig", "Klart senast", "Status"],
        [
            [
                f"{e.control.id} {_short(e.control.description, 80)}",
                e.term.label,
                e.action.text.strip(),
                report.person(e.action.owner),
                format_date(e.action.due) if e.action.due else "",
                e.status,
            ]
            for e in part.earlier_actions
        ],
        widths=(6, 2.5, 8, 3.5, 3, 3.5),
    )
    small(grid)
    new_section(doc, landscape=False)


def _conclusions(doc: DocumentType, lines: Sequence[str]) -> None:
    note = paragraph(doc)
    run = note.add_run(DRAFT_NOTE)
    run.italic = True
    run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    for line in lines:
        paragraph(doc, line, "ListBullet")


def _short(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
