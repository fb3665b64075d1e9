"""Reading plans as kommuner write them: `ikbot check-workbook` and the first plan read of a
10,000-row plan, time and peak memory, beside today's reader in the same run.

Run: ``.venv/bin/python bench/plans.py`` (``--quick``: 1,000 rows, one run each).

Two workbooks of N kontrollmoment, each with an Uppföljning sheet of 0.7 × N answers:

- **plain**: the shape today's reader understands — a title row, one header row, e-mail
  addresses as ansvarig, the bot's period words, numeric riskvärde, the bot's own
  Uppföljning table.
- **kommun**: every new rule at once — the plan on a sheet of its own name under two title
  rows, a two-row header (Kontroll over Urval and Metod, the single headers merged over
  both rows), a section row (perspektiv and strategiskt mål, merged across) every 25
  controls, roles (200, each mapped to two addresses in Ansvariga) and names as ansvarig
  with 1 % unknown, period words (Halvårsvis, Årligen, Vår och höst, Löpande …, 0.5 %
  unknown), traffic-light and "6. Lindrig" riskvärden, Vad kan gå fel, Ursprunglig risk,
  Rapporteras till and a notes column, a Perioder table, the År line, a Bedömningsskala in
  people's words, and the answers typed by hand under the people's own headers
  ("Nr | Resultat helår 2026 | Kommentar | Förslag på åtgärder").

Today's reader (``bench/_old_reader.py``, a frozen copy of the reading code before these
rules) reads the plain workbook; the new reader reads both. Timed: the first read of a
workbook file (what ``LocalSource`` does on a cold cache: openpyxl load, plan, answers),
the plan and answers read from a workbook openpyxl has already loaded (our reading code
alone: the cost of the tolerance itself), and
``check-workbook``. Medians of interleaved rounds (each case once per round), in CPU time
of this process (reading is single-threaded CPU work; on a shared machine wall time mostly
measures the others; it is printed beside it); peak memory by tracemalloc in a separate
run. Prints; never asserts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _old_reader as old  # noqa: E402
import openpyxl  # noqa: E402
from _common import machine  # noqa: E402

from graph import layout, xlsx_reader  # noqa: E402
from graph.tools import check_workbook  # noqa: E402
from graph.xlsx_reader import read_workbook_file  # noqa: E402

PERIODS = ("Delår 1", "Delår 2", "Helår", "Delår 2 och helår", "Varje delår", "Alla perioder")
WORDS = (
    "Halvårsvis",
    "Årligen",
    "Vår och höst",
    "Löpande",
    "Kvartalsvis",
    "Tertialvis",
    "Vid delår och helår",
    "Andra halvåret",
    "Delår 2 och helår",
    "En gång per år",
)
OUTCOMES = ("Ingen avvikelse", "Mindre avvikelse", "Större avvikelse", "Ej genomförd")
PEOPLE_SCALE = (
    ("Fungerar", "OK / Fungerar"),
    ("Fungerar men behöver utvecklas", "Förbättringsområde"),
    ("Avvikelse konstaterad", "Avvikelse"),
    ("Inte kontrollerat", "Inte kontrollerat"),
    ("Följs upp på helår", "Följs upp senare"),
)
ROLES = 200


def _answers_table(book: openpyxl.Workbook, count: int) -> None:
    ws = book.create_sheet(layout.ANSWER_SHEET)
    ws.append(list(layout.ANSWER_HEADERS))
    for i in range(1, count + 1):
        ws.append(
            [i, 2026, "Helår", OUTCOMES[i % 4], 10, i % 3, "Iakttagelse", "", "", "", None]
            + ["chef@example.com", None, f"svar-{i}"]
        )


def plain_workbook(path: Path, size: int) -> Path:
    """What today's reader understands: e-mails, the bot's period words, one header row."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = layout.PLAN_SHEET
    ws.append(["Internkontrollplan 2026"])
    ws.append([])
    ws.append(
        [
            "ID",
            "Nämnd",
            "Område",
            "Process/rutin",
            "Risk",
            "Sannolikhet",
            "Konsekvens",
            "Riskvärde",
            "Kontrollmoment",
            "Metod",
            "Urval",
            "Period",
            "Ansvarig",
        ]
    )
    for i in range(1, size + 1):
        p, k = 1 + i % 4, 1 + (i // 4) % 4
        ws.append(
            [i, "Kommunstyrelsen", f"Område {i % 6}", f"Process {i % 40}", f"Risk {i}", p, k]
            + [p * k, f"Kontrollmoment {i}", "Stickprov", "10 st", PERIODS[i % len(PERIODS)]]
            + [f"chef{i % 100}@example.com"]
        )
    _answers_table(book, size * 7 // 10)
    book.save(path)
    return path


def kommun_workbook(path: Path, size: int) -> Path:
    """Every new rule at once (see the module docstring)."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Internkontroll 2026"
    ws.append(["Internkontrollplan 2026 – Kommunstyrelsen"])
    ws.append(["Antagen av kommunstyrelsen 2025-11-12"])
    upper = ["Nr", "Område", "Process/rutin", "Risk", "Vad kan gå fel", "Ursprunglig risk"]
    upper += ["Åtgärd/kontroll", "Kontroll", None, "Riskvärde", "Tidpunkt", "Ansvarig"]
    upper += ["Rapporteras till", "Anteckningar"]
    lower: list[Any] = [None] * len(upper)
    lower[7], lower[8] = "Urval", "Metod"
    ws.append(upper)
    ws.append(lower)
    for col in range(1, len(upper) + 1):
        if col not in (8, 9):
            ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
    ws.merge_cells(start_row=3, start_column=8, end_row=3, end_column=9)
    width = len(upper)
    for i in range(1, size + 1):
        if i % 25 == 1:
            texts = (
                [f"Perspektiv {i // 100}", f"MÅL {i // 25}"] if i % 100 == 1 else [f"MÅL {i // 25}"]
            )
            for text in texts:
                ws.append([text])
                ws.merge_cells(
                    start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width
                )
        if i % 100 == 0:
            owner = f"Okänd roll {i}"  # 1 %: reported, kept
        elif i % 10 == 0:
            owner = f"Person {i % 50}"
        else:
            owner = f"Roll {i % ROLES}"
        when = "Varannan månad" if i % 200 == 0 else WORDS[i % len(WORDS)]
        risk = ("Grön", "Gul", "Röd", "6. Lindrig")[i % 4]
        ws.append(
            [i, f"Område {i % 6}", f"Process {i % 40}", f"Risk {i}", "Fel belopp", "Förvaltning"]
            + [f"Kontrollmoment {i}", "10 fakturor", "Stickprov", risk, when, owner]
            + ["Kommunstyrelsen", "anteckning" if i % 7 == 0 else None]
        )
    answers = book.create_sheet(layout.ANSWER_SHEET)
    answers.append(["Nr", "Resultat helår 2026", "Kommentar", "Förslag på åtgärder"])
    for i in range(1, size * 7 // 10 + 1):
        answers.append([i, PEOPLE_SCALE[i % 4][0], "Iakttagelse", "Åtgärd" if i % 4 else None])
    settings = book.create_sheet(layout.SETTINGS_SHEET)
    settings.append(["Bedömning", "Allvarlighet", None, "Ansvarig", "E-post"])
    owners = [(f"Roll {r}", f"roll{r}@example.com, vikarie{r}@example.com") for r in range(ROLES)]
    owners += [(f"Person {p}", f"person{p}@example.com") for p in range(50)]
    for row in range(max(len(PEOPLE_SCALE), len(owners))):
        label, severity = PEOPLE_SCALE[row] if row < len(PEOPLE_SCALE) else (None, None)
        name, email = owners[row]
        settings.append([label, severity, None, name, email])
    settings.append([])
    settings.append(["Period", "Periodens slut", "Sista svarsdag"])
    settings.append(["Delår 1", "30 april", "15 maj"])
    settings.append(["Delår 2", "31 augusti", "15 september"])
    settings.append(["Helår", "31 december", "20 januari"])
    settings.append([])
    settings.append(["År", 2026])
    book.save(path)
    return path


def timed(work: Callable[[], object]) -> tuple[float, float]:
    """(wall, CPU) milliseconds of one call. CPU time is what the figures report: reading is
    single-threaded CPU work, and on a shared machine wall time mostly measures the others."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def peak(work: Callable[[], object]) -> float:
    """Peak MiB allocated by Python during one call (tracemalloc)."""
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _loaded(path: Path) -> Any:
    """The workbook as openpyxl loads it for reading (values, not formulas)."""
    return openpyxl.load_workbook(path, data_only=True)


def _old_parse(wb: Any, key: str) -> object:
    return old._plan_from(wb, key), old.answers_from(wb, key)


def _new_parse(wb: Any, key: str) -> object:
    return xlsx_reader._plan_from(wb, key), xlsx_reader.answers_from(wb, key)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    quick = parser.parse_args().quick
    size, runs, parse_runs = (1_000, 1, 3) if quick else (10_000, 3, 9)
    folder = Path(tempfile.mkdtemp())
    plain = plain_workbook(folder / "plain.xlsx", size)
    kommun = kommun_workbook(folder / "kommun.xlsx", size)
    plan = read_workbook_file(kommun, kommun.name).plan
    print(f"Reading plans: {size:,} kontrollmoment, {size * 7 // 10:,} answers ({machine()})")
    print(
        f"kommun workbook: {len(plan.controls):,} read, {len(plan.issues)} reported "
        f"({sum(1 for i in plan.issues if i.kind == 'owner')} unknown ansvariga, "
        f"{sum(1 for i in plan.issues if i.kind == 'period')} unknown periods), "
        f"{len({c.grouping for c in plan.controls})} mål\n"
    )
    plain_wb, kommun_wb = _loaded(plain), _loaded(kommun)
    cases: list[tuple[str, str, Callable[[], object], Callable[[], object], Callable[[], object]]]
    cases = [
        (
            "today's reader",
            "plain",
            lambda: old.read_workbook_file(plain, plain.name),
            lambda: _old_parse(plain_wb, plain.name),
            lambda: old.check_workbook(plain),
        ),
        (
            "new reader",
            "plain",
            lambda: read_workbook_file(plain, plain.name),
            lambda: _new_parse(plain_wb, plain.name),
            lambda: check_workbook(plain),
        ),
        (
            "new reader",
            "kommun",
            lambda: read_workbook_file(kommun, kommun.name),
            lambda: _new_parse(kommun_wb, kommun.name),
            lambda: check_workbook(kommun),
        ),
    ]
    # Interleaved rounds (every case once per round), so a busy spell of the machine falls
    # on all of them alike; the medians are reported.
    measures = ("read", "parse", "check")
    samples: dict[tuple[int, str], list[tuple[float, float]]] = {}
    for _ in range(runs):
        for index, (_, _, read, parse, check) in enumerate(cases):
            for measure, work in zip(measures, (read, parse, check), strict=True):
                repeat = parse_runs // runs if measure == "parse" else 1
                for _ in range(max(repeat, 1)):
                    samples.setdefault((index, measure), []).append(timed(work))
    print(
        "| reader | workbook | first read (load + plan + answers): CPU / wall | peak memory "
        "| of which our reading (plan + answers): CPU | peak memory "
        "| check-workbook: CPU / wall | peak memory |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for index, (reader, workbook, read, parse, check) in enumerate(cases):
        figures = []
        for measure, work in zip(measures, (read, parse, check), strict=True):
            found = samples[(index, measure)]
            wall = statistics.median(w for w, _ in found)
            cpu = statistics.median(c for _, c in found)
            shown = f"{cpu:,.0f} ms" if measure == "parse" else f"{cpu:,.0f} / {wall:,.0f} ms"
            mib = peak(work)
            figures += [shown, f"{mib:.1f} MiB" if measure == "parse" else f"{mib:.0f} MiB"]
        print(f"| {reader} | {workbook} | {' | '.join(figures)} |")


if __name__ == "__main__":
    main()
