"""Graph requests per answer and per plan read, and landing 300 answers with 200 ms latency.

Run: ``.venv/bin/python bench/graph.py`` (``--quick`` for a smoke run). The Graph backend
(real msgraph-sdk) talks to the fake Graph server on loopback, which adds a fixed latency
to every response to stand in for the distance to Microsoft's data centre. Beside it, in
the same run, the named baseline: a naive writer that sends one request per answer (one
``rows/add`` of a single row), measured over a sample and extrapolated. Prints; never
asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import demo_on_fake_graph  # noqa: E402

from bot.domain.model import Answer, Period  # noqa: E402
from graph import layout  # noqa: E402
from graph.answer_rows import answer_to_row  # noqa: E402
from graph.graph_requests import to_graph_value  # noqa: E402

LATENCY = 0.2
BURST = 300


def answers(plan_ids: list[str], count: int, start: int = 0) -> list[Answer]:
    """``count`` answers to distinct (control, year) slots of the plan."""
    when = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
    return [
        Answer(
            answer_id=f"{start + n:032x}",
            plan_key="",
            control_id=plan_ids[n % len(plan_ids)],
            year=2000 + (start + n) // len(plan_ids),
            period=Period.YEAR,
            outcome="Ingen avvikelse",
            answered_by="alexw@example.com",
            answered_at=when + timedelta(seconds=n),
            observations="Inga avvikelser i stickprovet.",
        )
        for n in range(count)
    ]


async def measure(quick: bool) -> None:
    burst = 60 if quick else BURST
    naive_sample = 5 if quick else 20
    _folder, fake, source = await demo_on_fake_graph()
    try:
        [book, *_] = await source.workbooks()
        fake.latency = LATENCY
        before = source.requests_sent
        started = time.perf_counter()
        plan = await book.read_plan()
        cold_read = (source.requests_sent - before, time.perf_counter() - started)
        before = source.requests_sent
        await book.read_plan()
        warm_read = source.requests_sent - before
        ids = [c.id for c in plan.controls]
        batch = answers(ids, burst)
        before = source.requests_sent
        started = time.perf_counter()
        await book.write_answers(batch)
        ours = (source.requests_sent - before, time.perf_counter() - started)
        # The naive baseline: one rows/add per answer, through the same SDK transport.
        table = layout.ANSWER_TABLE
        where = await source.location()
        url = f"/drives/{where.drive_id}/items/{book.key}/workbook/tables/{table}/rows/add"
        started = time.perf_counter()
        for answer in answers(ids, naive_sample, start=10_000):
            await source.transport.send(
                "POST", url, {"values": [[to_graph_value(v) for v in answer_to_row(answer)]]}
            )
        naive_each = (time.perf_counter() - started) / naive_sample
    finally:
        await source.close()
        await fake.stop()
    naive_total = naive_each * burst
    print(
        f"Graph backend vs a naive writer, {int(LATENCY * 1000)} ms added per Graph request"
        f" ({'quick' if quick else 'full'} run)\n"
    )
    print("| measure | value |\n|---|---|")
    print(f"| plan read, cold | {cold_read[0]} request(s), {cold_read[1]:.2f} s |")
    print(f"| plan read, warm (cached, eTag revalidation aside) | {warm_read} requests |")
    print(
        f"| {burst} answers in one writer batch | {ours[0]} requests "
        f"= {ours[0] / burst:.3f} per answer (target ≤ 0.1), {ours[1]:.2f} s |"
    )
    print(
        f"| naive: one request per answer (sample of {naive_sample}) | {naive_each:.2f} s "
        f"per answer → {naive_total:.0f} s for {burst} |"
    )
    print(f"| batched / naive | {naive_total / ours[1]:.0f}× faster (target ≥ 10×) |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    asyncio.run(measure(parser.parse_args().quick))


if __name__ == "__main__":
    main()
