"""The shared sheet layout: plan headers as people spell them."""

from __future__ import annotations

import pytest

from graph import layout


@pytest.mark.parametrize(
    ("headers", "field"),
    [
        (("Nr", "Risknummer", "Risknr", " id "), "id"),
        (("Förvaltning", "Verksamhet"), "namnd"),
        (
            ("Process", "Rutin", "Processer/rutiner", "Riktlinje/rutin", "Process / rutin"),
            "process",
        ),
        (("Risker", "RISK"), "risk_text"),
        (("Riskbedömning", "Riskvärde:"), "value"),
        (("Kontroll", "kontrollmoment"), "description"),
        (("Frekvens", "Tidpunkt"), "periods"),
        (("Ansvarig e-post", "Ansvarig (e-post)", "ANSVARIG"), "owner"),
        (("Ska  kontrolleras",), "active"),
    ],
)
def test_header_synonyms_case_and_whitespace(headers: tuple[str, ...], field: str) -> None:
    for header in headers:
        assert layout.plan_columns(["x", header]) == {field: 1}, header
