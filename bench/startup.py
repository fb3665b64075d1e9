"""Cold start and resident memory of `ikbot serve` with a 1,000-row plan.

Run: ``.venv/bin/python bench/startup.py`` (``--quick`` for a smoke run); with
``--against CHECKOUT`` it compares cold starts at 1,000 and 10,000 plan rows with another
checkout of the code instead, interleaved, each start on a plan file never read before and
a new data folder.

Cold start is the time from launching ``ikbot serve`` (a subprocess, anonymous on
127.0.0.1, IKBOT_WORKBOOK = the plan, IKBOT_TODAY=2027-01-10) to the first "mina kontroller"
answered: this process polls with that message until the HTTP response is 200 and the list
card has reached the recording connector. Memory is VmRSS (and the peak, VmHWM) from
/proc/<pid>/status after the benchmark turns (every user lists, opens and submits).

Two references measured in the same run, interleaved with our starts, so that the figures
can be read on any machine as ratios: the floor, a bare interpreter importing the Agents
SDK, aiohttp, openpyxl and SQLAlchemy (launch to exit); and the anchor, a bare Agents SDK
agent (``bench/startup_anchor.py``: the SDK's quickstart hosting, anonymous, echoing)
from launch to its first answered message, timed exactly as ours.

Every checkout's Python files are compiled to bytecode beforehand (untimed), as
``pip install`` does for a deployment: an environment with PYTHONDONTWRITEBYTECODE set
would otherwise compile the whole bot again at every start. Benchmarks print; nothing
here asserts a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import (
    GOOD_ANSWER,
    PLAN_NAME,
    REPO,
    BenchConnector,
    User,
    card_text,
    cards_in,
    execute,
    execute_actions,
    machine,
    message,
    open_data,
    users,
    write_plan,
)
from aiohttp import ClientError, ClientSession, ClientTimeout

READY_LIMIT_S = 30.0
POLL_S = 0.01
STOP_LIMIT_S = 10.0  # after SIGTERM; then SIGKILL
PACKAGES = ("bot", "dialogs", "cards", "graph", "manifest")
ANCHOR = Path(__file__).with_name("startup_anchor.py")
FLOOR = (
    "import time; t = time.perf_counter();"
    "import aiohttp, openpyxl, sqlalchemy, pydantic;"
    "import microsoft_agents.hosting.aiohttp, microsoft_agents.authentication.msal;"
    "import microsoft_agents.hosting.core;"
    "rss = [l for l in open('/proc/self/status') if l.startswith('VmRSS')][0].split()[1];"
    "print(time.perf_counter() - t, rss)"
)


# What `ikbot serve` imports before it reads a plan (bot.cli, then its _serve), timed as CPU.
SERVE_IMPORTS = (
    "import time; c = time.process_time();"
    "import bot.cli, aiohttp.web, bot.app, bot.settings, bot.logs, graph.protocol;"
    "print(time.process_time() - c)"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in KiB."""
    found: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


def compile_bytecode(repo: Path) -> None:
    """Compile a checkout's packages to bytecode (as ``pip install`` does), untimed."""
    folders = [str(repo / p) for p in PACKAGES if (repo / p).is_dir()]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *folders], check=True)


def ikbot_command() -> list[str]:
    script = Path(sys.executable).parent / "ikbot"
    return [str(script), "serve"] if script.exists() else [sys.executable, "-m", "bot.cli", "serve"]


def bare_env(repo: Path | None = None) -> dict[str, str]:
    """This environment without the bot's and the SDK's settings; with ``repo``, that
    checkout's code first, whichever checkout the environment's `ikbot` was installed from."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IKBOT_", "CONNECTIONS"))}
    if repo is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(repo), env.get("PYTHONPATH", "")]))
    return env


def serve_env(plan: Path, data_dir: Path, port: int, repo: Path = REPO) -> dict[str, str]:
    env = bare_env(repo)
    env.update(
        IKBOT_WORKBOOK=str(plan),
        IKBOT_DATA_DIR=str(data_dir),
        IKBOT_HOST="127.0.0.1",
        IKBOT_PORT=str(port),
        IKBOT_TODAY="2027-01-10",
    )
    return env


async def post(session: ClientSession, url: str, activity: dict[str, Any]) -> tuple[int, bytes]:
    async with session.post(url, json=activity) as response:
        return response.status, await response.read()


Answered = Callable[[dict[str, Any] | None], bool]


def listed(reply: dict[str, Any] | None) -> bool:
    """Whether the reply is our list card (an "open" button on one of its cards)."""
    return any(d.get("verb") == "open" for c in cards_in(reply) for d in execute_actions(c))


def echoed(reply: dict[str, Any] | None) -> bool:
    """Whether the reply is the anchor's echo of the message."""
    return reply is not None and reply.get("text") == "mina kontroller"


