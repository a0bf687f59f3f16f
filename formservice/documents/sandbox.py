"""Reading an uploaded document where it cannot hurt the service: in a worker process
with a memory ceiling and a time limit.

The readers refuse what a form never is (too many parts, bombs, loops, ...) before it
costs much, but a reader is large C code (libxml2, qpdf) reading files built to hurt.
So an upload is read in a worker process:

- its address space is capped (RLIMIT_AS, 300 MB by default): an allocation past it fails
  in the worker, never in the service; qpdf's own decoding limits are set there too;
- its CPU time is capped per document (RLIMIT_CPU, 10 s) and the service waits at most
  20 s of wall-clock time before it kills the worker;
- the service holds only the upload and the result (JSON, at most 32 MB) — never a
  Python object the worker made, and never anything the worker did not finish.

A worker that runs out of memory or time, or dies, is replaced; the upload is refused
with a Danish reason (DocumentError). Workers are started once and reused (a worker
reads one document at a time, at most DOCUMENTS_PER_WORKER before it is retired), so a
document costs the service a pipe round trip, not a process start. At most WORKERS
documents are read at once; more uploads wait for a free worker.

`read_document` is the bounded reading every upload uses (services.forms.parse);
`read_in_process` is the same reading without the worker, for trusted callers (the
service's own documents, the test suite's round trips).

Scans and photos of printed forms (documents.scan) are read the same way, by workers of
their own: `identify_scan` (which printed pages the file holds) and `read_scan` (the
record on them). A scan worker loads OpenCV, zxing-cpp and PDFium before its ceiling is
set, so a document worker never pays for them; OpenCV's libraries alone take some 170 MB
of address space (mapped, mostly never resident), so a scan worker's ceiling is
SCAN_MEMORY_LIMIT (see there), and a file of up to 20 pages has SCAN_CPU_SECONDS and
SCAN_WALL_SECONDS.
"""
from __future__ import annotations

import atexit
import json
import logging
import os
import resource
import selectors
import signal
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..forms import options
from ..forms.record import Finding
from .errors import DocumentError

log = logging.getLogger(__name__)

MEMORY_LIMIT = 300 * 1024 * 1024   # a worker's address space
CPU_SECONDS = 10                   # CPU time per document
WALL_SECONDS = 20.0                # wall-clock time per document
WORKERS = 2                        # documents read at once
DOCUMENTS_PER_WORKER = 500
WAIT_SECONDS = 60.0                # for a free worker
START_SECONDS = 60.0               # for a new worker to be ready
MAX_RESULT_BYTES = 32 * 1024 * 1024
QPDF_MEMORY = 64 * 1024 * 1024     # qpdf's decoders, per stream
# Scans: a worker with OpenCV, zxing-cpp, PDFium and the PDF renderer loaded maps 380 MB
# before it reads anything (resident: 100 MB; OpenCV's own libraries are 170 MB of it,
# OpenBLAS's buffers most of the rest). Reading a 300-dpi A4 scan peaks at 455 MB mapped
# (180 MB resident), a 12 MP photo at 460 MB (187 MB), the largest picture accepted (a
# 600-dpi colour A4 PNG, 105 MB decoded) at 550 MB (285 MB): 300 MB is too little, and
# the ceiling keeps some 90 MB above the worst accepted file.
SCAN_MEMORY_LIMIT = 640 * 1024 * 1024
SCAN_CPU_SECONDS = 40              # a file of up to 20 pages, about 1 s of CPU each
SCAN_WALL_SECONDS = 60.0
SCAN_WORKERS = 1                   # scans read at once
# what a scan worker's libraries may start: one thread each (OpenBLAS reserves its
# buffers per thread; Tesseract's OpenMP likewise)
SCAN_ENVIRONMENT = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                    "OMP_THREAD_LIMIT": "1"}

TOO_MUCH_MEMORY = ("Filen kræver for meget hukommelse at læse og bliver ikke læst. En "
                   "udfyldt formular gør aldrig det; filen er beskadiget eller lavet til at "
                   "belaste tjenesten. Upload formularen, som den blev gemt.")
