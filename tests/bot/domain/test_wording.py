"""How summaries name the classes: in the words of the workbook's scale."""

from __future__ import annotations

from bot.domain.model import OutcomeOption, OutcomeScale, Severity
from bot.domain.swedish import SEVERITY_NAMES, class_counts, plural, unanswered_line, wording_for

STRANGNAS = OutcomeScale(
    (
        OutcomeOption("Process/rutin/riktlinje fungerar", Severity.OK),
        OutcomeOption("Process/rutin/riktlinje fungerar men behöver utvecklas", Severity.MINOR),
        OutcomeOption("Avvikelser … har konstaterats", Severity.MAJOR),
        OutcomeOption("Dokumenterad beskrivning saknas", Severity.MAJOR),
    )
)
OWN_AVVIKELSE = OutcomeScale(
    (
        OutcomeOption("Utan anmärkning", Severity.OK),
        OutcomeOption("Liten avvikelse", Severity.MINOR),
        OutcomeOption("Stor avvikelse", Severity.MAJOR),
    )
)


def test_the_default_scale_keeps_its_own_words() -> None:
    wording = wording_for([OutcomeScale.default()])
    assert dict(wording.class_names) == SEVERITY_NAMES
    assert wording.deviations == "Avvikelser"


def test_a_kommuns_scale_gets_neutral_names_and_the_forbattringsomraden_heading() -> None:
    wording = wording_for([STRANGNAS])
    counts = {Severity.OK: 0, Severity.MINOR: 4, Severity.MAJOR: 5}
    line = class_counts(counts, 0, False, wording.class_names)
    assert line == "Utan anmärkning 0 · Förbättringsområden 4 · Avvikelser 5 · Ej genomförda 0"
    assert wording.deviations == "Avvikelser och förbättringsområden"
    assert wording.compact[Severity.MAJOR] == "avvikelser"
    assert wording.order_labels(
        ["Dokumenterad beskrivning saknas", "Process/rutin/riktlinje fungerar"]
    ) == [
        "Process/rutin/riktlinje fungerar",
        "Dokumenterad beskrivning saknas",
    ]


def test_minor_labels_that_say_avvikelse_are_mindre_avvikelser() -> None:
    wording = wording_for([OWN_AVVIKELSE])
    assert wording.class_names[Severity.MINOR] == "Mindre avvikelser"
    assert wording.deviations == "Avvikelser"


def test_swedish_agreement() -> None:
    assert unanswered_line(1, 1) == "1 obesvarat, varav 1 försenat."
    assert unanswered_line(3, 0) == "3 obesvarade."
    assert unanswered_line(3, 2) == "3 obesvarade, varav 2 försenade."
    assert plural(1, "avvikelse", "avvikelser") == "1 avvikelse"