async def first_answer(
    session: ClientSession,
    url: str,
    connector: BenchConnector,
    service_url: str,
    started: float,
    answered: Answered = listed,
) -> tuple[float, float, int]:
    """Poll until "mina kontroller" is answered; (seconds since launch, that turn's ms, polls)."""
    user = User(0)
    polls = 0
    while time.perf_counter() - started < READY_LIMIT_S:
        polls += 1
        posted = connector.posted  # the connector is shared by every launch: count replies
        turn_started = time.perf_counter()
        try:
            status, _ = await post(session, url, message("mina kontroller", user, service_url))
        except ClientError:
            await asyncio.sleep(POLL_S)
            continue
        if status in (200, 202):
            done = time.perf_counter()
            if connector.posted == posted or not answered(connector.last_reply(user.conversation)):
                raise SystemExit("the first answer was not the one expected")
            return done - started, (done - turn_started) * 1000, polls
        await asyncio.sleep(POLL_S)
    raise SystemExit(f"ikbot serve did not answer within {READY_LIMIT_S:.0f} s")


async def benchmark_turns(
    session: ClientSession, url: str, service_url: str, rounds: int
) -> tuple[int, float]:
    """Every user lists, opens and submits `rounds` times (concurrently); (turns, seconds)."""

    async def one(user: User) -> int:
        turns = 0
        for turn in range(rounds):
            await post(session, url, message("mina kontroller", user, service_url))
            status, raw = await post(
                session, url, execute(open_data(user, turn), user, service_url)
            )
            submit = [d for d in execute_actions(json.loads(raw)) if d.get("verb") == "submit"]
            if status != 200 or not submit:
                raise SystemExit("open did not return an answer card")
            status, raw = await post(
                session, url, execute({**submit[0], **GOOD_ANSWER}, user, service_url)
            )
            if status != 200 or "Svaret är sparat" not in card_text(json.loads(raw).get("value")):
                raise SystemExit("a submission did not return a receipt")
            turns += 3
        return turns

    started = time.perf_counter()
    counts = await asyncio.gather(*(one(u) for u in users()))
    return sum(counts), time.perf_counter() - started


def cpu_s(pid: int) -> tuple[float, float]:
    """CPU seconds (user + system) of a process, and of its children it has waited for."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick, (int(fields[13]) + int(fields[14])) / tick


async def one_start(
    tmp: Path,
    plan: Path,
    run: int,
    connector: BenchConnector,
    service_url: str,
    rounds: int,
    repo: Path = REPO,
    *,
    schema_first: bool = False,
) -> dict[str, Any]:
    """Launch, time the first answer, optionally run turns and read the memory, stop; with
    ``schema_first`` the data folder's database is created beforehand (`ikbot db upgrade`,
    untimed), so the start is a restart's, the plan file still never read by the bot."""
    port = free_port()
    if schema_first:
        upgrade = await asyncio.create_subprocess_exec(
            *ikbot_command()[:-1],
            "db",
            "upgrade",
            env=serve_env(plan, tmp / f"var-{run}", port, repo),
            stdout=asyncio.subprocess.DEVNULL,
        )
        if await upgrade.wait() != 0:
            raise SystemExit("ikbot db upgrade failed")
    url = f"http://127.0.0.1:{port}/api/messages"
    log = (tmp / f"serve-{run}.log").open("wb")
    timeout = ClientTimeout(total=60, connect=1)
    async with ClientSession(timeout=timeout) as session:
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            *ikbot_command(),
            env=serve_env(plan, tmp / f"var-{run}", port, repo),
            stdout=log,
            stderr=log,
        )
        try:
            ready, first_ms, polls = await first_answer(
                session, url, connector, service_url, started
            )
            cpu, children = cpu_s(process.pid)
            result: dict[str, Any] = {
                "ready_s": ready,
                "cpu_s": cpu,  # the bot's own, launch to first answer
                "children_cpu_s": children,  # e.g. the plan's read-ahead child, once reaped
                "first_ms": first_ms,
                "polls": polls,
                "idle": memory_kib(process.pid),
            }
            if rounds:
                turns, seconds = await benchmark_turns(session, url, service_url, rounds)
                await asyncio.sleep(1.0)  # let the writer land the answers
                result.update(turns=turns, turns_s=seconds, after=memory_kib(process.pid))
        finally:
            stop_s = await stop(process)
            log.close()
    result["stop_s"] = stop_s
    return result


