"""The three real follow-ups (Lindesberg delår 2017, Strängnäs helår 2017, Eskilstuna
2021) as reports, read from their workbooks on every backend: each control's section
carries the real result and iakttagelser, and the counts are the documents' own."""

from __future__ import annotations

import pytest

from bot.reports.document import build_report
from bot.reports.word import render_report
from tests.bot.reports.docx_text import open_docx
from tests.graph.conftest import LocalBackend
from tests.graph.real_plans import REAL_PLANS


@pytest.mark.parametrize("name", list(REAL_PLANS))
async def test_a_real_follow_up_as_a_report(backend: LocalBackend, name: str) -> None:
    real, build = REAL_PLANS[name]
    build(backend.folder, mapped=True)
    workbook = await backend.workbook(real.file)
    plan, answers = await workbook.read_plan(), await workbook.read_answers()
    report = build_report([plan], answers, real.term, real.today, author="Fredrik Lindell")
    opened = open_docx(render_report(report))

    facts = opened.facts()
    assert len(facts) == len(plan.controls) == report.controls
    by_description = {f["Kontrollmoment"]: f for f in facts}
    for answer in answers:
        control = plan.control(answer.control_id)
        assert control is not None
        section = by_description[control.description]
        option = plan.scale.find(answer.outcome)
        assert section["Resultat"] == (option.label if option else answer.outcome)
        if answer.observations.strip():
            assert section["Iakttagelser"] == answer.observations.strip()
        if answer.analysis.strip():
            assert section["Analys"] == answer.analysis.strip()
        if answer.action is not None and answer.action.text.strip():
            assert section["Förslag på åtgärder"].startswith(answer.action.text.strip())
    # The outcome table counts in the kommun's own words, as the documents do.
    counts = {r[0]: r[1] for r in opened.table_rows() if len(r) == 2 and r[1].isdigit()}
    for label, count in real.counts.items():
        assert counts[label] == str(count), label
    assert {"1 Inledning", "2 Sammanfattning", "3 Resultat per kontrollmoment"} <= set(
        opened.headings
    )
    # The grouping the plan uses heads its controls (område, riktlinje/rutin or mål).
    groupings = {c.grouping or c.area or c.process for c in plan.controls}
    assert groupings <= set(opened.headings)
