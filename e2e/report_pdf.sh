#!/usr/bin/env bash
# The follow-up report as a person sees it: the three real follow-ups written by
# `ikbot report`, converted to PDF by LibreOffice (headless), their text checked with
# pdftotext (headings, every chapter, page numbers "Sida X av Y" filled in), and each
# page saved as an image under e2e/artifacts/report/ for a person to look at.
#
# Needs .venv; installs the Debian packages libreoffice-writer and poppler-utils when they
# are missing (as root, or through sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/e2e/artifacts/report
say() { printf 'report_pdf: %s\n' "$*"; }

missing=()
command -v soffice >/dev/null || missing+=(libreoffice-writer)
command -v pdftotext >/dev/null || missing+=(poppler-utils)
if [ ${#missing[@]} -gt 0 ]; then
  say "installerar ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}" fonts-dejavu-core
fi

rm -rf "$OUT"
mkdir -p "$OUT"
profile=$(mktemp -d "${TMPDIR:-/tmp}/ikbot-lo.XXXXXX")
trap 'rm -rf "$profile"' EXIT

failures=0
check() { # file, text that must be in it
  if ! grep -qF -- "$2" "$1"; then
    say "FEL: ${1##*/} saknar ”$2”"
    failures=$((failures + 1))
  fi
}

"$ROOT/.venv/bin/python" e2e/report_docs.py "$OUT" > "$OUT/reports.tsv"
while IFS=$'\t' read -r docx term; do
  name=$(basename "$docx" .docx)
  # A private LibreOffice profile: no clash with a running office, nothing left behind.
  soffice -env:UserInstallation="file://$profile" --headless --convert-to pdf \
    --outdir "$OUT" "$docx" >/dev/null 2>&1
  pdf=$OUT/$name.pdf
  [ -s "$pdf" ] || { say "FEL: ingen PDF för $name"; failures=$((failures + 1)); continue; }
  pdftotext -layout "$pdf" "$OUT/$name.txt"
  pages=$(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}')
  check "$OUT/$name.txt" "Uppföljning av intern kontroll ${term,}"
  for heading in "1 Inledning" "2 Sammanfattning" "3 Resultat per kontrollmoment" \
    "4 Uppföljning av tidigare åtgärder" "5 Slutsatser" "6 Förslag till beslut" \
    "Beslutet skickas till" "Handläggare: Fredrik Lindell"; do
    check "$OUT/$name.txt" "$heading"
  done
  check "$OUT/$name.txt" "Sida 1 av $pages"
  check "$OUT/$name.txt" "Sida $pages av $pages"
  pdftoppm -png -r 50 "$pdf" "$OUT/$name-sida"
  say "$name: $pages sidor, bilder i ${OUT#"$ROOT"/}/$name-sida-*.png"
done < "$OUT/reports.tsv"

if [ "$failures" -gt 0 ]; then
  say "$failures kontroller misslyckades"
  exit 1
fi
say "alla rapporter konverterade och kontrollerade"
