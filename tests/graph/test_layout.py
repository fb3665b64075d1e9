"""The shared sheet layout: plan headers as people spell them."""

from __future__ import annotations

import pytest

from graph import layout


@pytest.mark.parametrize(
    ("headers", "field"),
    [
        (("Nr", "Risknummer", "Risknr", " id "), "id"),
        (("Förvaltning", "Nämnd"), "namnd"),
        # "Verksamhet" is a grouping (Lindesberg writes it as an Område value), not a nämnd.
        (("Område", "Verksamhet", "Verksamhetsområde"), "area"),
        (
            ("Process", "Rutin", "Processer/rutiner", "Riktlinje/rutin", "Process / rutin"),
            "process",
        ),
        (("Risker", "RISK"), "risk_text"),
        (("Riskbedömning", "Riskvärde:"), "value"),
        (("Kontroll", "kontrollmoment", "Åtgärd/kontroll", "Åtgärd / kontroll"), "description"),
        (("Frekvens", "Tidpunkt"), "periods"),
        (("ANSVARIG", "Ansvarig funktion", "Kontrollansvarig"), "owner"),
        (("Ansvarig e-post", "Ansvarig (e-post)", "E-post"), "owner_email"),
        (("Vad kan gå fel",), "failure"),
        (("Ursprunglig risk",), "origin"),
        (("Rapporteras till",), "report_to"),
        (("Perspektiv", "Grupp"), "group"),
        (("Strategiskt mål", "Mål"), "goal"),
        (("År",), "year"),
        (("Ska  kontrolleras",), "active"),
    ],
)
def test_header_synonyms_case_and_whitespace(headers: tuple[str, ...], field: str) -> None:
    for header in headers:
        assert layout.plan_columns(["x", header]) == {field: 1}, header
