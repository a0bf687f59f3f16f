"""The process's form options: which meeting types the municipality uses, whether CPR is on.

Forms never read the environment. Configuration or bootstrap code calls `configure()`
once at startup with the municipality's profile; everything in forms/ (the schemas'
validators, the layout the documents draw, the JSON Schema) reads the getters here at
run time, so a later `configure()` takes effect at once.

    configure(meeting_types=(("UM", "Udviklingsmøde"), ("NM", "Netværksmøde"),
                             ("SM", "Samarbejdsmøde")), cpr_enabled=True)

The code "NM" always means netværksmøde (the authority takes part); the rules rely on it.
"""
from __future__ import annotations

import threading
from collections.abc import Mapping

DEFAULT_MEETING_TYPES: tuple[tuple[str, str], ...] = (
    ("UM", "Udviklingsmøde"),
    ("NM", "Netværksmøde"),
)
DEFAULT_CPR_ENABLED = False
NETWORK_MEETING = "NM"

_lock = threading.Lock()
_meeting_types = DEFAULT_MEETING_TYPES
_cpr_enabled = DEFAULT_CPR_ENABLED


def _checked_meeting_types(value) -> tuple[tuple[str, str], ...]:
    if isinstance(value, Mapping):
        value = list(value.items())
    if isinstance(value, (str, bytes)):
        raise ValueError("Mødetyperne skal angives som par af kode og navn, "
                         "fx (\"UM\", \"Udviklingsmøde\").")
    pairs = []
    for item in value:
        try:
            code, label = item
        except (TypeError, ValueError):
            raise ValueError("Hver mødetype skal have en kode og et navn, "
                             "fx (\"UM\", \"Udviklingsmøde\").") from None
        if not isinstance(code, str) or not isinstance(label, str) \
                or not code.strip() or not label.strip():
            raise ValueError("Hver mødetype skal have en kode og et navn, "
                             "fx (\"UM\", \"Udviklingsmøde\").")
        pairs.append((code.strip(), label.strip()))
    if not pairs:
        raise ValueError("Der skal være mindst én mødetype.")
    codes = [code for code, _ in pairs]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise ValueError("Samme mødetype står flere gange: " + ", ".join(duplicates) + ".")
    return tuple(pairs)


def configure(*, meeting_types=None, cpr_enabled=None) -> None:
    """Set the options; an argument left as None keeps its current value.

    `meeting_types`: a sequence of (code, Danish label) pairs or a mapping code → label.
    `cpr_enabled`: whether the child's CPR number may be recorded and shown.
    Raises ValueError (Danish message) for unusable values, changing nothing.
    """
    global _meeting_types, _cpr_enabled
    new_types = _meeting_types if meeting_types is None else _checked_meeting_types(meeting_types)
    if cpr_enabled is not None and not isinstance(cpr_enabled, bool):
        raise ValueError("CPR-indstillingen skal være sand eller falsk.")
    with _lock:
        _meeting_types = new_types
        if cpr_enabled is not None:
            _cpr_enabled = cpr_enabled


def reset() -> None:
    """Back to the defaults: UM and NM, CPR off (for tests)."""
    global _meeting_types, _cpr_enabled
    with _lock:
        _meeting_types = DEFAULT_MEETING_TYPES
        _cpr_enabled = DEFAULT_CPR_ENABLED


def meeting_types() -> tuple[tuple[str, str], ...]:
    return _meeting_types


def cpr_enabled() -> bool:
    return _cpr_enabled
