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
    """A ZIP of documents in per-child folders, with manifest.json and manifest.csv."""

    def __init__(self, target):
        self.zip = zipfile.ZipFile(target, "w", zipfile.ZIP_STORED, allowZip64=True)
        self.rows: list[dict] = []

    def add(self, entry: int, path: str, content: bytes, findings: list[dict]):
        info = zipfile.ZipInfo(path, (2026, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_STORED
        self.zip.writestr(info, content)
        self.rows.append({"entry": entry, "file": path, "sha256": hashlib.sha256(content).hexdigest(),
                          "findings": findings})

    def report(self, entry: int, child: str, problems: list[str]):
        self.rows.append({"entry": entry, "file": None, "sha256": None, "child": child,
                          "findings": [{"code": "batch.entry_invalid", "severity": "error",
                                        "path": "", "message": problem} for problem in problems]})

    def close(self):
        rows = sorted(self.rows, key=lambda row: (row["entry"], row["file"] or ""))
        self.zip.writestr("manifest.json", json.dumps(rows, ensure_ascii=False, indent=2))
        text = io.StringIO()
        writer = csv.writer(text, delimiter=";")
        writer.writerow(["række", "fil", "sha256", "fejl", "advarsler", "beskeder"])
        for row in rows:
            errors = [f for f in row["findings"] if f["severity"] == "error"]
            writer.writerow([row["entry"], row["file"] or "", row["sha256"] or "", len(errors),
                             len(row["findings"]) - len(errors),
                             " | ".join(f"{f['path']}: {f['message']}" if f["path"] else f["message"]
                                        for f in row["findings"])])
        self.zip.writestr("manifest.csv", "\ufeff" + text.getvalue())
        self.zip.close()


def stream_zip(documents: Iterable[tuple[int, str, bytes, list[dict]]],
               problems: Iterable[tuple[int, str, list[str]]] = ()) -> Iterator[bytes]:
    """The ZIP as chunks, produced while `documents` is read (for a streamed download)."""
    sink = _Chunks()
    archive = ManifestZip(sink)
    for entry, child, reasons in problems:
        archive.report(entry, child, reasons)
    for entry, path, content, findings in documents:
        if content is None:  # a document that could not be made: in the manifest only
            archive.rows.append({"entry": entry, "file": None, "sha256": None, "findings": findings})
            continue
        archive.add(entry, path, content, findings)
        chunk = sink.take()
        if chunk:
            yield chunk
    archive.close()
    yield sink.take()
