"""A throwaway PostgreSQL server for the tests and benchmarks (Debian's ``postgresql``).

    python -m tests.pg_server run -- COMMAND…   # start, run COMMAND with the server, stop

The server lives in a temporary directory, listens on a free loopback port with fsync
off (nothing in it needs to survive) and trusts local connections. ``pg_ctl`` refuses
to run as root, so as root it runs as the ``postgres`` user. With IKBOT_TEST_DATABASE_URL
already set, ``run`` uses that server instead and starts none.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ENV = "IKBOT_TEST_DATABASE_URL"
INSTALL_HINT = (
    "The tests need PostgreSQL and could not start it. Install Debian's postgresql package "
    f"(`make test` does) or point {ENV} at a server, e.g. "
    "postgresql://postgres@127.0.0.1:5432/postgres."
)


class ServerError(Exception):
    """The throwaway server could not be started; the message says why."""


def bindir() -> Path:
    """The directory with initdb and pg_ctl (the newest installed major version)."""
    found = shutil.which("pg_config")
    if found:
        out = subprocess.run([found, "--bindir"], capture_output=True, text=True, check=False)
        candidate = Path(out.stdout.strip())
        if (candidate / "initdb").exists():
            return candidate
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if versions:
        return Path(versions[-1]).parent
    if shutil.which("initdb"):
        return Path(shutil.which("initdb") or "").parent
    raise ServerError("initdb was not found")


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running throwaway server."""

    url: str
    directory: Path
    bin: Path

    def stop(self) -> None:
        """Stop the server and delete its directory."""
        _run(
            self,
            [
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.directory / "data"),
                "-m",
                "immediate",
                "stop",
            ],
            check=False,
        )
        shutil.rmtree(self.directory, ignore_errors=True)


def _as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _run(server: Server | None, command: list[str], *, check: bool = True) -> None:
    result = subprocess.run(
        [*_as_postgres(), *command], capture_output=True, text=True, check=False
    )
    if check and result.returncode != 0:
        log = ""
        if server is not None and (server.directory / "log").exists():
            log = (server.directory / "log").read_text(errors="replace")[-2000:]
        raise ServerError(
            f"{Path(command[0]).name} failed ({result.returncode}): "
            f"{result.stderr.strip() or result.stdout.strip()}\n{log}".strip()
        )


def start() -> Server:
    """Initialise and start a server; raise ServerError with the reason if it cannot."""
    bin_dir = bindir()
    directory = Path(tempfile.mkdtemp(prefix="ikbot-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    server = Server("", directory, bin_dir)
    try:
        _run(
            server,
            [
                str(bin_dir / "initdb"),
                "-D",
                str(directory / "data"),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
        )
        for attempt in (1, 2, 3):  # the free port may be taken between asking and binding
            port = free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -p {port} -k {directory} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
            )
            try:
                _run(
                    server,
                    [
                        str(bin_dir / "pg_ctl"),
                        "-D",
                        str(directory / "data"),
                        "-l",
                        str(directory / "log"),
                        "-w",
                        "-o",
                        options,
                        "start",
                    ],
                )
                break
            except ServerError:
                if attempt == 3:
                    raise
    except BaseException:
        server.stop()
        raise
    server.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    return server


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server (dropped afterwards); yields its plain URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"ikbot_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(command: Sequence[str]) -> int:
    """Run ``command`` with IKBOT_TEST_DATABASE_URL pointing at a server; return its code."""
    if os.environ.get(ENV):
        return subprocess.run(list(command), check=False).returncode
    try:
        server = start()
    except ServerError as error:
        print(f"tests.pg_server: {error}\n{INSTALL_HINT}", file=sys.stderr)
        return 2
    try:
        return subprocess.run(
            list(command), env={**os.environ, ENV: server.url}, check=False
        ).returncode
    finally:
        server.stop()


def main(argv: Sequence[str]) -> int:
    """``run -- COMMAND…``."""
    if len(argv) < 3 or argv[0] != "run" or argv[1] != "--":
        print("usage: python -m tests.pg_server run -- COMMAND…", file=sys.stderr)
        return 2
    return run(argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
