"""Write the follow-up reports e2e/report_pdf.sh converts: the three real follow-ups
(Lindesberg delår 2017, Strängnäs helår 2017, Eskilstuna 2021) from their workbooks, each
its own nämnd's report, through `ikbot report --out`. Prints one line per file:
"<path>\t<a text the PDF must contain>"."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.cli import main as ikbot  # noqa: E402
from tests.graph.real_plans import REAL_PLANS  # noqa: E402


def write(out: Path) -> list[tuple[Path, str]]:
    """The reports, and an iakttagelse each must show."""
    made: list[tuple[Path, str]] = []
    folder = Path(tempfile.mkdtemp(prefix="ikbot-report-"))
    for name, (real, build) in REAL_PLANS.items():
        path = build(folder / name, mapped=True)
        os.environ["IKBOT_WORKBOOK"] = str(path)
        os.environ["IKBOT_DATA_DIR"] = str(folder / "var")
        os.environ["IKBOT_TODAY"] = real.today.isoformat()
        target = out / f"{name}.docx"
        target.unlink(missing_ok=True)
        period = real.term.period.label.lower()
        args = ["report", "--period", period, "--year", str(real.term.year)]
        args += ["--out", str(target), "--handlaggare", "Fredrik Lindell"]
        with contextlib.redirect_stdout(sys.stderr):  # stdout is the list of files
            code = ikbot(args)
        if code != 0:
            raise SystemExit(f"ikbot report failed for {name} ({code})")
        made.append((target, real.term.label))
    return made


if __name__ == "__main__":
    for path, text in write(Path(sys.argv[1])):
        print(f"{path}\t{text}")