async def stop(process: asyncio.subprocess.Process) -> float:
    """SIGTERM, then SIGKILL after STOP_LIMIT_S; the seconds it took to exit."""
    stopping = time.perf_counter()
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), STOP_LIMIT_S)
    except TimeoutError:
        process.kill()
        await process.wait()
    return time.perf_counter() - stopping


async def anchor_start(tmp: Path, run: int, connector: BenchConnector, service_url: str) -> float:
    """Launch the bare SDK agent; seconds from launch to its first echoed message."""
    port = free_port()
    env = bare_env()
    env["CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED"] = "true"
    url = f"http://127.0.0.1:{port}/api/messages"
    with (tmp / f"anchor-{run}.log").open("wb") as log:
        async with ClientSession(timeout=ClientTimeout(total=60, connect=1)) as session:
            started = time.perf_counter()
            process = await asyncio.create_subprocess_exec(
                sys.executable, str(ANCHOR), str(port), env=env, stdout=log, stderr=log
            )
            try:
                ready, _, _ = await first_answer(
                    session, url, connector, service_url, started, echoed
                )
            finally:
                await stop(process)
    return ready


async def floor() -> tuple[float, float, int]:
    """A bare interpreter importing the stack: (launch-to-exit s, import s, RSS KiB)."""
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", FLOOR, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await process.communicate()
    total = time.perf_counter() - started
    imports, rss = out.decode().split()
    return total, float(imports), int(rss)


def paired(ours: list[float], reference: list[float]) -> float:
    """The median of the ratios of starts made side by side."""
    return statistics.median(o / r for o, r in zip(ours, reference, strict=True))


