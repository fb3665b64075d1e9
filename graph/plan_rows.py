"""One plan row into a ``Control``: the ansvarig, the period, the risk, the year.

``graph.plan_reader`` finds the header and the section rows; ``RowReader`` reads every
other row with the columns, the Ansvariga table, the calendar and the year it was given.
Only a missing or repeated ID and a missing Kontrollmoment skip a row; everything else
that is not understood is reported and the control is kept without it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from bot.domain.model import Calendar, Control, Period, PlanIssue, Risk
from bot.domain.periods import parse_periods
from bot.domain.risk import colour_band
from graph.cells import cell_text, normalise_id, parse_date
from graph.settings_reader import emails_in, owner_key

NOT_CONTROLLED = "Ska inte kontrolleras (Nej) – raden hoppas över"
_PROBABILITY_WORDS = {"mycket liten": 1, "liten": 2, "stor": 3, "mycket stor": 4}
_CONSEQUENCE_WORDS = {"försumbar": 1, "lindrig": 2, "kännbar": 3, "allvarlig": 4}
# "6", "6.0", "6. Lindrig", "6 Lindrig", "12: Allvarlig"
_RISK_VALUE = re.compile(r"^(\d{1,2})(?:[.,]0+(?!\d))?\s*[.:–-]?\s*(.*)$", re.S)
# Several ansvariga in one cell: "HR-avdelningen, IT-avdelningen", "Ekonomichef och HR-chef"
# (but "Kultur- och fritidschef" is one).
_PARTS = re.compile(r"\s*[,;/&+]\s*|(?<!-)\s+och\s+")
_PREFIXES = {  # a section row may say which level it is: "Perspektiv: Hållbar utveckling"
    "perspektiv": 0,
    "grupp": 0,
    "område": 0,
    "mål": 1,
    "strategiskt mål": 1,
    "målområde": 1,
}
_YEAR = re.compile(r"^(19|20)\d{2}$")


def parse_risk_value(value: object) -> tuple[int | None, str] | None:
    """Riskvärde/Riskbedömning: 6, 6.0, "6. Lindrig" -> (6, "Lindrig"); a traffic light
    ("Röd") -> (None, "Röd"); None if not understood."""
    text = cell_text(value)
    if not text:
        return None, ""
    if colour_band(text) is not None:
        return None, text
    match = _RISK_VALUE.match(text)
    if match is None or not 1 <= int(match.group(1)) <= 16:
        return None
    label = match.group(2).strip()
    if label and not label[0].isalpha():
        return None  # "6,5" or "6/8" is not a value with a label
    return int(match.group(1)), label


def _scale_value(value: object, words: Mapping[str, int]) -> int | None:
    text = cell_text(value).casefold()
    if not text:
        return None
    number = re.match(r"^(\d)\b", text)
    result = int(number.group(1)) if number else words.get(" ".join(text.split()), 0)
    return result if 1 <= result <= 4 else None


class Sections:
    """The grouping section rows give the rows below them.

    A run of section rows sets the innermost levels: two rows (perspektiv, then mål) set
    both, a single row after that replaces the mål only (Eskilstuna: "Effektiv
    organisation", "Attraktiv arbetsgivare", controls, "Stabil ekonomi", controls). A
    prefix ("Perspektiv: …", "Mål: …") says the level outright.
    """

    def __init__(self) -> None:
        self._levels: list[str] = []
        self._run: list[str] = []
        self._depth = 0

    def add(self, text: str) -> None:
        """A section row."""
        head, colon, rest = text.partition(":")
        level = _PREFIXES.get(" ".join(head.split()).casefold()) if colon else None
        if level is None:
            self._run.append(" ".join(text.split()))
            return
        self._close_run()
        name = " ".join(rest.split())
        if level == 0:
            self._levels = [name]
        else:
            self._levels = [*self._levels[:1], name] if self._levels else ["", name]
        self._depth = max(self._depth, len(self._levels))

    def _close_run(self) -> None:
        run, self._run = self._run, []
        if not run:
            return
        depth = max(self._depth, len(run))
        if len(run) >= depth:
            self._levels = run
        else:
            self._levels = [*self._levels[: depth - len(run)], *run]
        self._depth = depth

    def current(self) -> tuple[str, str]:
        """(grupp, mål) for the next control row."""
        self._close_run()
        levels = self._levels
        if not levels:
            return "", ""
        if len(levels) == 1:
            return levels[0], ""
        return " – ".join(x for x in levels[:-1] if x), levels[-1]


class RowReader:
    """Reads control rows under one header; collects controls, issues and the År seen."""

    def __init__(
        self,
        columns: Mapping[str, int],
        *,
        plan_key: str,
        owners: Mapping[str, frozenset[str]],
        calendar: Calendar,
        year: int | None,
    ) -> None:
        self._columns = columns
        self._plan_key = plan_key
        self._owners = owners
        self._calendar = calendar
        self._year = year
        self._periods: dict[str, frozenset[Period] | None] = {}
        self._owners_seen: dict[tuple[str, str], tuple[str, frozenset[str], list[Any]]] = {}
        self._seen: dict[str, int] = {}
        # A plan's risk cells take a few values over and over: each read once.
        self._risks: dict[tuple[str, str, str], tuple[Risk, list[str]]] = {}
        self.controls: list[Control] = []
        self.issues: list[PlanIssue] = []
        self.years: list[int] = []

    def read(self, row: Sequence[object], number: int, grouping: tuple[str, str]) -> None:
        """Read one row (Excel row ``number``) under the sections' (grupp, mål)."""
        width = len(row)
        cells = {f: row[i] if i < width else None for f, i in self._columns.items()}
        # cell_text, with its most common case (text) inline: this runs for every cell.
        text = {f: v.strip() if type(v) is str else cell_text(v) for f, v in cells.items()}
        if text.get("active", "").casefold() == "nej":
            self.issues.append(PlanIssue(number, NOT_CONTROLLED))
            return
        control_id = normalise_id(cells.get("id"))
        fatal: list[str] = []
        if not control_id:
            fatal.append("ID saknas")
        elif control_id in self._seen:
            fatal.append(f"ID {control_id} finns redan på rad {self._seen[control_id]}")
        if not text.get("description"):
            fatal.append("Kontrollmoment saknas")
        if fatal:
            self.issues += [PlanIssue(number, m) for m in fatal]
            return
        self._seen[control_id] = number
        kept: list[PlanIssue] = []
        owner, emails, problems = self._owner_of(text.get("owner", ""), text.get("owner_email", ""))
        kept += [PlanIssue(number, m, skipped=False, kind="owner", subject=s) for m, s in problems]
        period_text = text.get("periods", "")
        periods = self._periods.get(period_text, ())
        if periods == ():
            periods = self._periods[period_text] = parse_periods(period_text, self._calendar)
        if periods is None:
            kept.append(
                PlanIssue(
                    number,
                    f"Okänd period: {period_text!r} – kontrollmomentet behålls men följs inte "
                    "upp förrän perioden är rättad",
                    skipped=False,
                    kind="period",
                    subject=period_text,
                )
            )
        due = parse_date(cells["due_date"]) if text.get("due_date") else None
        if text.get("due_date") and due is None:
            kept.append(self._kept(number, f"Ogiltig sista svarsdag: {text['due_date']!r}"))
        risk_text = (
            text.get("probability", ""),
            text.get("consequence", ""),
            text.get("value", ""),
        )
        risk, messages = self._risks.get(risk_text) or self._risk(cells, text)
        self._risks[risk_text] = risk, messages
        kept += [PlanIssue(number, m, skipped=False) for m in messages]
        year = self._row_year(text.get("year", ""), number, kept)
        group, goal = grouping
        self.controls.append(
            Control(
                id=control_id,
                plan_key=self._plan_key,
                description=text["description"],
                owner=owner,
                periods=periods or frozenset(),
                namnd=text.get("namnd", ""),
                area=text.get("area", ""),
                process=text.get("process", ""),
                risk_text=text.get("risk_text", ""),
                risk=risk,
                method=text.get("method", ""),
                sample=text.get("sample", ""),
                due_date=due,
                row=number,
                owner_emails=emails,
                group=text.get("group") or group,
                goal=text.get("goal") or goal,
                failure=text.get("failure", ""),
                origin=text.get("origin", ""),
                report_to=text.get("report_to", ""),
                year=year,
                calendar=self._calendar,
                period_text=period_text if periods is None else "",
            )
        )
        self.issues += kept

    @staticmethod
    def _kept(row: int, message: str) -> PlanIssue:
        return PlanIssue(row, f"{message} (raden används utan den)", skipped=False)

    def _owner_of(
        self, name: str, email_text: str
    ) -> tuple[str, frozenset[str], list[tuple[str, str]]]:
        """``_owner`` once per distinct cell pair: a plan names the same few roles over
        and over."""
        key = (name, email_text)
        found = self._owners_seen.get(key)
        if found is None:
            problems: list[tuple[str, str]] = []
            owner, emails = self._owner(name, email_text, problems)
            found = self._owners_seen[key] = (owner, emails, problems)
        return found

    def _owner(
        self, name: str, email_text: str, problems: list[tuple[str, str]]
    ) -> tuple[str, frozenset[str]]:
        """(the ansvarig as people see it, its addresses); an ansvarig that resolves to
        nobody is reported (message, subject) and kept."""
        if email_text:
            emails, others = emails_in(email_text)
            if others:
                problems.append((f"Ansvarig e-post är ingen e-postadress: {email_text!r}", name))
            if emails:
                return name or ", ".join(emails), frozenset(emails)
        emails, _ = emails_in(name)
        if emails:
            rest = " ".join(re.sub(r"[^\s<>()\[\]]+@\S+", " ", name).strip(" <>()[],;").split())
            return rest if any(ch.isalpha() for ch in rest) else ", ".join(emails), frozenset(
                emails
            )
        if not name:
            problems.append(("Ansvarig saknas", ""))
            return "", frozenset()
        found = self._owners.get(owner_key(name))
        if found:
            return name, found
        parts = [p for p in _PARTS.split(name) if p]
        resolved = {p: self._owners.get(owner_key(p)) for p in parts} if len(parts) > 1 else {}
        addresses = frozenset().union(*(v for v in resolved.values() if v))
        # Say exactly what to map: each name of several, or the cell as it is.
        missing = [p for p, v in resolved.items() if not v] if resolved else [name]
        for unknown in missing:
            message = (
                f"Ansvarig {unknown!r} har ingen e-postadress: lägg till den i tabellen "
                "Ansvariga på bladet Inställningar (kontrollmomentet behålls; en strateg kan svara)"
            )
            problems.append((message, unknown))
        return name, addresses

    @staticmethod
    def _risk(cells: Mapping[str, object], text: Mapping[str, str]) -> tuple[Risk, list[str]]:
        """The row's risk, and what in its cells was not understood."""
        messages = []
        probability = _scale_value(cells.get("probability"), _PROBABILITY_WORDS)
        if text.get("probability") and probability is None:
            messages.append(f"Okänd sannolikhet: {text['probability']!r} (ska vara 1–4)")
        consequence = _scale_value(cells.get("consequence"), _CONSEQUENCE_WORDS)
        if text.get("consequence") and consequence is None:
            messages.append(f"Okänd konsekvens: {text['consequence']!r} (ska vara 1–4)")
        value = parse_risk_value(cells.get("value"))
        if value is None:
            messages.append(
                f"Okänt riskvärde: {text['value']!r} (ska vara 1–16, eller Grön, Gul, Röd)"
            )
            value = (None, "")
        return Risk(probability, consequence, value[0], value[1]), messages

    def _row_year(self, text: str, row: int, kept: list[PlanIssue]) -> int | None:
        if not text:
            return self._year
        if _YEAR.match(text):
            self.years.append(int(text))
            return int(text)
        kept.append(self._kept(row, f"Ogiltigt år: {text!r}"))
        return self._year
