"""Swedish wording shared by the cards and the text reports (no locale needed)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from bot.domain.model import OutcomeScale, Severity

MONTHS = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)


def format_date(day: date) -> str:
    """A date the Swedish way, e.g. "14 januari 2027"."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


# The order severity classes are counted and listed in, and their names in summaries.
SEVERITY_ORDER = (
    Severity.OK,
    Severity.MINOR,
    Severity.MAJOR,
    Severity.NOT_PERFORMED,
    Severity.DEFERRED,
)
SEVERITY_NAMES = {
    Severity.OK: "Ingen avvikelse",
    Severity.MINOR: "Mindre avvikelse",
    Severity.MAJOR: "Större avvikelse",
    Severity.NOT_PERFORMED: "Ej genomförd",
    Severity.DEFERRED: "Följs upp senare",
}


# The words for the classes when a workbook has its own scale: what the classes are, not
# Lindesberg's labels (Strängnäs' summary must not say "Större avvikelse" for its
# "Avvikelser … har konstaterats").
NEUTRAL_NAMES = {
    Severity.OK: "Utan anmärkning",
    Severity.MINOR: "Förbättringsområden",
    Severity.MAJOR: "Avvikelser",
    Severity.NOT_PERFORMED: "Ej genomförda",
    Severity.DEFERRED: "Följs upp senare",
}
_COMPACT = {  # per nämnd/område, after a number: "2 större · 1 mindre"
    Severity.OK: "utan anmärkning",
    Severity.MINOR: "mindre",
    Severity.MAJOR: "större",
    Severity.NOT_PERFORMED: "ej genomförd",
    Severity.DEFERRED: "följs upp senare",
}


@dataclass(frozen=True, slots=True)
class Wording:
    """How a summary names the classes and headings, in the words of the scale(s) used."""

    class_names: Mapping[Severity, str] = field(
        default_factory=lambda: MappingProxyType(dict(SEVERITY_NAMES))
    )
    compact: Mapping[Severity, str] = field(default_factory=lambda: MappingProxyType(_COMPACT))
    deviations: str = "Avvikelser"  # the heading of the deviations list
    label_classes: Mapping[str, Severity] = field(default_factory=lambda: MappingProxyType({}))

    def order_labels(self, labels: Iterable[str]) -> list[str]:
        """Labels class by class (ok first), each class in the order given."""
        ranked = list(labels)
        return sorted(
            ranked,
            key=lambda label: SEVERITY_ORDER.index(self.label_classes.get(label, Severity.OK)),
        )


def wording_for(scales: Iterable[OutcomeScale]) -> Wording:
    """The wording of a summary over plans with these scales: the default scale's own
    words, else neutral class names ("Förbättringsområden", "Avvikelser" …) and a
    deviations heading that covers förbättringsområden where the scale has them."""
    scales = list(scales) or [OutcomeScale.default()]
    labels = {o.label: o.severity for scale in scales for o in scale.options}
    if all(scale.is_default for scale in scales):
        return Wording(label_classes=MappingProxyType(labels))
    minor = [label for label, s in labels.items() if s is Severity.MINOR]
    improvements = any("avvikelse" not in label.casefold() for label in minor)
    names = dict(NEUTRAL_NAMES)
    compact = {s: name.lower() for s, name in NEUTRAL_NAMES.items()}
    if minor and not improvements:
        names[Severity.MINOR], compact[Severity.MINOR] = "Mindre avvikelser", "mindre avvikelser"
    return Wording(
        MappingProxyType(names),
        MappingProxyType(compact),
        "Avvikelser och förbättringsområden" if improvements else "Avvikelser",
        MappingProxyType(labels),
    )


def plural(count: int, singular: str, plural_form: str) -> str:
    """A count with its noun, e.g. "1 avvikelse", "2 avvikelser"."""
    return f"{count} {singular if count == 1 else plural_form}"


def unanswered_line(unanswered: int, late: int) -> str:
    """The unanswered line, e.g. "3 obesvarade, varav 2 försenade."."""
    text = plural(unanswered, "obesvarat", "obesvarade")
    if late:
        text += f", varav {plural(late, 'försenat', 'försenade')}"
    return f"{text}."


def progress(answered: int, due: int, percent: int) -> str:
    """The progress line, e.g. "34 av 41 kontrollmoment besvarade (83 %)", or that nothing
    is due."""
    if not due:
        return "Inga kontrollmoment ska följas upp denna period."
    return f"{answered} av {due} kontrollmoment besvarade ({percent} %)"


def class_counts(
    by_class: Mapping[Severity, int],
    unknown: int,
    interim: bool,
    names: Mapping[Severity, str] = SEVERITY_NAMES,
) -> str:
    """The class counts, e.g. "Ingen avvikelse 4 · Mindre avvikelse 2 · …": every class
    (Följs upp senare only at a delår or when counted), in the scale's words, then the
    unknown labels if any."""
    parts = [
        f"{names[s]} {by_class.get(s, 0)}"
        for s in SEVERITY_ORDER
        if s is not Severity.DEFERRED or interim or by_class.get(s)
    ]
    if unknown:
        parts.append(f"Okänd bedömning {unknown}")
    return " · ".join(parts)