TOO_MUCH_TIME = ("Filen kræver for lang tid at læse og bliver ikke læst. En udfyldt formular "
                 "læses på et øjeblik; filen er beskadiget eller lavet til at belaste "
                 "tjenesten. Upload formularen, som den blev gemt.")
TOO_LARGE_RESULT = ("Filen indeholder langt mere, end en formular kan rumme, og bliver ikke "
                    "læst.")
READER_STOPPED = ("Filen kunne ikke læses: læseren stoppede uventet. Filen er sandsynligvis "
                  "beskadiget; upload formularen, som den blev gemt.")
QPDF_LIMIT = ("PDF'en overskrider grænserne for, hvad en formular kan være (den pakker sig "
              "for langt ud eller er bygget usædvanligt), og bliver ikke læst.")
BUSY = ("Tjenesten læser mange filer lige nu og kunne ikke nå at læse denne. Prøv igen om "
        "lidt.")
SCAN_TOO_MUCH_MEMORY = ("Scanningen kræver for meget hukommelse at læse og bliver ikke "
                        "læst. Scan ved 200-300 dpi eller tag billederne med lavere "
                        "opløsning, højst 20 sider i én fil, og prøv igen.")
SCAN_TOO_MUCH_TIME = ("Scanningen tager for lang tid at læse og bliver ikke læst. Upload "
                      "én formular ad gangen (højst 20 sider), scannet ved 200-300 dpi, og "
                      "prøv igen.")
SCAN_READER_STOPPED = ("Scanningen kunne ikke læses: læseren stoppede uventet. Filen er "
                       "sandsynligvis beskadiget; scan eller fotografér formularen igen.")
_SCAN_REFUSALS = {"memory": SCAN_TOO_MUCH_MEMORY, "time": SCAN_TOO_MUCH_TIME,
                  "stopped": SCAN_READER_STOPPED}
DOCUMENT, SCAN_IDENTIFY, SCAN_READ = "document", "scan_identify", "scan_read"

_EXIT_MEMORY = 3
_EXIT_BROKEN = 4
_MEMORY_REPLY = json.dumps({"status": "memory"}).encode()  # made before any ceiling


# --- the reading itself -----------------------------------------------------------------

def read_in_process(data: bytes) -> tuple[dict, list[Finding]]:
    """The record in a filled form and the warnings from reading it, read here (trusted
    callers only: nothing bounds its memory or time but the readers' own limits)."""
    if data[:5] == b"%PDF-":
        from .pdf_parse import parse_pdf
        return parse_pdf(data)
    from .word_parse import parse_docx
    return parse_docx(data)


@dataclass
class Outcome:
    """What a worker made of a document: the record and findings, or the refusal; the
    worker's peak resident memory while it read the document (bytes) and the time."""
    record: dict | None = None
    findings: list[Finding] = field(default_factory=list)
    refusal: str | None = None
    peak_rss: int = 0
    seconds: float = 0.0
    fate: str = "ok"  # ok | refused | memory | time | result | stopped | busy
    reply: dict | None = None  # a scan's answer (identify_scan, read_scan)
    peak_virtual: int = 0      # the worker's largest address space so far (bytes)

    def result(self) -> tuple[dict, list[Finding]]:
        if self.refusal is not None:
            raise DocumentError(self.refusal)
        return self.record, self.findings


def read_document(data: bytes) -> tuple[dict, list[Finding]]:
    """The record in a filled form and the reading's warnings, read in a bounded worker.

    Raises DocumentError (Danish) when the file is no form we can read, or needs more
    memory or time than any form does."""
    return run(data).result()


def run(data: bytes) -> Outcome:
    """Read `data` in a worker and say how it went (nothing raised for the document)."""
    return _pool().run(data)


def identify_scan(data: bytes) -> list:
    """The page mark (page_marks.PageMark) of each page of a scan or photo, in file order,
    None for a page without a readable QR code; read in a bounded scan worker.

    Raises DocumentError (Danish) when the file is no scan or photo we can read, or needs
    more memory or time than a scan of a form does."""
    from .scan.reader import mark_from_dict
    outcome = run_scan(data, {"kind": SCAN_IDENTIFY})
    if outcome.refusal is not None:
        raise DocumentError(outcome.refusal)
    return [mark_from_dict(mark) for mark in outcome.reply["marks"]]