async def measure(quick: bool) -> None:
    starts, rounds = (1, 1) if quick else (5, 3)
    compile_bytecode(REPO)
    connector = BenchConnector(users())
    service_url = await connector.start()
    floors: list[tuple[float, float, int]] = []
    anchors: list[float] = []
    results: list[dict[str, Any]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="ikbot-startup-") as name:
            tmp = Path(name)
            plan = write_plan(tmp / "plans" / PLAN_NAME)
            for run in range(starts):  # interleaved, the order alternating
                floors.append(await floor())
                if run % 2:
                    anchors.append(await anchor_start(tmp, run, connector, service_url))
                results.append(
                    await one_start(
                        tmp, plan, run, connector, service_url, rounds if run == starts - 1 else 0
                    )
                )
                if not run % 2:
                    anchors.append(await anchor_start(tmp, run, connector, service_url))
    finally:
        await connector.stop()
    floor_total, floor_imports, floor_rss = (
        statistics.median(f[i] for f in floors) for i in range(3)
    )

    ready = [r["ready_s"] * 1000 for r in results]
    first = [r["first_ms"] for r in results]
    last = results[-1]
    mib = 1024
    print(f"Startup ({'quick smoke run' if quick else 'full run'}; {machine()})")
    print(f"`ikbot serve` with a 1,000-row plan, {starts} cold start(s).")
    print()
    print("| measure | value |")
    print("|---|---|")
    print(
        f"| cold start: launch → first `mina kontroller` answered | median "
        f"{statistics.median(ready):.0f} ms (min {min(ready):.0f}, max {max(ready):.0f}) |"
    )
    print(
        f"| of which the first turn itself (plan read, member lookup) | median "
        f"{statistics.median(first):.0f} ms |"
    )
    print(
        f"| floor: bare python importing the SDK, aiohttp, openpyxl, SQLAlchemy (median) | "
        f"{floor_total * 1000:.0f} ms to exit ({floor_imports * 1000:.0f} ms of imports), "
        f"RSS {floor_rss / mib:.0f} MiB |"
    )
    print(
        f"| anchor: a bare Agents SDK agent, launch → first message echoed (median) | "
        f"{statistics.median(anchors) * 1000:.0f} ms |"
    )
    ours = [r["ready_s"] for r in results]
    print(
        f"| ours ÷ anchor; ours ÷ floor (paired medians) | {paired(ours, anchors):.2f}×; "
        f"{paired(ours, [f[0] for f in floors]):.2f}× |"
    )
    print(f"| RSS after the first answer | {last['idle']['VmRSS'] / mib:.0f} MiB |")
    if "after" in last:
        print(
            f"| RSS after the benchmark turns ({last['turns']} turns: 100 users × {rounds} × "
            f"list/open/submit, in {last['turns_s']:.1f} s) | {last['after']['VmRSS'] / mib:.0f} "
            f"MiB (peak {last['after']['VmHWM'] / mib:.0f} MiB) |"
        )

    stops = [r["stop_s"] * 1000 for r in results]
    killed = sum(1 for r in results if r["stop_s"] >= STOP_LIMIT_S)
    print(
        f"| SIGTERM → exit | median {statistics.median(stops):.0f} ms"
        + (f"; {killed} of {starts} did not exit and were killed |" if killed else " |")
    )


