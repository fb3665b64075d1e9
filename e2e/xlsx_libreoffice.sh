#!/usr/bin/env bash
# A workbook the local writer has patched opens in LibreOffice Calc. A plan with a chart,
# an image, cached formulas, validation and an x14 extension (tests/graph/rich_workbook.py)
# gets two batches of answers through graph.xlsx_writer (patched, never rewritten), then
# LibreOffice converts every sheet to CSV headless, and the answers sheet must read the same
# as openpyxl reads it (e2e/xlsx_libreoffice.py says what is compared).
#
# Needs .venv and soffice (Debian: apt-get install --no-install-recommends
# libreoffice-calc-nogui). `make e2e` can run it after e2e/run.sh:
#   e2e: ... ; bash e2e/run.sh && bash e2e/xlsx_libreoffice.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/.venv/bin
if ! command -v soffice >/dev/null; then
  echo "xlsx_libreoffice: soffice is missing (apt-get install libreoffice-calc-nogui)" >&2
  exit 1
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/ikbot-xlsx-lo.XXXXXX")
trap 'rm -rf "$work"' EXIT

PYTHONPATH=$PWD "$BIN/python" e2e/xlsx_libreoffice.py write "$work/plan.xlsx"
# Its own profile, so a desktop LibreOffice of the user is neither used nor changed; the
# filter writes cells as shown (the ninth token) and every sheet to its own file,
# plan-<sheet>.csv (the last, -1).
timeout 120 soffice -env:UserInstallation="file://$work/profile" --headless \
  --convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1' \
  --outdir "$work" "$work/plan.xlsx" >"$work/soffice.log" 2>&1 || {
  cat "$work/soffice.log" >&2
  exit 1
}
PYTHONPATH=$PWD "$BIN/python" e2e/xlsx_libreoffice.py check "$work/plan.xlsx"
