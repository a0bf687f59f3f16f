#!/usr/bin/env bash
# Debian packages the tests need: LibreOffice Writer 25.2 from bookworm-backports (7.4 drops
# content-control tags when it saves a .docx), DejaVu fonts, Danish hyphenation patterns, poppler (pdftotext, pdftoppm),
# pdftk, which the PDF tests use as an independent form filler, and MuPDF (mutool) as a
# second renderer; Tesseract with its Danish model, which reads rendered pages back in the
# PDF tests and suggests handwritten text in scans; two handwriting fonts for the scan corpus
# (bench/ and the scan tests write on the forms with them); PostgreSQL and Redis for the service and queue tests; Chromium for the
# browser tests of the pages.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  # The backports suite lives beside bookworm's main suite: take that source's URI from the
  # machine (deb822 "URIs:" or a one-line "deb URI bookworm main") instead of naming a host.
  uri=$(grep -rhsE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | awk '{print $2}' | grep -vE 'security|nodesource|google' | head -n 1)
  if [ -z "$uri" ]; then
    uri=$(grep -rhsE '^deb +[^ ]+ +bookworm( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
          | awk '{print $2}' | head -n 1)
  fi
  if [ -z "$uri" ]; then
    echo "Fandt ingen Debian-kilde for bookworm at tilføje bookworm-backports til" >&2
    exit 2
  fi
  cat > /etc/apt/sources.list.d/bookworm-backports.sources <<SOURCES
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
fi
apt-get update -q
apt-get install -y -q --no-install-recommends -t bookworm-backports libreoffice-writer-nogui
apt-get install -y -q --no-install-recommends fonts-dejavu-core hyphen-da poppler-utils pdftk-java mupdf-tools \
  tesseract-ocr tesseract-ocr-dan fonts-dkg-handwriting fonts-breip postgresql redis-server chromium
