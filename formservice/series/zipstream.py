"""Write a batch's ZIP as its documents are produced, to a file or to an HTTP response.

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
        with self.zip.open("manifest.csv", "w") as raw, io.TextIOWrapper(
                raw, encoding="utf-8-sig", newline="") as text:
            writer = csv.writer(text, delimiter=";")
            writer.writerow(["række", "fil", "sha256", "fejl", "advarsler", "beskeder"])
            for row in self._each_row():
                errors = [f for f in row["findings"] if f["severity"] == "error"]
                writer.writerow([row["entry"], row["file"] or "", row["sha256"] or "", len(errors),
                                 len(row["findings"]) - len(errors),
                                 " | ".join(f"{f['path']}: {f['message']}" if f["path"] else f["message"]
                                            for f in row["findings"])])
        self.rows.close()
        self.zip.close()


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
