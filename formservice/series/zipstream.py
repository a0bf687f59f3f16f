"""Write a batch's ZIP as its documents are produced, to a file or to an HTTP response.

Beside the documents: manifest.json and manifest.csv (every file with its SHA-256 and
findings) and manifest.txt (the same in plain Danish). A pre-filled form has empty fields
by nature; a finding that only says a field is empty (`is_blank_field`) is counted as a
"tomt felt", never as "fejl": only real findings of the produced document are.

Each document is written and forgotten, so memory stays flat however large the batch: what
stays is zipfile's directory of names and checksums, about a hundred bytes a document.
Documents are stored without compression (Word and PDF files are compressed already).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import tempfile
import zipfile
from collections.abc import Iterable, Iterator

from ..forms.danish import plural

ABOUT_BLANK_FIELDS = (
    "Formularerne er udfyldt på forhånd med det, planen ved (barnet, mødedatoen, "
    "deltagerne og indsatserne fra sidste møde). Felter, der stadig står tomme, fx "
    "mødeleder, forældrenes samtykke eller beslutningen om en indsats, er ikke fejl: "
    "de udfyldes, når formularen bruges. I manifest.csv står de for sig, i kolonnen "
    "\"felter at udfylde\". "
    "Kun det, der er galt i det udfyldte, tælles som fejl eller advarsler.")


def is_blank_field(finding: dict) -> bool:
    """A finding that only says a field is still empty (a required field, or something a
    rule misses): what every pre-filled form has until it is used, so not a "fejl"."""
    code = finding.get("code") or ""
    return code == "required" or code.endswith("_missing")


def counts(findings: list[dict]) -> dict:
    """Errors, warnings and blank fields of one document, as the manifest counts them."""
    blank = [f for f in findings if is_blank_field(f)]
    real = [f for f in findings if not is_blank_field(f)]
    errors = sum(1 for f in real if f.get("severity") == "error")
    return {"errors": errors, "warnings": len(real) - errors, "blank_fields": len(blank)}


class _Chunks(io.RawIOBase):
    """A write-only stream whose bytes are taken out in chunks (for a streamed response)."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.offset = 0

    def writable(self):
        return True

    def write(self, data):
        self.parts.append(bytes(data))
        self.offset += len(data)
        return len(data)

    def tell(self):
        return self.offset

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


