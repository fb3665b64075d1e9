"""Writing the follow-up report (.docx): time and peak memory, and Graph requests to upload.

Run: ``.venv/bin/python bench/report.py`` (``--quick``: smaller sizes, one run each).

1. One nämnd's report over 1,000 kontrollmoment (the synthetic helår plan of
   ``bench/status.py``, every control in one nämnd: 70 % answered, deviations with an
   åtgärd, a delår answer with an åtgärd for every tenth control, so chapter 4 is filled).
2. The combined report for kommunstyrelsen over 20 workbooks (one nämnd each, 100
   kontrollmoment per workbook: 2,000 in all, one chapter per nämnd).
   Timed: building the report from plans and answers (``build_report``: the status
   compiled once overall and once per nämnd) and rendering it with python-docx
   (``render_report``), medians of several runs in CPU time; memory as the growth of the
   peak resident set of a fresh process over building and rendering once (python-docx
   keeps the document in lxml, which tracemalloc does not see); the file's size.
3. Uploading through the fake Graph (the real msgraph-sdk over loopback): requests for the
   first report of a process (the library path resolved once, then one PUT) and for the
   next (one PUT, a new version of the same file).
Prints; never asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import resource
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import demo_on_fake_graph  # noqa: E402
from status import TERM, TODAY, synthetic  # noqa: E402

from bot.domain.model import Action, Answer, Period, Plan  # noqa: E402
from bot.reports.document import Report, build_report  # noqa: E402
from bot.reports.word import render_report  # noqa: E402
from graph.report_files import GraphReports, report_file_name  # noqa: E402


def one_namnd(size: int) -> tuple[list[Plan], list[Answer]]:
    """``size`` controls in one plan and one nämnd, with delår 2 answers and åtgärder."""
    plans, answers = synthetic(size)
    controls = [dataclasses.replace(c, namnd="Socialnämnden") for p in plans for c in p.controls]
    plan = dataclasses.replace(plans[0], controls=tuple(controls))
    return [plan], answers + _earlier(plan)


def workbooks(count: int, per_workbook: int) -> tuple[list[Plan], list[Answer]]:
    """``count`` workbooks of ``per_workbook`` controls, each its own nämnd."""
    base, answers = synthetic(max(1_000, count * per_workbook))
    controls = [c for p in base for c in p.controls]
    plans: list[Plan] = []
    kept: list[Answer] = []
    for w in range(count):
        key = f"namnd{w:02d}.xlsx"
        mine = [
            dataclasses.replace(c, plan_key=key, id=str(i + 1), namnd=f"Nämnd {w + 1}")
            for i, c in enumerate(controls[w * per_workbook : (w + 1) * per_workbook])
        ]
        old = {(c.plan_key, c.id) for c in controls[w * per_workbook : (w + 1) * per_workbook]}
        lookup = {
            (c.plan_key, c.id): str(i + 1)
            for i, c in enumerate(controls[w * per_workbook : (w + 1) * per_workbook])
        }
        kept += [
            dataclasses.replace(a, plan_key=key, control_id=lookup[(a.plan_key, a.control_id)])
            for a in answers
            if (a.plan_key, a.control_id) in old
        ]
        plan = Plan(key, f"Internkontrollplan 2026 – Nämnd {w + 1}", tuple(mine))
        plans.append(plan)
        kept += _earlier(plan)
    return plans, kept


def _earlier(plan: Plan) -> list[Answer]:
    """A delår 2 answer with an åtgärd for every tenth control (chapters 3 and 4)."""
    due = TODAY - timedelta(days=30)
    return [
        Answer(
            f"t2-{plan.key}-{c.id}",
            plan.key,
            c.id,
            TERM.year,
            Period.T2,
            "Mindre avvikelse",
            c.owner,
            __import__("datetime").datetime(2026, 9, 10, 9, 0),
            observations="Brister i dokumentationen.",
            action=Action(
                "Rutinen ses över.", c.owner, due if int(c.id) % 20 else date(2027, 6, 1)
            ),
        )
        for c in plan.controls
        if int(c.id) % 10 == 0
    ]


def _build(plans: list[Plan], answers: list[Answer]) -> Report:
    return build_report(plans, answers, TERM, TODAY, author="Kvalitetsstrateg")


def measure(name: str, memory_args: list[str], runs: int) -> None:
    """Time (CPU, median) to build and to render, memory, and the file's size."""
    plans, answers = _make(memory_args)
    built, rendered = [], []
    data = b""
    report = _build(plans, answers)
    for _ in range(runs):
        started = time.process_time()
        report = _build(plans, answers)
        middle = time.process_time()
        data = render_report(report)
        built.append((middle - started) * 1000)
        rendered.append((time.process_time() - middle) * 1000)
    controls = sum(len(p.controls) for p in plans)
    grown = subprocess.run(
        [sys.executable, __file__, "--memory", *memory_args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    print(
        f"{name:<34} {len(plans):>3} wb {controls:>6} km {len(report.parts):>3} kap  "
        f"bygga {statistics.median(built):6.0f} ms  skriva {statistics.median(rendered):6.0f} ms"
        f"  minne +{float(grown):5.0f} MiB  fil {len(data) / 1024:5.0f} KiB",
        flush=True,
    )


async def measure_upload(content: bytes) -> None:
    """Requests to upload a report through the fake Graph: first, then a new version."""
    folder, fake, source = await demo_on_fake_graph()
    try:
        shelf = GraphReports(source, "Rapporter")
        name = report_file_name("Uppföljning av intern kontroll helår 2026 – Socialnämnden")
        for label in ("första rapporten (sökväg + PUT)", "samma rapport igen (ny version)"):
            before = source.requests_sent
            started = time.perf_counter()
            saved = await shelf.save_report(name, content)
            ms = (time.perf_counter() - started) * 1000
            puts = sum(1 for r in fake.requests if r.method == "PUT")
            print(
                f"  {label:<34} {source.requests_sent - before} anrop till Graph, "
                f"{ms:6.0f} ms, ny version: {'ja' if saved.new_version else 'nej'} "
                f"(PUT hittills: {puts})",
                flush=True,
            )
    finally:
        await source.close()
        await fake.stop()
        del folder


def _make(args: list[str]) -> tuple[list[Plan], list[Answer]]:
    """The inputs a case names: ["one", size] or ["combined", count, per_workbook]."""
    if args[0] == "one":
        return one_namnd(int(args[1]))
    return workbooks(int(args[1]), int(args[2]))


def _memory(args: list[str]) -> None:
    """In a fresh process: MiB the peak resident set grows by to build and render once."""
    plans, answers = _make(args)
    before = _status_kib("VmRSS")
    try:  # Linux: reset the peak (VmHWM) to the current size, so the peak is this work's
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    render_report(_build(plans, answers))
    after = _status_kib("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print((after - before) / 1024)


def _status_kib(field: str) -> int:
    """A field of /proc/self/status in KiB (0 where there is none)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, one run each")
    parser.add_argument("--memory", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory:
        _memory(args.memory)
        return
    runs = 1 if args.quick else 3
    size, count, per = (200, 5, 40) if args.quick else (1_000, 20, 100)
    print(f"Rapport (.docx), python-docx; median av {runs} körningar, CPU-tid")
    measure(f"en nämnd, {size} kontrollmoment", ["one", str(size)], runs)
    measure(f"samlad: {count} arbetsböcker × {per}", ["combined", str(count), str(per)], runs)
    plans, answers = one_namnd(size)
    content: Any = render_report(_build(plans, answers))
    print(f"Uppladdning till SharePoint (fejkad Graph), {len(content) / 1024:.0f} KiB:")
    asyncio.run(measure_upload(content))


if __name__ == "__main__":
    main()