def read_scan(data: bytes, printed: dict, contact: str | None = None):
    """The record on a scanned printed form (scan.reader.ScanReading), read in a bounded
    scan worker. `printed` maps each printed document's id to the canonical data printed
    under it (a page without an id was printed blank); `contact` is the municipality's
    contact as it was printed.

    Raises DocumentError (Danish) as scan.reader.read_scan does, and when the file needs
    more memory or time than a scan of a form does."""
    from .scan.reader import ScanReading
    request = {"kind": SCAN_READ, "contact": contact,
               "printed": {key: value for key, value in (printed or {}).items()
                           if isinstance(key, str)}}
    outcome = run_scan(data, request)
    if outcome.refusal is not None:
        raise DocumentError(outcome.refusal)
    return ScanReading.from_json(outcome.reply["scan"])


def run_scan(data: bytes, request: dict) -> Outcome:
    """Do a scan `request` ({"kind": "scan_identify"} or {"kind": "scan_read", "printed":
    {...}, "contact": ...}) on `data` in a scan worker and say how it went (nothing
    raised for the file; `reply` holds the answer)."""
    outcome = _scan_pool().run(data, request)
    if outcome.fate in _SCAN_REFUSALS:
        outcome.refusal = _SCAN_REFUSALS[outcome.fate]
    return outcome


def configure(*, workers: int | None = None, memory_limit: int | None = None,
              cpu_seconds: int | None = None, wall_seconds: float | None = None,
              documents_per_worker: int | None = None, scan_workers: int | None = None,
              scan_memory_limit: int | None = None, scan_cpu_seconds: int | None = None,
              scan_wall_seconds: float | None = None) -> None:
    """Change the limits (settings, given at start); running workers are replaced."""
    global WORKERS, MEMORY_LIMIT, CPU_SECONDS, WALL_SECONDS, DOCUMENTS_PER_WORKER
    global SCAN_WORKERS, SCAN_MEMORY_LIMIT, SCAN_CPU_SECONDS, SCAN_WALL_SECONDS
    WORKERS = workers if workers is not None else WORKERS
    MEMORY_LIMIT = memory_limit if memory_limit is not None else MEMORY_LIMIT
    CPU_SECONDS = cpu_seconds if cpu_seconds is not None else CPU_SECONDS
    WALL_SECONDS = wall_seconds if wall_seconds is not None else WALL_SECONDS
    DOCUMENTS_PER_WORKER = (documents_per_worker if documents_per_worker is not None
                            else DOCUMENTS_PER_WORKER)
    SCAN_WORKERS = scan_workers if scan_workers is not None else SCAN_WORKERS
    SCAN_MEMORY_LIMIT = (scan_memory_limit if scan_memory_limit is not None
                         else SCAN_MEMORY_LIMIT)
    SCAN_CPU_SECONDS = scan_cpu_seconds if scan_cpu_seconds is not None else SCAN_CPU_SECONDS
    SCAN_WALL_SECONDS = (scan_wall_seconds if scan_wall_seconds is not None
                         else SCAN_WALL_SECONDS)
    shutdown()


def start(count: int = 1) -> None:
    """Start `count` workers now (at service start), so no upload waits for one."""
    _pool().warm(count)


def shutdown() -> None:
    """Stop every idle worker (workers reading a document stop when they are done)."""
    global _POOL, _SCAN_POOL
    with _POOL_LOCK:
        pool, _POOL = _POOL, None
        scan_pool, _SCAN_POOL = _SCAN_POOL, None
    for each in (pool, scan_pool):
        if each is not None and each.pid == os.getpid():
            each.close()


# --- the service's side -----------------------------------------------------------------

_ROOT = str(Path(__file__).resolve().parents[2])
_BOOT = ("import sys; sys.path.insert(0, {root!r}); "
         "from formservice.documents.sandbox import _serve; _serve({memory}, scan={scan})")