async def measure_against(
    before: Path, quick: bool, new_database: bool, starts: int | None = None
) -> None:
    """Cold starts of this checkout and of ``before`` (another checkout: the code before a
    change), interleaved, on a 1,000- and a 10,000-row plan; paired ratios."""
    from plansize import answered_plan  # 70 % answered, as in bench/plansize.py

    starts = starts or (2 if quick else 5)
    checkouts = {"before": before, "after": REPO}
    for checkout in checkouts.values():
        compile_bytecode(checkout)
    connector = BenchConnector([User(0)])
    service_url = await connector.start()
    found: dict[tuple[int, str], list[dict[str, Any]]] = {}
    anchors: list[float] = []
    floors: list[float] = []
    try:
        with tempfile.TemporaryDirectory(prefix="ikbot-startup-against-") as name:
            tmp = Path(name)
            plans = {rows: await answered_plan(tmp / f"plans-{rows}", rows) for rows in SIZES}
            run = 0
            for start in range(starts):
                anchors.append(await anchor_start(tmp, start, connector, service_url))
                floors.append((await floor())[0])
                for rows, plan in plans.items():
                    order = list(checkouts) if start % 2 == 0 else list(checkouts)[::-1]
                    for which in order:
                        result = await one_start(
                            tmp,
                            plan,
                            run,
                            connector,
                            service_url,
                            0,
                            checkouts[which],
                            schema_first=not new_database,
                        )
                        found.setdefault((rows, which), []).append(result)
                        run += 1
    finally:
        await connector.stop()

    print(f"Cold start, before ({before}) and after (this checkout), {starts} interleaved")
    print(f"starts each ({'quick smoke run' if quick else 'full run'}; {machine()}).")
    print("Wall: launch → first `mina kontroller` answered; CPU: the bot process's own to then,")
    print("and of the children it reaped by then (the plan's read-ahead). Medians.")
    print(
        "Each start on a new data folder: its database created by the bot as it starts.\n"
        if new_database
        else "Each start on a data folder whose database is already at the newest schema\n"
        "(`ikbot db upgrade` beforehand, untimed): a restart's, on a plan never read before.\n"
    )
    print(
        f"Anchor (a bare Agents SDK agent, launch → first message echoed): median "
        f"{statistics.median(anchors) * 1000:.0f} ms; floor (bare imports, launch → exit): "
        f"{statistics.median(floors) * 1000:.0f} ms; one of each per round, paired with it.\n"
    )
    print(
        "| plan rows | wall before / after | after ÷ before (paired) | before / after ÷ anchor "
        "| before / after ÷ floor | CPU before / after |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for rows in SIZES:
        was, now = found[(rows, "before")], found[(rows, "after")]

        def median(results: list[dict[str, Any]], key: str) -> float:
            return statistics.median(r[key] for r in results) * 1000

        was_s, now_s = [r["ready_s"] for r in was], [r["ready_s"] for r in now]
        child = median(now, "children_cpu_s")
        print(
            f"| {rows:,} | {median(was, 'ready_s'):.0f} / {median(now, 'ready_s'):.0f} ms | "
            f"{paired(now_s, was_s):.2f}× | {paired(was_s, anchors):.2f}× / "
            f"{paired(now_s, anchors):.2f}× | {paired(was_s, floors):.2f}× / "
            f"{paired(now_s, floors):.2f}× | "
            f"{median(was, 'cpu_s'):.0f} / {median(now, 'cpu_s'):.0f} ms"
            + (f" (+ {child:.0f} ms in the child) |" if child else " |")
        )


async def import_cpu(repo: Path) -> float:
    """CPU seconds of a fresh interpreter importing what `ikbot serve` imports, this
    checkout's code first on the path."""
    env = bare_env(repo)
    process = await asyncio.create_subprocess_exec(  # in the checkout: "-c" puts "" first
        sys.executable, "-c", SERVE_IMPORTS, env=env, cwd=repo, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"importing the bot failed in {repo}")
    return float(out)


async def measure_imports(before: Path, quick: bool, rounds: int | None = None) -> None:
    """The imports' CPU of this checkout and of ``before``, alternating; paired ratio."""
    rounds = rounds or (3 if quick else 15)
    checkouts = {"before": before, "after": REPO}
    for checkout in checkouts.values():
        compile_bytecode(checkout)
    found: dict[str, list[float]] = {"before": [], "after": []}
    for turn in range(rounds):
        for which in list(checkouts) if turn % 2 == 0 else list(checkouts)[::-1]:
            found[which].append(await import_cpu(checkouts[which]))
    was, now = found["before"], found["after"]
    print(f"CPU of the imports `ikbot serve` makes before reading a plan, {rounds} alternating")
    print(f"fresh interpreters each ({'quick smoke run' if quick else 'full run'}; {machine()}):")
    print(
        f"before ({before}) median {statistics.median(was) * 1000:.0f} ms, fastest "
        f"{min(was) * 1000:.0f} ms; after (this checkout) median "
        f"{statistics.median(now) * 1000:.0f} ms, fastest {min(now) * 1000:.0f} ms; "
        f"after ÷ before (paired) {paired(now, was):.2f}×"
    )


SIZES = (1_000, 10_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    parser.add_argument(
        "--against",
        type=Path,
        metavar="CHECKOUT",
        help="compare cold starts with another checkout (e.g. `git worktree add /tmp/before "
        "HEAD~3`) at 1,000 and 10,000 plan rows, interleaved",
    )
    parser.add_argument(
        "--starts",
        type=int,
        help="with --against: starts of each checkout at each size (default 5; more on a noisy "
        "machine)",
    )
    parser.add_argument(
        "--imports",
        action="store_true",
        help="with --against: only the CPU of the imports `ikbot serve` makes before reading "
        "a plan, in fresh interpreters (a small difference the starts' noise hides)",
    )
    parser.add_argument(
        "--new-database",
        action="store_true",
        help="with --against: every start creates its database (a first start, not a restart)",
    )
    args = parser.parse_args()
    if args.against is not None and args.imports:
        asyncio.run(measure_imports(args.against.resolve(), args.quick, args.starts))
    elif args.against is not None:
        asyncio.run(
            measure_against(args.against.resolve(), args.quick, args.new_database, args.starts)
        )
    else:
        asyncio.run(measure(args.quick))


if __name__ == "__main__":
    main()