class ManifestZip:
    """A ZIP of documents in per-child folders, with manifest.json and manifest.csv.

    The manifest's rows (with every document's findings) wait in a temporary file, not in
    memory, until the end."""

    def __init__(self, target):
        self.zip = zipfile.ZipFile(target, "w", zipfile.ZIP_STORED, allowZip64=True)
        self.rows = tempfile.TemporaryFile("w+", encoding="utf-8")

    def _row(self, row: dict):
        row["findings"] = [{**f, "blank_field": is_blank_field(f)} for f in row["findings"]]
        row.update(counts(row["findings"]))
        self.rows.write(json.dumps(row, ensure_ascii=False) + "\n")

    def add(self, entry: int, path: str, content: bytes, findings: list[dict]):
        info = zipfile.ZipInfo(path, (2026, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_STORED
        self.zip.writestr(info, content)
        self._row({"entry": entry, "file": path, "sha256": hashlib.sha256(content).hexdigest(),
                   "findings": findings})

    def failed(self, entry: int, path: str, findings: list[dict]):
        """A document that could not be made: in the manifest only."""
        self._row({"entry": entry, "file": None, "planned_file": path, "sha256": None,
                   "findings": findings})

    def report(self, entry: int, child: str, problems: list[str]):
        self._row({"entry": entry, "file": None, "sha256": None, "child": child,
                   "findings": [{"code": "batch.entry_invalid", "severity": "error",
                                 "path": "", "message": problem} for problem in problems]})

    def _each_row(self):
        self.rows.seek(0)
        for line in self.rows:
            yield json.loads(line)

    def close(self):
        with self.zip.open("manifest.json", "w") as out:
            out.write(b"[\n")
            for index, row in enumerate(self._each_row()):
                out.write((",\n" if index else "").encode() + json.dumps(
                    row, ensure_ascii=False, indent=2).encode("utf-8"))
            out.write(b"\n]\n")
        totals = {"documents": 0, "failed": 0, "invalid": 0, "errors": 0, "warnings": 0,
                  "blank_fields": 0, "with_findings": 0}
        children = set()
        with self.zip.open("manifest.csv", "w") as raw, io.TextIOWrapper(
                raw, encoding="utf-8-sig", newline="") as text:
            writer = csv.writer(text, delimiter=";")
            writer.writerow(["række", "fil", "sha256", "fejl", "advarsler", "beskeder",
                             "tomme felter", "felter at udfylde"])
            for row in self._each_row():
                real = [f for f in row["findings"] if not f["blank_field"]]
                blank = [f for f in row["findings"] if f["blank_field"]]
                writer.writerow([row["entry"], row["file"] or "", row["sha256"] or "",
                                 row["errors"], row["warnings"],
                                 " | ".join(f["message"] for f in real), row["blank_fields"],
                                 " | ".join(f["message"] for f in blank)])
                kind = _kind(row)
                totals[kind] += 1
                if kind == "documents":
                    children.add(row["entry"])
                    totals["with_findings"] += bool(real)
                for key in ("errors", "warnings", "blank_fields"):
                    totals[key] += row[key] if kind == "documents" else 0
        totals["children"] = len(children)
        with self.zip.open("manifest.txt", "w") as raw, io.TextIOWrapper(
                raw, encoding="utf-8-sig", newline="\r\n") as out:
            out.write(summary_text(totals))
            if totals["invalid"]:
                out.write("\nRækker i planen der ikke blev lavet\n")
                for row in self._each_row():
                    if _kind(row) == "invalid":
                        who = f" ({row['child']})" if row.get("child") else ""
                        out.write(f"Række {row['entry']}{who}:\n" + "".join(
                            f"  - {f['message']}\n" for f in row["findings"]))
            if totals["failed"] or totals["with_findings"]:
                out.write("\nDokumenter med fejl eller advarsler\n")
                for row in self._each_row():
                    real = [f for f in row["findings"] if not f["blank_field"]]
                    if _kind(row) != "invalid" and real:
                        out.write(f"{row['file'] or row.get('planned_file')}"
                                  f"{'' if row['file'] else ' (ikke lavet)'}:\n" + "".join(
                                      f"  - {'Fejl' if f['severity'] == 'error' else 'Advarsel'}: "
                                      f"{f['message']}\n" for f in real))
        self.rows.close()
        self.zip.close()


def _kind(row: dict) -> str:
    if row["file"]:
        return "documents"
    return "failed" if row.get("planned_file") else "invalid"


def summary_text(totals: dict) -> str:
    """The head of manifest.txt: the batch in plain Danish."""
    lines = ["Bestillingen", "",
             f"{plural(totals['documents'], 'dokument', 'dokumenter')} til "
             f"{plural(totals['children'], 'barn', 'børn')}."]
    if totals["failed"]:
        lines.append(f"{plural(totals['failed'], 'dokument', 'dokumenter')} kunne ikke laves.")
    if totals["invalid"]:
        lines.append(f"{plural(totals['invalid'], 'række', 'rækker')} i planen kunne ikke "
                     "bruges; grunden står nedenfor.")
    lines.append(f"I de lavede dokumenter: {plural(totals['errors'], 'fejl', 'fejl')} og "
                 f"{plural(totals['warnings'], 'advarsel', 'advarsler')}.")
    lines += ["", "Om tomme felter", ABOUT_BLANK_FIELDS,
              f"I alt står der {plural(totals['blank_fields'], 'tomt felt', 'tomme felter')} "
              "til at blive udfyldt.", "",
              "manifest.csv og manifest.json har hver fil med dens SHA-256 og alle beskeder."]
    return "\n".join(lines) + "\n"


def stream_zip(documents: Iterable[tuple[int, str, bytes, list[dict]]],
               problems: Iterable[tuple[int, str, list[str]]] = ()) -> Iterator[bytes]:
    """The ZIP as chunks, produced while `documents` is read (for a streamed download)."""
    sink = _Chunks()
    archive = ManifestZip(sink)
    for entry, child, reasons in problems:
        archive.report(entry, child, reasons)
    for entry, path, content, findings in documents:
        if content is None:
            archive.failed(entry, path, findings)
            continue
        archive.add(entry, path, content, findings)
        chunk = sink.take()
        if chunk:
            yield chunk
    archive.close()
    yield sink.take()