class _Worker:
    def __init__(self, memory_limit: int, scan: bool = False):
        flags = ["-P"] if sys.version_info >= (3, 11) else []
        self.scan = scan
        environment = {**os.environ, **SCAN_ENVIRONMENT} if scan else None
        self.proc = subprocess.Popen(
            [sys.executable, *flags, "-c", _BOOT.format(root=_ROOT, memory=memory_limit,
                                                        scan=scan)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True, bufsize=0,
            env=environment)
        self.served = 0
        self.rusage = None
        self._in = self.proc.stdin.fileno()
        self._out = self.proc.stdout.fileno()
        os.set_blocking(self._in, False)
        ready = self._read(1, time.monotonic() + START_SECONDS)
        if ready != b"R":
            self.kill()
            raise RuntimeError(f"the document worker did not start (exit {self.proc.returncode})")

    def alive(self) -> bool:
        return self.proc.returncode is None and self.proc.poll() is None

    def _read(self, size: int, deadline: float) -> bytes | None:
        """Exactly `size` bytes, or None at end of file or past the deadline."""
        chunks, left = [], size
        with selectors.DefaultSelector() as selector:
            selector.register(self._out, selectors.EVENT_READ)
            while left:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    return None
                chunk = os.read(self._out, min(left, 1 << 20))
                if not chunk:
                    return None
                chunks.append(chunk)
                left -= len(chunk)
        return b"".join(chunks)

    def _write(self, parts, deadline: float) -> bool:
        """Write the parts in order (one system call when the pipe takes them), without
        joining them: the upload is never copied."""
        views = [memoryview(part) for part in parts if len(part)]
        with selectors.DefaultSelector() as selector:
            selector.register(self._in, selectors.EVENT_WRITE)
            while views:
                try:
                    written = os.writev(self._in, [view[:1 << 20] for view in views[:2]])
                except BlockingIOError:
                    written = 0
                except (BrokenPipeError, ConnectionResetError):
                    return False
                while written and views:
                    taken = min(written, len(views[0]))
                    views[0] = views[0][taken:]
                    written -= taken
                    if not views[0]:
                        views.pop(0)
                if views:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or not selector.select(remaining):
                        return False
        return True

    def read(self, data: bytes, request: dict | None = None) -> Outcome:
        started = time.monotonic()
        kind = (request or {}).get("kind", DOCUMENT)
        scanning = kind != DOCUMENT
        deadline = started + (SCAN_WALL_SECONDS if scanning else WALL_SECONDS)
        fields = {"meeting_types": options.meeting_types(),
                  "cpr_enabled": options.cpr_enabled(),
                  "cpu_seconds": SCAN_CPU_SECONDS if scanning else CPU_SECONDS}
        if scanning:
            fields.update(request)
        header = json.dumps(fields).encode()
        self.served += 1
        sent = self._write((struct.pack("!II", len(header), len(data)) + header, data),
                           deadline)
        size = self._read(4, deadline) if sent else None
        if size is None:
            return self._ended(started, deadline)
        (length,) = struct.unpack("!I", size)
        if length > MAX_RESULT_BYTES:
            self.kill()
            return Outcome(refusal=TOO_LARGE_RESULT, fate="result", seconds=self._since(started),
                           peak_rss=self._peak())
        body = self._read(length, deadline)
        if body is None:
            return self._ended(started, deadline)
        try:
            return self._outcome(json.loads(body), started, kind)
        except (ValueError, TypeError, KeyError, AttributeError):  # not an answer we sent
            log.error("The document worker answered something else than a reply")
            self.kill()
            return Outcome(refusal=READER_STOPPED, fate="stopped", seconds=self._since(started))

    def _outcome(self, reply: dict, started: float, kind: str = DOCUMENT) -> Outcome:
        outcome = Outcome(peak_rss=int(reply.get("peak", 0)), seconds=self._since(started),
                          peak_virtual=int(reply.get("peak_virtual", 0)))
        status = reply["status"]
        if status == "ok" and kind != DOCUMENT:
            wanted = "marks" if kind == SCAN_IDENTIFY else "scan"
            if not isinstance(reply[wanted], (list, dict)):
                raise TypeError(wanted)
            outcome.reply = reply
        elif status == "ok":
            if not isinstance(reply["record"], dict):
                raise TypeError("record")
            outcome.record = reply["record"]
            outcome.findings = [Finding(*map(str, item)) for item in reply["findings"]]
        elif status == "refused":
            outcome.refusal, outcome.fate = str(reply["message"]), "refused"
        elif status == "memory":
            outcome.refusal, outcome.fate = TOO_MUCH_MEMORY, "memory"
        else:
            log.error("The document reader failed on an upload:\n%s", reply.get("traceback"))
            outcome.refusal, outcome.fate = READER_STOPPED, "stopped"
        if status in ("memory", "failed"):
            self.stop()
        return outcome

    @staticmethod
    def _since(started: float) -> float:
        return time.monotonic() - started

    def _ended(self, started: float, deadline: float) -> Outcome:
        """The worker stopped answering: it died (a limit, a crash) or ran out of time."""
        timed_out = time.monotonic() >= deadline
        self.kill()
        code = self.proc.returncode
        if timed_out or code == -signal.SIGXCPU:
            fate, refusal = "time", TOO_MUCH_TIME
        elif code in (_EXIT_MEMORY, -signal.SIGKILL, -signal.SIGSEGV, -signal.SIGABRT,
                      -signal.SIGBUS):
            fate, refusal = "memory", TOO_MUCH_MEMORY
        else:
            fate, refusal = "stopped", READER_STOPPED
        if fate == "stopped" or code not in (_EXIT_MEMORY, -signal.SIGXCPU):
            log.warning("The document worker stopped reading an upload (exit %s, %s)", code, fate)
        return Outcome(refusal=refusal, fate=fate, seconds=self._since(started),
                       peak_rss=self._peak())

    def _peak(self) -> int:
        return self.rusage.ru_maxrss * 1024 if self.rusage is not None else 0

    def _reap(self, block: bool) -> None:
        if self.proc.returncode is not None and self.rusage is not None:
            return
        try:
            pid, status, usage = os.wait4(self.proc.pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            self.proc.returncode = self.proc.returncode if self.proc.returncode is not None else -1
            return
        if pid:
            self.rusage = usage
            self.proc.returncode = os.waitstatus_to_exitcode(status)

    def kill(self) -> None:
        if self.proc.returncode is None:
            try:
                self.proc.kill()
            except ProcessLookupError:
                pass
            self._reap(block=True)
        self._close_pipes()

    def stop(self, wait: float = 2.0) -> None:
        """Let the worker end on its own (end of input), killed if it takes too long."""
        self._close_pipes()
        ends = time.monotonic() + wait
        while self.proc.returncode is None and time.monotonic() < ends:
            self._reap(block=False)
            if self.proc.returncode is None:
                time.sleep(0.01)
        self.kill()

    def _close_pipes(self) -> None:
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass


class _Pool:
    def __init__(self, scan: bool = False):
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.idle: list[_Worker] = []
        self.scan = scan
        self.workers = SCAN_WORKERS if scan else WORKERS
        self.slots = threading.BoundedSemaphore(self.workers)
        self.memory_limit = SCAN_MEMORY_LIMIT if scan else MEMORY_LIMIT

    def warm(self, count: int) -> None:
        with self.lock:
            missing = min(count, self.workers) - len(self.idle)
        for _ in range(missing):
            worker = _Worker(self.memory_limit, self.scan)
            with self.lock:
                self.idle.append(worker)

    def _take(self) -> _Worker:
        with self.lock:
            while self.idle:
                worker = self.idle.pop()
                if worker.alive():
                    return worker
                worker.kill()
        return _Worker(self.memory_limit, self.scan)

    def run(self, data: bytes, request: dict | None = None) -> Outcome:
        if not self.slots.acquire(timeout=WAIT_SECONDS):
            return Outcome(refusal=BUSY, fate="busy")
        try:
            worker = self._take()
            try:
                outcome = worker.read(data, request)
            except BaseException:
                worker.kill()
                raise
            if worker.alive() and worker.served < DOCUMENTS_PER_WORKER:
                with self.lock:
                    self.idle.append(worker)
            else:  # worn out or stopped by the document: a fresh one for the next upload
                worker.stop()
                threading.Thread(target=self._replace, daemon=True).start()
            return outcome
        finally:
            self.slots.release()

    def _replace(self) -> None:
        try:
            self.warm(1)
        except Exception:  # noqa: BLE001 - the next upload starts one and says why
            log.exception("Could not start a document worker")

    def close(self) -> None:
        with self.lock:
            idle, self.idle = self.idle, []
        for worker in idle:
            worker.stop(wait=0.5)


_POOL: _Pool | None = None
_SCAN_POOL: _Pool | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> _Pool:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None or _POOL.pid != os.getpid():  # a forked process starts its own
            _POOL = _Pool()
        return _POOL


def _scan_pool() -> _Pool:
    global _SCAN_POOL
    with _POOL_LOCK:
        if _SCAN_POOL is None or _SCAN_POOL.pid != os.getpid():
            _SCAN_POOL = _Pool(scan=True)
        return _SCAN_POOL


def _forget_pool_after_fork() -> None:
    """A forked process starts its own workers; it closes its copies of the parent's
    pipes, so the parent's workers still see the end of their input when it is done."""
    global _POOL, _SCAN_POOL, _POOL_LOCK
    pools = (_POOL, _SCAN_POOL)
    _POOL, _SCAN_POOL, _POOL_LOCK = None, None, threading.Lock()
    for pool in pools:
        if pool is not None:
            for worker in pool.idle:
                worker._close_pipes()


atexit.register(shutdown)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_after_fork)


# --- the worker's side ------------------------------------------------------------------

def _read_exact(fd: int, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def reset_peak_memory() -> bool:
    """Start measuring the peak resident memory anew (Linux: VmHWM)."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def status_bytes(key: str) -> int | None:
    """A size this process reports in /proc/self/status ("VmHWM", "VmPeak"), in bytes."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _peak_virtual() -> int:
    """The largest address space this process has had (Linux: VmPeak), bytes."""
    return status_bytes("VmPeak") or 0


def _peak_bytes(measured: bool) -> int:
    peak = status_bytes("VmHWM") if measured else None
    if peak is not None:
        return peak
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _cpu_used() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _limit_qpdf() -> None:
    import pikepdf.settings
    pikepdf.settings.set_qpdf_limits(
        flate_max_memory=QPDF_MEMORY, run_length_max_memory=QPDF_MEMORY,
        png_max_memory=QPDF_MEMORY, tiff_max_memory=QPDF_MEMORY, dct_max_memory=QPDF_MEMORY,
        max_stream_filters=3, parser_max_container_size=200_000, doc_max_warnings=200)


def _load_scan_reader() -> None:
    """What reading scans needs, loaded before the ceiling is set: OpenCV (one thread),
    zxing-cpp, PDFium, the PDF renderer (the printed page again) and Tesseract's check."""
    import cv2
    import pypdfium2  # noqa: F401
    import zxingcpp  # noqa: F401
    from . import page_layout, pdf_fill  # noqa: F401
    from .scan import reader, read_page
    cv2.setNumThreads(1)
    read_page.tesseract()
    del reader
    _warm_scan_libraries(cv2)


def _warm_scan_libraries(cv2) -> None:
    """Use once what allocates on first use (OpenBLAS's buffers, behind numpy's and
    OpenCV's matrix products, exit the process when they cannot allocate): done before
    the ceiling, so the ceiling only ever meets the reading itself."""
    import numpy as np
    matrix = np.linalg.inv(np.eye(3) @ np.diag([2.0, 2.0, 1.0]))
    points = np.float32([[0, 0], [40, 0], [40, 60], [0, 60], [20, 30]])
    cv2.findHomography(points, points * 1.5 + 3, 0)
    cv2.getPerspectiveTransform(points[:4], points[:4] * 2)
    cv2.estimateAffinePartial2D(points, points + 1, method=cv2.LMEDS)
    picture = np.full((120, 80), 255, np.uint8)
    picture[20:60, 20:50] = 0
    cv2.warpPerspective(picture, matrix, (80, 120))
    template = cv2.GaussianBlur(picture.astype(np.float32), (0, 0), 2.0)
    try:
        cv2.findTransformECC(template, template, np.eye(3, dtype=np.float32),
                             cv2.MOTION_HOMOGRAPHY,
                             (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 5, 1e-3), None, 5)
    except cv2.error:
        pass


def _scan_reply(kind: str, header: dict, data: bytes) -> dict:
    import cv2
    from .scan import reader
    try:
        if kind == SCAN_IDENTIFY:
            return {"status": "ok", "marks": [reader.mark_as_dict(mark)
                                              for mark in reader.identify(data)]}
        printed = header.get("printed") or {}
        reading = reader.read_scan(data, printed, contact=header.get("contact"))
        return {"status": "ok", "scan": reading.as_json()}
    except cv2.error as exc:  # OpenCV says "Insufficient memory" in its own exception
        if "memory" in str(exc).lower() or "allocate" in str(exc).lower():
            raise MemoryError(str(exc)) from None
        raise


def _serve(memory_limit: int, scan: bool = False) -> None:
    """The worker: read documents from standard input, answer on standard output."""
    from . import pdf_parse, word_parse  # noqa: F401 - imported before the ceiling is set
    import pikepdf.settings
    if scan:
        _load_scan_reader()
    reply_fd = os.dup(1)
    os.dup2(2, 1)  # a stray print can never break the answers
    _limit_qpdf()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or hard > memory_limit:
        hard = memory_limit
    resource.setrlimit(resource.RLIMIT_AS, (min(memory_limit, hard), hard))
    try:
        os.write(reply_fd, b"R")
    except BrokenPipeError:  # the service stopped while this worker started
        return
    while True:
        head = _read_exact(0, 8)
        if head is None:
            return
        header_size, size = struct.unpack("!II", head)
        header = json.loads(_read_exact(0, header_size) or b"{}")
        try:
            data = _read_exact(0, size)
        except MemoryError:  # the upload alone is past the ceiling
            _answer(reply_fd, {"status": "memory"})
            os._exit(_EXIT_MEMORY)
        if data is None:
            return
        _, cpu_hard = resource.getrlimit(resource.RLIMIT_CPU)
        budget = int(_cpu_used()) + 1 + int(header.get("cpu_seconds", CPU_SECONDS))
        if cpu_hard != resource.RLIM_INFINITY:
            budget = min(budget, cpu_hard)
        resource.setrlimit(resource.RLIMIT_CPU, (budget, cpu_hard))
        wanted = tuple(tuple(pair) for pair in header.get("meeting_types") or ())
        if (wanted and wanted != options.meeting_types()) or (
                header.get("cpr_enabled") is not None
                and header["cpr_enabled"] != options.cpr_enabled()):
            options.configure(meeting_types=wanted or None,
                              cpr_enabled=header.get("cpr_enabled"))
        measured = reset_peak_memory()
        limit_errors = pikepdf.settings.qpdf_limit_errors()
        code = 0
        kind = header.get("kind", DOCUMENT)
        try:
            if kind in (SCAN_IDENTIFY, SCAN_READ):
                reply = _scan_reply(kind, header, data)
                del data
            else:
                record, findings = read_in_process(data)
                del data
                if pikepdf.settings.qpdf_limit_errors() != limit_errors:
                    raise DocumentError(QPDF_LIMIT)
                reply = {"status": "ok", "record": record,
                         "findings": [[f.code, f.severity, f.path, f.message]
                                      for f in findings]}
        except DocumentError as exc:
            reply = {"status": "refused", "message": str(exc)}
        except MemoryError:
            data = None
            reply, code = {"status": "memory"}, _EXIT_MEMORY
        except RecursionError:
            reply = {"status": "refused", "message": "Filen er indlejret for dybt til at være en "
                                                     "formular og bliver ikke læst."}
        except Exception:  # noqa: BLE001 - a reader's bug: the service logs it
            import traceback
            reply, code = {"status": "failed", "traceback": traceback.format_exc()}, _EXIT_BROKEN
        reply["peak"] = _peak_bytes(measured)
        if kind != DOCUMENT:
            reply["peak_virtual"] = _peak_virtual()
        code = _answer(reply_fd, reply) or code
        if code:
            os._exit(code)


def _answer(fd: int, reply: dict) -> int:
    """Send a reply; a reply too big for the ceiling becomes "memory" (and exit code 3)."""
    code = 0
    try:
        body = json.dumps(reply).encode()
    except MemoryError:
        body, code = _MEMORY_REPLY, _EXIT_MEMORY
    view = memoryview(struct.pack("!I", len(body)) + body)
    while view:
        view = view[os.write(fd, view):]
    return code
