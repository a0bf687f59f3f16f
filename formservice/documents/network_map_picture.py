"""Netværkskort as a picture: the child in the middle, the network around it.

`layout_network_map(data, size_px)` decides where everything goes (pure geometry,
no pixels); `draw_network_map(data, size_px=...)` draws exactly that layout with
Pillow and returns PNG bytes.  Keeping the two apart lets tests check where every
name went without reading pixels back.

The picture is square.  The child sits in a circle in the middle; three rings
around it are closeness 1 (tæt), 2 (mellem) and 3 (løs), labelled on the left
half of the horizontal divider; the four quadrants are the sectors of the form
(family top left, friends top right, school/daycare bottom left, professionals
bottom right), named in the corners.  Every person is a white "chip" with a dot
(filled: invite to meetings, open: do not; see the legend), the name in bold and
the relation underneath (left out where the name already says it: "Mormor Åse").
Chips stay wholly inside their own quadrant and ring band and never overlap:

* one name size for the whole picture, the largest that fits, down to a floor
  that still reads in print at 16 cm wide (28 px at 1600 px, about 8 pt);
* the ring radii follow the demand: each ring as wide as its most crowded sector
  needs, the spare room shared out evenly;
* in a band, chips are spread evenly along the arc, staggered radially when it
  is crowded, or packed in rows when it is very crowded; long names wrap onto
  two balanced lines;
* only at the floor, a crowded band leaves out relations and then abbreviates
  names with "…"; a band that still overflows spills into free room nearby.

People without a (valid) sector or closeness are listed under "Ikke placeret" in
the top right corner, or along the bottom when there are many (a half-filled
map).  Links ("kender hinanden") are lines between chips, drawn beneath them.

Colours are soft tints that stay distinct in greyscale (the inner rings are
darker).  Deterministic: the same data gives the same bytes.
"""
from __future__ import annotations

import functools
import heapq
import io
import math
import os
import unicodedata
from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageFont

from ..forms.network_map import SECTORS

__all__ = [
    "RING_LABELS",
    "SECTOR_QUADRANTS",
    "NetworkMapLayout",
    "PersonPlacement",
    "TextLabel",
    "bold_font_path",
    "draw_network_map",
    "font_path",
    "layout_network_map",
]

# --------------------------------------------------------------------------- fonts

DEJAVU_DIR = "/usr/share/fonts/truetype/dejavu"  # Debian's fonts-dejavu-core
_DEJAVU = (os.path.join(DEJAVU_DIR, "DejaVuSans.ttf"),
           os.path.join(DEJAVU_DIR, "DejaVuSans-Bold.ttf"))
# The DejaVu subsets this package ships for its PDFs (if present), then reportlab's Vera.
_PACKAGED = (os.path.join(os.path.dirname(__file__), "fonts", "DejaVuSans-subset.ttf"),
             os.path.join(os.path.dirname(__file__), "fonts", "DejaVuSans-Bold-subset.ttf"))
_REPORTLAB_FILES = ("Vera.ttf", "VeraBd.ttf")


def _reportlab_fonts() -> tuple[str, str] | None:
    try:
        import reportlab
    except ImportError:  # pragma: no cover - reportlab is a dependency here
        return None
    folder = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
    regular, bold = (os.path.join(folder, name) for name in _REPORTLAB_FILES)
    if not os.path.isfile(regular):
        return None
    return regular, bold if os.path.isfile(bold) else regular


@functools.cache
def _font_files() -> tuple[str | None, str | None]:
    """Local TrueType files only; nothing is ever fetched."""
    for regular, bold in (_DEJAVU, _PACKAGED):
        if os.path.isfile(regular):
            return regular, bold if os.path.isfile(bold) else regular
    fallback = _reportlab_fonts()
    if fallback:
        return fallback
    return None, None


def font_path() -> str | None:
    """The TrueType file used for regular text (DejaVu Sans, else reportlab's Vera)."""
    return _font_files()[0]


def bold_font_path() -> str | None:
    """The TrueType file used for names and headings."""
    return _font_files()[1]


@functools.lru_cache(maxsize=256)
def _font(size: int, bold: bool = False):
    path = _font_files()[1 if bold else 0]
    size = max(1, int(size))
    if path:
        return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)  # pragma: no cover - no TTF on the machine


@functools.lru_cache(maxsize=8192)
def _text_width(text: str, size: int, bold: bool) -> float:
    return _font(size, bold).getlength(text) if text else 0.0


@functools.lru_cache(maxsize=256)
def _line_height(size: int, bold: bool) -> int:
    ascent, descent = _font(size, bold).getmetrics()
    return int(ascent + descent)


# ---------------------------------------------------------------------- constants

#: sector -> (x sign, y sign) of its quadrant, in screen coordinates (y down).
SECTOR_QUADRANTS = {
    "family": (-1, -1),
    "friends": (1, -1),
    "school": (-1, 1),
    "professional": (1, 1),
}
SECTOR_LABELS = dict(SECTORS)
SECTOR_KEYS = tuple(key for key, _ in SECTORS if key in SECTOR_QUADRANTS)
#: Sectors in which walking clockwise means a growing angle from the horizontal axis.
_CLOCKWISE_GROWS = {"family": True, "friends": False, "school": False, "professional": True}
RING_LABELS = {1: "Tæt", 2: "Mellem", 3: "Løs"}

# One soft tint per sector (inner ring); the outer rings fade towards white.  In
# greyscale the quadrants alternate slightly darker/lighter like a chessboard.
_TINT = {
    "family": (250, 222, 200),
    "friends": (226, 243, 221),
    "school": (224, 236, 250),
    "professional": (234, 222, 244),
}
_ACCENT = {
    "family": (196, 120, 76),
    "friends": (92, 146, 86),
    "school": (76, 118, 176),
    "professional": (128, 98, 168),
}
_RING_STRENGTH = {1: 1.0, 2: 0.72, 3: 0.45}
_INK = (34, 34, 34)
_INK_SOFT = (88, 88, 88)
_LINE = (150, 150, 150)
_WHITE = (255, 255, 255)

_BASE = 1600.0  # all distances below are pixels at 1600 px and scale linearly
_NAME_SIZES = (36, 34, 32, 30, 28)  # the last one is the floor (about 8 pt at 16 cm)
_RELATION_RATIO = 0.8
_RELATION_FLOOR = 24
_MAX_TEXT = 200  # characters kept of any one text before measuring


# -------------------------------------------------------------------- the layout

@dataclass
class PersonPlacement:
    """Where one person of data["people"] ends up."""

    index: int  # position in data["people"]
    name: str  # cleaned full name (what links refer to)
    relation: str  # cleaned full relation
    sector: str | None
    closeness: int | None
    invite: bool
    box: tuple[int, int, int, int]  # the chip (or the list line), x0, y0, x1, y1
    text_box: tuple[int, int, int, int]  # where the name itself is drawn
    name_lines: tuple[str, ...]
    relation_text: str  # relation as drawn ("" when left out)
    name_px: int
    relation_px: int
    dot: tuple[int, int, int]  # centre x, centre y, radius of the invite marker
    abbreviated: bool = False
    overflow: bool = False  # last resort: outside its ring band (never in normal maps)

    @property
    def centre(self) -> tuple[float, float]:
        x0, y0, x1, y1 = self.box
        return (x0 + x1) / 2, (y0 + y1) / 2


@dataclass
class TextLabel:
    kind: str  # "sector", "ring", "legend", "heading", "more"
    text: str
    box: tuple[int, int, int, int]
    px: int
    bold: bool = False
    key: str | int | None = None  # sector key, ring number, legend entry


@dataclass
class NetworkMapLayout:
    size: int
    centre: tuple[float, float]
    child_name: str
    child_lines: tuple[str, ...]
    child_px: int
    child_radius: float
    ring_radii: tuple[float, float, float, float]  # child edge, ring 1, 2, 3 outer edges
    placed: list[PersonPlacement] = field(default_factory=list)
    unplaced: list[PersonPlacement] = field(default_factory=list)  # listed in a corner
    hidden_unplaced: int = 0  # not listed for lack of room ("+ N flere")
    links: list[tuple[int, int]] = field(default_factory=list)  # pairs of person indexes
    # each link's line as drawn: from one chip's centre to the other's, around every other
    # chip, the child and the labels (a straight line where nothing is in the way)
    link_paths: list[tuple[tuple[float, float], ...]] = field(default_factory=list)
    labels: list[TextLabel] = field(default_factory=list)
    legend_links: bool = False
    list_top: int | None = None  # where the list of unplaced people along the bottom starts

    @property
    def outer_radius(self) -> float:
        return self.ring_radii[3]

    def band(self, closeness: int) -> tuple[float, float]:
        return self.ring_radii[closeness - 1], self.ring_radii[closeness]

    def person(self, index: int) -> PersonPlacement | None:
        for item in self.placed + self.unplaced:
            if item.index == index:
                return item
        return None


# ----------------------------------------------------------------- reading data

@dataclass
class _Person:
    index: int
    name: str
    relation: str
    sector: str | None
    closeness: int | None
    invite: bool
    unnamed: bool = False
    shown_relation: str = ""  # left out where the name already says it ("Mormor Åse")


_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                           "\u2066\u2067\u2068\u2069")


def _clean(value) -> str:
    """Printable single-line text: controls become spaces, whitespace collapses."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    text = unicodedata.normalize("NFC", text[: _MAX_TEXT * 2])
    out = []
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp") or char in "\t\n\r\x0b\x0c":
            out.append(" ")
        elif category in ("Cs", "Cn") or char in _BIDI_CONTROLS:
            continue  # lone surrogates, unassigned code points, direction overrides
        else:
            out.append(char)
    return " ".join("".join(out).split())[:_MAX_TEXT]


def _closeness(value) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(str(value).strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return int(number) if number in (1, 2, 3) else None


def _people(data: dict) -> list[_Person]:
    people = []
    raw = data.get("people") if isinstance(data, dict) else None
    if not isinstance(raw, (list, tuple)):
        return people
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            continue
        name, relation = _clean(item.get("name")), _clean(item.get("relation"))
        sector = item.get("sector")
        sector = sector if isinstance(sector, str) and sector in SECTOR_QUADRANTS else None
        closeness = _closeness(item.get("closeness"))
        if not name and not relation and sector is None and closeness is None:
            continue  # a blank row
        unnamed = not name
        name = name or relation or "Uden navn"
        relation = relation if not unnamed else ""
        people.append(_Person(index, name, relation, sector, closeness,
                              bool(item.get("invite")), unnamed,
                              "" if _says_relation(name, relation) else relation))
    return people


def _words(text: str) -> list[str]:
    return "".join(c if c.isalnum() else " " for c in text.casefold()).split()


def _says_relation(name: str, relation: str) -> bool:
    """True when the relation's words already open the name: "Mormor Åse", "Mormor"."""
    words, said = _words(relation), _words(name)
    return bool(words) and said[: len(words)] == words


def _child_name(data: dict) -> str:
    child = data.get("child") if isinstance(data, dict) else None
    child = child if isinstance(child, dict) else {}
    name = _clean(child.get("name"))
    if name and child.get("anonymised"):
        name = name.split(" ")[0]
    return name or "Barnet"


# -------------------------------------------------------------- text fitting

def _break_points(text: str) -> list[tuple[str, str]]:
    """Ways to cut `text` into two lines: at spaces, after hyphens and slashes."""
    cuts = []
    for i, char in enumerate(text):
        if char == " ":
            cuts.append((text[:i], text[i + 1:]))
        elif char in "-/" and 0 < i < len(text) - 1:
            cuts.append((text[: i + 1], text[i + 1:]))
    return [(a.strip(), b.strip()) for a, b in cuts if a.strip() and b.strip()]


def _truncate(text: str, size: int, bold: bool, width: float) -> str:
    if _text_width(text, size, bold) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # longest prefix that fits together with the ellipsis
        mid = (lo + hi + 1) // 2
        if _text_width(text[:mid].rstrip() + "…", size, bold) <= width:
            lo = mid
        else:
            hi = mid - 1
    return (text[:lo].rstrip() + "…") if lo else "…"


def _balanced(text: str, size: int, bold: bool, width: float):
    """The two-line split with the narrowest longer line, if it fits `width`."""
    best = None
    for first, second in _break_points(text):
        wide = max(_text_width(first, size, bold), _text_width(second, size, bold))
        if wide <= width and (best is None or wide < best[0]):
            best = (wide, first, second)
    return (best[1], best[2]) if best else None


def _wrap(text: str, size: int, bold: bool, width: float, allow_cut: bool,
          max_lines: int = 2, two: bool = False) -> tuple[tuple[str, ...], bool] | None:
    """One line, else the most balanced two lines, else (if allowed) abbreviated.
    With `two`, the balanced two lines even where one line would fit."""
    if two and max_lines >= 2:
        lines = _balanced(text, size, bold, width)
        if lines:
            return lines, False
    if _text_width(text, size, bold) <= width:
        return (text,), False
    if max_lines >= 2:
        lines = _balanced(text, size, bold, width)
        if lines:
            return lines, False
    if not allow_cut:
        return None
    if max_lines < 2:
        return (_truncate(text, size, bold, width),), True
    # Abbreviate over-long words ("Sundhedspl…"), then wrap; cut the tail if needed.
    words = [_truncate(word, size, bold, width) for word in text.split(" ")]
    short = " ".join(words)
    if _text_width(short, size, bold) <= width:
        return (short,), True
    lines = _balanced(short, size, bold, width)
    if lines:
        return lines, True
    first, i = words[0], 1
    while i < len(words) and _text_width(first + " " + words[i], size, bold) <= width:
        first += " " + words[i]
        i += 1
    rest = " ".join(words[i:])
    if not rest:
        return (first,), True
    return (first, _truncate(rest, size, bold, width)), True


# ------------------------------------------------------------------ geometry


class _Scale:
    def __init__(self, size: int):
        self.size = size
        self.k = size / _BASE

    def __call__(self, value: float) -> int:
        return max(1, round(value * self.k))


@dataclass(frozen=True)
class _Chip:
    person: _Person
    w: int
    h: int
    name_lines: tuple[str, ...]
    relation: str
    name_px: int
    relation_px: int
    abbreviated: bool


@dataclass(frozen=True)
class _ChipStyle:
    """Pixel sizes of a chip's insides for one picture size."""
    pad_x: int
    pad_y: int
    dot: int
    dot_gap: int
    relation_floor: int

    @classmethod
    def of(cls, sc: _Scale) -> _ChipStyle:
        return cls(sc(8), sc(5), sc(12), sc(7), sc(_RELATION_FLOOR))


@functools.lru_cache(maxsize=4096)
def _measure_text(name: str, relation: str, style: _ChipStyle, name_px: int,
                  text_width: int, allow_cut: bool, with_relation: bool, two: bool):
    relation_px = max(style.relation_floor, round(name_px * _RELATION_RATIO))
    wrapped = _wrap(name, name_px, True, text_width, allow_cut, two=two)
    if wrapped is None:
        return None
    lines, cut = wrapped
    name_w = max(_text_width(line, name_px, True) for line in lines)
    shown = ""
    if with_relation and relation:
        shown = _truncate(relation, relation_px, False, max(text_width, name_w))
    text_w = max(name_w, _text_width(shown, relation_px, False))
    w = math.ceil(2 * style.pad_x + style.dot + style.dot_gap + text_w)
    h = 2 * style.pad_y + len(lines) * _line_height(name_px, True)
    if shown:
        h += _line_height(relation_px, False)
    return w, int(h), lines, shown, relation_px, cut


def _measure(person: _Person, style: _ChipStyle, name_px: int, text_width: int,
             allow_cut: bool, with_relation: bool = True, two: bool = False) -> _Chip | None:
    found = _measure_text(person.name, person.shown_relation, style, name_px, text_width,
                          allow_cut, with_relation, two)
    if found is None:
        return None
    w, h, lines, shown, relation_px, cut = found
    return _Chip(person, w, h, lines, shown, name_px, relation_px, cut)


def _variants(person: _Person, style: _ChipStyle, name_px: int, text_width: int,
              allow_cut: bool, with_relation: bool = True) -> list[_Chip]:
    """The chip as written naturally (one line when it fits) and, for names with a
    space or hyphen, as two balanced lines (narrower and taller)."""
    natural = _measure(person, style, name_px, text_width, allow_cut, with_relation)
    if natural is None:
        return []
    found = [natural]
    if len(natural.name_lines) == 1:
        two = _measure(person, style, name_px, text_width, allow_cut, with_relation, True)
        if two is not None and two.w < natural.w:
            found.append(two)
    return found


# Directions in a quadrant, every 0.75 degrees from the horizontal axis.
_STEPS = 120
_DIRECTIONS = tuple((math.cos(math.pi / 2 * k / _STEPS), math.sin(math.pi / 2 * k / _STEPS))
                    for k in range(_STEPS + 1))


def _radius_interval(w: float, h: float, cos: float, sin: float, inner: float,
                     outer: float, pad: float) -> tuple[float, float] | None:
    """Distances along the direction (cos, sin) at which a w x h box centred there
    stays inside the quadrant (pad from both axes) and between the two radii.

    In quadrant coordinates (x, y >= 0) the corner nearest the centre is
    (r cos - w/2, r sin - h/2) and the farthest (r cos + w/2, r sin + h/2); both
    distances grow with r, so each bound is the larger root of a quadratic.
    """
    if cos < 1e-9 or sin < 1e-9:
        return None
    hw, hh = w / 2, h / 2
    lo = (pad + hw) / cos
    other = (pad + hh) / sin
    lo = max(lo, other)
    k = w * cos + h * sin
    q0 = hw * hw + hh * hh
    disc = k * k - 4 * (q0 - inner * inner)
    if disc >= 0:
        near = (k + math.sqrt(disc)) / 2
        lo = max(lo, near)
    disc = k * k - 4 * (q0 - outer * outer)
    if disc < 0:
        return None
    hi = (-k + math.sqrt(disc)) / 2
    return (lo, hi) if hi >= lo else None


def _track_fraction(i: int, tracks: int) -> float:
    """Where in its free radial range the i-th chip goes: centred, or staggered."""
    if tracks == 1:
        return 0.5
    if tracks == 2:
        return (0.0, 1.0)[i % 2]
    return (0.0, 0.5, 1.0, 0.5)[i % 4]


def _overlaps(box, others, gap: float) -> bool:
    x0, y0, x1, y1 = box
    for a0, b0, a1, b1 in others:
        if x0 < a1 + gap and a0 < x1 + gap and y0 < b1 + gap and b0 < y1 + gap:
            return True
    return False


_UNSET = object()


class _Cell:
    """One sector and ring: fits chips into the band [inner, outer].

    The free radial range of a chip variant in a direction is worked out when
    first needed and kept; the arrangements then only have to avoid collisions."""

    def __init__(self, options, inner, outer, m: _Metrics, obstacles=()):
        self.a, self.b = inner + m.ring_pad, outer - m.ring_pad
        self.pad, self.gap = m.axis_pad, m.gap
        self.obstacles = list(obstacles)
        self.options = [[(chip, [_UNSET] * (_STEPS + 1)) for chip in variants]
                        for variants in options]

    def _at(self, usable, k, frac, boxes):
        cos, sin = _DIRECTIONS[k]
        gap = self.gap
        for chip, spans in usable:
            span = spans[k]
            if span is _UNSET:
                span = spans[k] = _radius_interval(chip.w, chip.h, cos, sin, self.a, self.b,
                                                   self.pad)
            if span is None:
                continue
            r = span[0] + frac * (span[1] - span[0])
            x, y = r * cos, r * sin
            hw, hh = chip.w / 2, chip.h / 2
            x0, y0, x1, y1 = x - hw, y - hh, x + hw, y + hh
            for a0, b0, a1, b1 in boxes:
                if x0 < a1 + gap and a0 < x1 + gap and y0 < b1 + gap and b0 < y1 + gap:
                    break
            else:
                return chip, (x0, y0, x1, y1)
        return None

    def slots(self, options, tracks):
        """Equal angular slots over the quarter circle, staggered radially by track."""
        n = len(options)
        chips, boxes = [], list(self.obstacles)
        for i, usable in enumerate(options):
            k = min(_STEPS - 1, max(1, round(_STEPS * (i + 0.5) / n)))
            found = self._at(usable, k, _track_fraction(i, tracks), boxes)
            if found is None:
                return None
            chips.append(found[0])
            boxes.append(found[1])
        return chips, boxes[len(self.obstacles):]

    def sweep(self, options, tracks, spacing: int, start: int = 0):
        """Walk along the quarter circle and put each chip at the first free
        direction at least `spacing` steps after the previous chip."""
        chips, boxes = [], list(self.obstacles)
        k = 1 + start
        for i, usable in enumerate(options):
            if i:
                k += spacing
            frac = _track_fraction(i, tracks)
            while True:
                if k >= _STEPS:
                    return None
                found = self._at(usable, k, frac, boxes)
                if found is not None:
                    chips.append(found[0])
                    boxes.append(found[1])
                    break
                k += 1
        return chips, boxes[len(self.obstacles):]

    def spread(self, options, tracks):
        """The sweep with the widest even spacing that still fits everybody,
        turned so that the spare room is split between both ends."""
        best = self.sweep(options, tracks, 0)
        if best is None:
            return best
        spacing = 0
        if len(options) > 1:
            lo, hi = 0, _STEPS // (len(options) - 1)
            while lo < hi:
                mid = (lo + hi + 1) // 2
                found = self.sweep(options, tracks, mid)
                if found is None:
                    hi = mid - 1
                else:
                    lo, best = mid, found
            spacing = lo
        lo, hi = 0, _STEPS
        while lo < hi:  # how far the whole arrangement can turn
            mid = (lo + hi + 1) // 2
            if self.sweep(options, tracks, spacing, mid) is None:
                hi = mid - 1
            else:
                lo = mid
        if lo > 1:
            centred = self.sweep(options, tracks, spacing, lo // 2)
            if centred is not None:
                best = centred
        return best

    def rows(self, options):
        """Pack chips row by row from the horizontal divider outwards, each as near
        the vertical divider as it goes: denser than the sweeps, used for crowded
        cells."""
        a, b, pad, gap = self.a, self.b, self.pad, self.gap
        step = max(4, gap * 2)
        spots = []
        y = pad
        while y < b:
            x = pad
            while x < b:
                if math.hypot(x, y) >= a:
                    spots.append((x, y))
                x += step
            y += step
        boxes = list(self.obstacles)
        chips = []
        failed: dict[tuple[int, int], int] = {}
        for usable in options:
            for chip, _ in usable:
                w, h = chip.w, chip.h
                first = failed.get((w, h), 0)
                for number in range(first, len(spots)):
                    x, y = spots[number]
                    if math.hypot(x + w, y + h) > b:
                        continue
                    box = (x, y, x + w, y + h)
                    if not _overlaps(box, boxes, gap):
                        failed[(w, h)] = number
                        break
                else:
                    failed[(w, h)] = len(spots)
                    continue
                chips.append(chip)
                boxes.append(box)
                break
            else:
                return None
        return chips, boxes[len(self.obstacles):]

    def fit(self, spread: bool):
        """(chips, boxes) in quadrant coordinates, or None."""
        smallest = [min(chip.w * chip.h for chip, _ in usable) for usable in self.options]
        if sum(smallest) > 0.8 * math.pi / 4 * (self.b ** 2 - self.a ** 2):
            return None
        natural = self.options
        compact = [usable[::-1] for usable in natural]
        orders = [natural] if all(len(u) == 1 for u in natural) else [natural, compact]
        tracks_to_try = [1]
        if len(natural) > 1:
            lowest = min(chip.h for usable in natural for chip, _ in usable)
            if self.b - self.a >= 1.8 * lowest:  # room to stagger
                tracks_to_try += [2, 3]
        for tracks in tracks_to_try:
            for options in orders:
                found = self.slots(options, tracks)
                if found is None:
                    found = self.sweep(options, tracks, 0)
                    if found is not None and spread:
                        found = self.spread(options, tracks)
                if found is not None:
                    return found
        if len(natural) >= 3:
            return self.rows(natural) or self.rows(compact)
        return None


@dataclass(frozen=True)
class _Metrics:
    """Distances (pixels) that depend on the picture size only."""
    style: _ChipStyle
    axis_pad: int  # chips keep this far from the dividing lines
    ring_pad: int  # ... and this far inside their ring band
    gap: int  # ... and this far from each other
    wide: int  # widest name line
    tight: int  # name width when abbreviating anyway
    empty_ring: int  # thickness of a ring band with nobody in it
    step: int  # precision of the ring radii
    levels: tuple[int, ...]  # name font sizes to try, largest first; the last is the floor

    @classmethod
    def of(cls, sc: _Scale) -> _Metrics:
        return cls(_ChipStyle.of(sc), sc(12), sc(6), sc(8), sc(320), sc(180), sc(110), sc(8),
                   tuple(sorted({sc(v) for v in _NAME_SIZES}, reverse=True)))


class _Placer:
    """Chooses one name size for the whole picture (the largest at which every
    sector and ring fits), the ring radii, and every chip's position.

    Rings are sized from the child outwards: each as narrow as its most crowded
    sector allows; the spare room is then shared out so the rings come out as
    even as possible.  At the floor size, crowded cells may leave out relations
    and then abbreviate names; a cell that still does not fit overflows."""

    def __init__(self, cells, child_edge, outer, m: _Metrics, label_sizes):
        self.cells, self.child_edge, self.outer, self.m = cells, child_edge, outer, m
        self.label_sizes = label_sizes
        floor = m.levels[-1]
        self.cut_for = {p.index for people in cells.values() for p in people
                        if _measure(p, m.style, floor, m.wide, False) is None}
        self.plans = ((m.wide, False, True),  # as written
                      (m.wide, False, False),  # without relations
                      (m.tight, True, False))  # abbreviated

    def options(self, key, name_px, plan):
        width, cut_all, with_relation = plan
        return [_variants(p, self.m.style, name_px, width, cut_all or p.index in self.cut_for,
                          with_relation) for p in self.cells[key]]

    def obstacles(self, key, inner):
        """Ring names sit at the start of each band on the left half of the
        horizontal divider; chips in the two left quadrants keep clear of them."""
        if SECTOR_QUADRANTS[key[0]][0] > 0:
            return ()
        w, h = self.label_sizes[key[1]]
        x0 = inner + self.m.ring_pad
        return ((x0, -h / 2, x0 + w, h / 2),)

    def fit(self, key, inner, outer, name_px, spread=False, start=0, stop=1):
        for plan in self.plans[start:stop]:
            options = self.options(key, name_px, plan)
            if not all(options):
                continue
            cell = _Cell(options, inner, outer, self.m, self.obstacles(key, inner))
            found = cell.fit(spread)
            if found is not None:
                return found
        return None

    def least_thickness(self, ring, name_px):
        tallest = 0
        for key in self.cells:
            if key[1] == ring:
                for variants in self.options(key, name_px, self.plans[-1]):
                    tallest = max(tallest, min(c.h for c in variants))
        if not tallest:
            return self.m.empty_ring
        return tallest + 2 * self.m.ring_pad + self.m.gap

    def plausible(self, name_px) -> bool:
        """A quick optimistic area check, to skip sizes that cannot possibly fit."""
        inner = self.child_edge
        for ring in (1, 2, 3):
            area = 0.0
            for key in self.cells:
                if key[1] == ring:
                    options = self.options(key, name_px, self.plans[0])
                    if not all(options):
                        return False  # some name only fits abbreviated at this size
                    need = sum(min(c.w * c.h for c in variants) for variants in options)
                    area = max(area, need / 0.8)
            inner = max(inner + self.least_thickness(ring, name_px),
                        math.sqrt(inner * inner + area * 4 / math.pi))
        return inner <= self.outer

    def _first_plan(self, key, inner, outer, name_px, resorts, start, lowest=0):
        """The first plan with which the cell fits the band at all, or None."""
        for plan in range(lowest, len(self.plans) if resorts else lowest + 1):
            if self.fit(key, inner, outer, name_px, start=plan, stop=plan + 1) is not None:
                start[key] = plan
                return plan
        return None

    def grow(self, name_px, resorts=False, inward=False, lowest=(0, 0, 0)):
        """Ring edges as tight as each ring's most crowded sector allows, ring by
        ring from the child outwards (or from the rim inwards).  Returns (radii,
        cells that overflow, first plan of each cell) or None."""
        least = [self.least_thickness(ring, name_px) for ring in (1, 2, 3)]
        radii = [self.child_edge, None, None, self.outer]
        failed, start = [], {}
        for ring in ((3, 2, 1) if inward else (1, 2, 3)):
            keys = sorted((key for key in self.cells if key[1] == ring),
                          key=lambda key: (-len(self.cells[key]), key))
            inner, outer = radii[ring - 1], radii[ring]  # one of them is still open
            if inward:
                bound = self.child_edge + sum(least[: ring - 1])  # smallest inner edge
                widest = (bound, outer)
            else:
                bound = self.outer - sum(least[ring:])  # largest outer edge
                widest = (inner, bound)
            fitting = []
            for key in keys:
                if self._first_plan(key, *widest, name_px, resorts, start,
                                    lowest[ring - 1]) is not None:
                    fitting.append(key)
                elif not resorts:
                    return None
                else:
                    failed.append(key)

            def fits(edge, inner=inner, outer=outer, fitting=fitting):
                band = (edge, outer) if inward else (inner, edge)
                return all(self._fits(key, *band, name_px, start) for key in fitting)

            crowded = any(key[1] == ring for key in failed)  # give it all there is
            if inward and ring > 1:
                lo, hi = bound, max(bound, outer - least[ring - 1])  # looking for the largest
                if crowded:
                    hi = lo
                elif fits(hi):
                    lo = hi
                while hi - lo > self.m.step:
                    mid = (lo + hi) / 2
                    if fits(mid):
                        lo = mid
                    else:
                        hi = mid
                radii[ring - 1] = lo
            elif not inward and ring < 3:
                lo, hi = min(bound, inner + least[ring - 1]), bound  # looking for the smallest
                if crowded:
                    lo = hi
                elif fits(lo):
                    hi = lo
                while hi - lo > self.m.step:
                    mid = (lo + hi) / 2
                    if fits(mid):
                        hi = mid
                    else:
                        lo = mid
                radii[ring] = hi
        return radii, failed, start

    def _fits(self, key, inner, outer, name_px, start, spread=False):
        plan = start.get(key, 0)
        return self.fit(key, inner, outer, name_px, spread, plan, plan + 1)

    def finish(self, minimal, name_px, start, inward, skip=()):
        """Share out the spare room so the rings come out as even as possible and
        fit every cell again, evenly spaced.  Falls back to the tight radii."""
        least = [minimal[k + 1] - minimal[k] for k in range(3)]
        loose_ring = 1 if inward else 3  # the ring that simply got what was left
        least[loose_ring - 1] = min(least[loose_ring - 1],
                                    self.least_thickness(loose_ring, name_px))
        total = self.outer - self.child_edge
        lo, hi = 0.0, total
        for _ in range(30):
            level = (lo + hi) / 2
            if sum(max(t, level) for t in least) > total:
                hi = level
            else:
                lo = level
        even = [self.child_edge]
        for t in least[:2]:
            even.append(even[-1] + max(t, lo))
        even.append(self.outer)
        half = [(a + b) / 2 for a, b in zip(even, minimal)]
        for radii in (even, half, minimal):
            fitted = {}
            for key in sorted(self.cells, key=lambda key: (-len(self.cells[key]), key)):
                if key in skip:
                    continue
                ring = key[1]
                found = self._fits(key, radii[ring - 1], radii[ring], name_px, start, True)
                if found is None:
                    break
                fitted[key] = found
            else:
                return tuple(radii), fitted
        return None

    def _cost(self, key, plan):
        """How much a cell loses with a plan: relations left out, names abbreviated."""
        people = self.cells[key]
        lost = sum(1 for p in people if p.shown_relation) if plan >= 1 else 0
        return lost + (5 * len(people) if plan >= 2 else 0)

    def place(self):
        m = self.m
        for name_px in m.levels[:-1]:
            if not self.plausible(name_px):
                continue
            for inward in (False, True):
                grown = self.grow(name_px, inward=inward)
                if grown is not None:
                    finished = self.finish(grown[0], name_px, grown[2], inward)
                    if finished is not None:
                        return finished[0], finished[1], []
        # At the floor: the growth that needs the fewest resorts.  Growing from the
        # child outwards can leave the outer ring too little room and growing from
        # the rim inwards the inner ring; then try leaving out relations in the
        # other rings, or everywhere.
        floor = m.levels[-1]
        best = None

        def attempt(inward, lowest=(0, 0, 0)):
            nonlocal best
            radii, failed, start = self.grow(floor, True, inward, lowest)
            cost = sum(self._cost(key, plan) for key, plan in start.items())
            cost += sum(100 * len(self.cells[key]) for key in failed)
            if best is None or cost < best[0]:
                best = (cost, radii, failed, start, inward)
            return failed

        failed_out = attempt(False)
        if best[0]:
            failed_in = attempt(True)
            if best[0] >= 100:
                if failed_out:
                    first = min(key[1] for key in failed_out)
                    attempt(False, tuple(1 if ring < first else 0 for ring in (1, 2, 3)))
                if best[0] >= 100 and failed_in:
                    last = max(key[1] for key in failed_in)
                    attempt(True, tuple(1 if ring > last else 0 for ring in (1, 2, 3)))
                if best[0] >= 100:
                    attempt(False, (1, 1, 1))
        _, radii, failed, start, inward = best
        finished = self.finish(radii, floor, start, inward, skip=set(failed))
        if finished is None:  # the tight radii fitted already, so this is a safety net
            finished = (tuple(radii), {})
            failed = sorted(self.cells)
        return finished[0], finished[1], failed


def _fallback_positions(chips, inner, outer, m: _Metrics, taken, child_edge, rim):
    """Last resort for a hopelessly crowded cell: packed row by row into its own
    band, then anywhere free in the quadrant (outside the child, inside the rim),
    nearest the band first.  Returns a box or None per chip."""
    step = max(4, m.gap + m.gap // 2)
    target = (inner + outer) / 2
    in_band, elsewhere = [], []
    y = m.axis_pad
    while y < rim:
        x = m.axis_pad
        while x < rim:
            r = math.hypot(x, y)
            if inner + m.ring_pad <= r <= outer - m.ring_pad:
                in_band.append((y, x))
            else:
                elsewhere.append((abs(r - target), y, x))
            x += step
        y += step
    elsewhere.sort()
    candidates = in_band + [(y, x) for _, y, x in elsewhere]
    skip: dict[tuple[int, int], int] = {}  # boxes only get added: failed spots stay failed
    boxes = []
    for chip in chips:
        w, h = chip.w, chip.h
        found = None
        first = skip.get((w, h), 0)
        for number in range(first, len(candidates)):
            y, x = candidates[number]
            box = (x, y, x + w, y + h)  # (x, y) is the corner nearest the centre
            if math.hypot(box[2], box[3]) > rim - m.ring_pad:
                continue
            if math.hypot(x, y) < child_edge + m.ring_pad:
                continue
            if _overlaps(box, taken, m.gap):
                continue
            found = box
            skip[(w, h)] = number
            break
        else:
            skip[(w, h)] = len(candidates)
        if found is not None:
            taken.append(found)
        boxes.append(found)
    return boxes


# ------------------------------------------------------------------- the layout


def _pill(text, px, bold, sc) -> tuple[int, int]:
    w = math.ceil(_text_width(text, px, bold)) + 2 * sc(16)
    h = _line_height(px, bold) + 2 * sc(6)
    return w, h


def _clears(box, centre, radius) -> bool:
    """True when the box lies wholly outside the circle."""
    x0, y0, x1, y1 = box
    cx, cy = centre
    nx = min(max(cx, x0), x1)
    ny = min(max(cy, y0), y1)
    return math.hypot(nx - cx, ny - cy) >= radius


_CHILD_SIZES = (44, 40, 36, 32, 28, 26)


def _splits(words: list[str], lines: int):
    """Every way to put `words` on `lines` lines, in order."""
    if lines == 1:
        yield (" ".join(words),)
        return
    for cut in range(1, len(words) - lines + 2):
        for rest in _splits(words[cut:], lines - 1):
            yield (" ".join(words[:cut]),) + rest


def _child_block(child: str, sc: _Scale, size: int):
    """The child's name as lines, their size and the circle's radius: the largest size at
    which the name fits the circle on one, two or three lines broken between words (or
    after a hyphen), the circle growing up to about a sixth of the picture; only a name
    no circle can hold (hundreds of letters) is abbreviated."""
    base_r, max_r, most_r = size * 0.05, size * 0.085, size * 0.13
    words = []
    for word in child.split(" "):  # a hyphenated name may break after its hyphen
        parts = [part for part in word.replace("-", "-\n").split("\n") if part]
        words.extend(parts or [word])

    def joined(line_words):
        return " ".join(line_words).replace("- ", "-")

    best = None
    if len(words) <= 12:
        for limit in (max_r, most_r):
            for px in (sc(v) for v in _CHILD_SIZES):
                line_h = _line_height(px, True)
                for count in range(1, min(3, len(words)) + 1):
                    for split in _splits(words, count):
                        lines = tuple(joined(line.split(" ")) for line in split)
                        block_w = max(_text_width(line, px, True) for line in lines)
                        radius = math.hypot(block_w / 2, line_h * count / 2) + sc(12)
                        if radius <= limit and (best is None or radius < best[2]):
                            best = (lines, px, radius)
                    if best is not None:
                        break
                if best is not None:
                    break
            if best is not None:
                break
    if best is not None:
        lines, px, radius = best
        return lines, px, max(base_r, radius)
    px = sc(_CHILD_SIZES[-1])
    wrapped = _wrap(child, px, True, 2 * most_r * 0.75, True, max_lines=3)
    lines = wrapped[0]
    block_w = max(_text_width(line, px, True) for line in lines)
    radius = math.hypot(block_w / 2, _line_height(px, True) * len(lines) / 2) + sc(12)
    return lines, px, min(most_r, max(base_r, radius))


# ------------------------------------------------------------------- link routing

def _hits(p, q, box) -> bool:
    """Whether the segment p-q passes through the inside of `box` (Liang-Barsky)."""
    x0, y0, x1, y1 = box
    dx, dy = q[0] - p[0], q[1] - p[1]
    t0, t1 = 0.0, 1.0
    for edge_p, edge_q in ((-dx, p[0] - x0), (dx, x1 - p[0]), (-dy, p[1] - y0),
                           (dy, y1 - p[1])):
        if edge_p == 0:
            if edge_q <= 0:
                return False
            continue
        t = edge_q / edge_p
        if edge_p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 >= t1:
            return False
    return t1 - t0 > 1e-9


def _inside(point, box) -> bool:
    return box[0] < point[0] < box[2] and box[1] < point[1] < box[3]


def _grow(box, by):
    return (box[0] - by, box[1] - by, box[2] + by, box[3] + by)


def _circle_box(centre, radius):
    """The child's circle as four boxes that together cover it (an obstacle for links)."""
    cx, cy = centre
    boxes = []
    for k in (0.38, 0.71, 0.92):
        half = radius * k
        other = math.sqrt(max(0.0, radius * radius - half * half))
        boxes.append((cx - half, cy - other, cx + half, cy + other))
        boxes.append((cx - other, cy - half, cx + other, cy + half))
    return boxes


def _length(points) -> float:
    return sum(math.dist(a, b) for a, b in zip(points, points[1:]))


def _route(start_box, end_box, obstacles, gap, extra=()):
    """A line from one box's centre to the other's that passes through no obstacle: straight
    when it can, else around the obstacles' corners and the `extra` points (the shortest
    such path)."""
    start = ((start_box[0] + start_box[2]) / 2, (start_box[1] + start_box[3]) / 2)
    end = ((end_box[0] + end_box[2]) / 2, (end_box[1] + end_box[3]) / 2)

    def clear(p, q):
        left, right = min(p[0], q[0]), max(p[0], q[0])
        top, bottom = min(p[1], q[1]), max(p[1], q[1])
        return not any(_hits(p, q, box) for box in obstacles
                       if box[0] < right and left < box[2] and box[1] < bottom and top < box[3])

    if clear(start, end):
        return (start, end)
    corners = []
    candidates = list(extra)
    for box in obstacles:
        x0, y0, x1, y1 = _grow(box, gap)
        candidates.extend(((x0, y0), (x1, y0), (x0, y1), (x1, y1)))
    for corner in candidates:
        if not any(_inside(corner, other) for other in obstacles) and not _inside(
                corner, start_box) and not _inside(corner, end_box):
            corners.append(corner)
    # one corner first (cheap, and what almost every map needs), then the shortest path
    # through the corners that see each other
    best = None
    for corner in corners:
        if clear(start, corner) and clear(corner, end):
            path = (start, corner, end)
            if best is None or _length(path) < _length(best):
                best = path
    if best is not None:
        return best
    nodes = [start, end] + corners
    distance = {0: 0.0}
    previous = {}
    todo = [(math.dist(start, end), 0)]  # A*: by the length so far plus the straight rest
    done = set()
    while todo:
        _, current = heapq.heappop(todo)
        if current in done:
            continue
        done.add(current)
        if current == 1:
            break
        for index, node in enumerate(nodes):
            if index in done:
                continue
            length = distance[current] + math.dist(nodes[current], node)
            if length < distance.get(index, math.inf) and clear(nodes[current], node):
                distance[index] = length
                previous[index] = current
                heapq.heappush(todo, (length + math.dist(node, end), index))
    if 1 not in previous:
        return None
    path, at = [end], 1
    while at != 0:
        at = previous[at]
        path.append(nodes[at])
    return tuple(reversed(path))


def _route_links(layout: NetworkMapLayout, sc: _Scale) -> None:
    placed = {p.index: p for p in layout.placed}
    labels = [label.box for label in layout.labels if label.kind in ("sector", "ring", "legend")]
    child = _circle_box(layout.centre, layout.child_radius + sc(4))
    around = layout.child_radius + sc(16)  # points around the child to pass it by
    cx, cy = layout.centre
    ring = [(cx + around * math.cos(math.pi * k / 12), cy + around * math.sin(math.pi * k / 12))
            for k in range(24)]
    kept, paths = [], []
    for a, b in layout.links:
        obstacles = [_grow(p.box, sc(3)) for p in layout.placed if p.index not in (a, b)]
        path = _route(placed[a].box, placed[b].box, obstacles + child + labels, sc(8), ring)
        if path is None:
            path = _route(placed[a].box, placed[b].box, obstacles + child, sc(8), ring)
        if path is None:  # boxed in completely (absurdly crowded): not drawn, still listed
            continue
        kept.append((a, b))
        paths.append(tuple((round(x, 1), round(y, 1)) for x, y in path))
    layout.links, layout.link_paths = kept, paths


def layout_network_map(data: dict | None, size_px: int = 1600) -> NetworkMapLayout:
    """Where everything in the picture goes (pixels, y down), without drawing.

    The drawing follows this exactly: each person's chip is `box`, the name is
    written inside `text_box`; every box lies inside the person's quadrant and
    ring band, and no two boxes overlap."""
    size = int(size_px)
    if size < 200:
        raise ValueError("size_px must be at least 200")
    data = data if isinstance(data, dict) else {}
    return _layout(data, size, list_below=False)


def _layout(data: dict, size: int, list_below: bool) -> NetworkMapLayout:
    sc = _Scale(size)
    m = _Metrics.of(sc)
    margin = sc(14)

    # The child in the middle: the name on up to three lines, never cut; the circle grows
    # a little for a long name.
    child = _child_name(data)
    child_lines, child_px, child_r = _child_block(child, sc, size)

    people = _people(data)
    cells: dict[tuple[str, int], list[_Person]] = {}
    loose = []
    for person in people:
        if person.sector is None or person.closeness is None:
            loose.append(person)
        else:
            cells.setdefault((person.sector, person.closeness), []).append(person)
    for (sector, _), members in cells.items():
        if not _CLOCKWISE_GROWS[sector]:
            members.reverse()

    # The circle fills the square, unless more people are not placed yet than a
    # corner can list (a half-filled map): then they are listed along the bottom
    # and the circle moves up and shrinks a little.
    lister = _Lister(sc, size, margin)
    band_h = 0
    if loose and (list_below or not lister.fits_corner(loose)):
        band_h = lister.band_height(len(loose))
    outer = (size - 2 * margin - band_h) / 2
    cx, cy = size / 2, margin + outer

    ring_px = sc(22)
    label_sizes = {ring: (math.ceil(_text_width(text, ring_px, False)) + 2 * sc(8),
                          _line_height(ring_px, False) + sc(2))
                   for ring, text in RING_LABELS.items()}
    radii, fitted, crowded = _Placer(cells, child_r, outer, m, label_sizes).place()
    layout = NetworkMapLayout(size=size, centre=(cx, cy), child_name=child,
                              child_lines=tuple(child_lines), child_px=child_px,
                              child_radius=child_r, ring_radii=tuple(radii))

    # Quadrant coordinates -> pixels.
    taken: dict[str, list] = {}
    items = []
    for (sector, _), (chips, boxes) in sorted(fitted.items()):
        for chip, box in zip(chips, boxes):
            taken.setdefault(sector, []).append(box)
            items.append((sector, chip, box, False))
    for sector in {sector for sector, _ in crowded}:
        if SECTOR_QUADRANTS[sector][0] < 0:  # keep clear of the ring names
            for ring, (w, h) in label_sizes.items():
                x0 = radii[ring - 1] + m.ring_pad
                taken.setdefault(sector, []).append((x0, -h / 2, x0 + w, h / 2))
    for sector, ring in crowded:  # hopeless cells only; see _fallback_positions
        chips = [_measure(p, m.style, m.levels[-1], m.tight, True, False)
                 for p in cells[(sector, ring)]]
        boxes = _fallback_positions(chips, radii[ring - 1], radii[ring], m,
                                    taken.setdefault(sector, []), radii[0], radii[3])
        for chip, box in zip(chips, boxes):
            if box is None:
                loose.append(chip.person)  # no room anywhere: listed with the unplaced
            else:
                inside = (math.hypot(box[0], box[1]) >= radii[ring - 1]
                          and math.hypot(box[2], box[3]) <= radii[ring])
                items.append((sector, chip, box, not inside))
    if loose and not band_h and not list_below and not lister.fits_corner(loose):
        return _layout(data, size, list_below=True)  # crowding pushed people out
    for sector, chip, (x0, y0, x1, y1), overflow in items:
        sx, sy = SECTOR_QUADRANTS[sector]
        mx, my = cx + sx * (x0 + x1) / 2, cy + sy * (y0 + y1) / 2
        left, top = round(mx - chip.w / 2), round(my - chip.h / 2)
        layout.placed.append(_placement(chip, (left, top), m.style, overflow))
    layout.placed.sort(key=lambda p: p.index)

    # Sector names in the corners, each next to its own quadrant.
    for sector in SECTOR_KEYS:
        box, px = _sector_pill(sector, size, (cx, cy), outer, margin, sc)
        layout.labels.append(TextLabel("sector", SECTOR_LABELS[sector], box, px, True, sector))

    # Ring names on the left half of the horizontal divider, where each band starts.
    for ring in (1, 2, 3):
        w, h = label_sizes[ring]  # see _Placer.obstacles
        x1 = math.floor(cx - radii[ring - 1] - m.ring_pad)
        y0 = round(cy - h / 2)
        layout.labels.append(TextLabel("ring", RING_LABELS[ring], (x1 - w, y0, x1, y0 + h),
                                       ring_px, False, ring))

    # Links between placed people, by name.
    by_name: dict[str, int] = {}
    for placement in layout.placed:
        by_name.setdefault(placement.name.casefold(), placement.index)
    seen = set()
    raw_links = data.get("links")
    for link in raw_links if isinstance(raw_links, (list, tuple)) else ():
        if not isinstance(link, dict):
            continue
        a = by_name.get(_clean(link.get("person_a")).casefold())
        b = by_name.get(_clean(link.get("person_b")).casefold())
        if a is None or b is None or a == b:
            continue
        pair = (min(a, b), max(a, b))
        if pair not in seen:
            seen.add(pair)
            layout.links.append(pair)
    layout.legend_links = bool(layout.links)

    _legend(layout, sc, margin)
    _route_links(layout, sc)
    if band_h:
        layout.list_top = math.ceil(cy + outer) + sc(10)
        lister.band(layout, loose)
    else:
        lister.corners(layout, loose)
    return layout


def _placement(chip: _Chip, topleft, style: _ChipStyle, overflow: bool) -> PersonPlacement:
    left, top = topleft
    name_lh = _line_height(chip.name_px, True)
    text_x = left + style.pad_x + style.dot + style.dot_gap
    text_y = top + style.pad_y
    name_w = max(_text_width(line, chip.name_px, True) for line in chip.name_lines)
    text_box = (text_x, text_y, math.ceil(text_x + name_w),
                text_y + name_lh * len(chip.name_lines))
    dot = (left + style.pad_x + style.dot // 2, text_y + name_lh // 2, style.dot // 2)
    person = chip.person
    return PersonPlacement(
        index=person.index, name=person.name, relation=person.relation,
        sector=person.sector, closeness=person.closeness, invite=person.invite,
        box=(left, top, left + chip.w, top + chip.h), text_box=text_box,
        name_lines=chip.name_lines, relation_text=chip.relation, name_px=chip.name_px,
        relation_px=chip.relation_px, dot=dot, abbreviated=chip.abbreviated,
        overflow=overflow)


def _sector_pill(sector, size, centre, radius, margin, sc) -> tuple[tuple, int]:
    """The sector's name in its corner of the square (the bottom ones level with
    the bottom of the circle), smaller if it would touch the circle."""
    sx, sy = SECTOR_QUADRANTS[sector]
    text = SECTOR_LABELS[sector]
    bottom = min(size - margin, int(centre[1] + radius))
    for px in range(sc(30), sc(18) - 1, -1):
        w, h = _pill(text, px, True, sc)
        x0 = margin if sx < 0 else size - margin - w
        y0 = margin if sy < 0 else bottom - h
        box = (x0, y0, x0 + w, y0 + h)
        if _clears(box, centre, radius + sc(12)):
            break
    return box, px


def _room(size, centre, radius, pill, corner, width, sc, margin) -> tuple[int, int, int]:
    """Room for a box `width` wide in a corner, between the corner's sector name and
    the circle: (x0, y where the box starts, free height).  In the top corners the
    box grows downwards from y, in the bottom corners upwards."""
    cx, cy = centre
    sx, sy = corner
    clear = radius + sc(12)
    x0 = margin if sx < 0 else size - margin - width
    inner_x = x0 + width if sx < 0 else x0
    dx = abs(cx - inner_x)
    dy = math.sqrt(clear * clear - dx * dx) if dx < clear else sc(14)
    if sy < 0:
        start = pill[3] + sc(14)
        free = (cy - dy) - start
    else:
        start = pill[1] - sc(14)
        free = start - (cy + dy)
    return x0, int(start), int(max(0, free))


def _corner_room(layout: NetworkMapLayout, corner, width, sc, margin):
    pill = next(label.box for label in layout.labels if label.kind == "sector"
                and SECTOR_QUADRANTS[label.key] == corner)
    return _room(layout.size, layout.centre, layout.outer_radius, pill, corner, width, sc,
                 margin)


def _legend(layout: NetworkMapLayout, sc: _Scale, margin: int) -> None:
    """Filled and open dot (and a link line), bottom left above the sector name."""
    legend_px = sc(24)
    entries = [("invite", "Inviteres til møder"), ("no_invite", "Inviteres ikke")]
    if layout.legend_links:
        entries.append(("link", "Kender hinanden"))
    line_h = _line_height(legend_px, False) + sc(6)
    widths = [sc(40) + math.ceil(_text_width(text, legend_px, False)) for _, text in entries]
    x0, start, _ = _corner_room(layout, (-1, 1), max(widths), sc, margin)
    y = start - line_h * len(entries)
    for (key, text), w in zip(entries, widths):
        layout.labels.append(TextLabel("legend", text, (x0, y, x0 + w, y + line_h - sc(6)),
                                       legend_px, False, key))
        y += line_h


def _list_note(person: _Person) -> str:
    """What follows the name in the list: the relation, or for someone who had a
    place but found no room there (absurdly crowded maps), where they belong."""
    if person.sector is not None and person.closeness is not None:
        return f"{SECTOR_LABELS[person.sector]}, {RING_LABELS[person.closeness].lower()}"
    return person.shown_relation


class _Lister:
    """People without sector or closeness, under "Ikke placeret": in the top right
    corner when they fit there, else along the bottom in columns."""

    COLUMNS = 3
    MAX_ROWS = 6
    HEADING = "Ikke placeret"

    def __init__(self, sc: _Scale, size: int, margin: int):
        self.sc, self.size, self.margin = sc, size, margin
        self.item_px, self.rel_px, self.head_px = sc(26), sc(22), sc(26)
        self.item_lh = _line_height(self.item_px, True)
        self.item_h = self.item_lh + sc(4)
        self.head_h = _line_height(self.head_px, True) + sc(6)
        self.dot = sc(12)
        self.indent = self.dot + sc(8)

    def wanted(self, person: _Person) -> int:
        width = self.indent + _text_width(person.name, self.item_px, True)
        note = _list_note(person)
        if note:
            width += _text_width(" (" + note + ")", self.rel_px, False)
        return math.ceil(width) + 1

    def _corner_width(self, loose) -> int:
        head = math.ceil(_text_width(self.HEADING, self.head_px, True)) + 1
        return max([head] + [self.wanted(p) for p in loose])

    def fits_corner(self, loose) -> bool:
        """True when everybody fits, written out, in the top right corner of the
        full-size circle."""
        size, margin, sc = self.size, self.margin, self.sc
        centre, radius = (size / 2, size / 2), size / 2 - margin
        pill, _ = _sector_pill("friends", size, centre, radius, margin, sc)
        width = self._corner_width(loose)
        if width > size * 0.3:
            return False
        _, _, free = _room(size, centre, radius, pill, SECTOR_QUADRANTS["friends"], width,
                           sc, margin)
        return (free - self.head_h) // self.item_h >= len(loose)

    def band_height(self, count: int) -> int:
        rows = min(self.MAX_ROWS, -(-count // self.COLUMNS))
        return self.head_h + rows * self.item_h + self.sc(10)

    def _entry(self, layout, person: _Person, x0: int, y: int, width: int) -> None:
        sc = self.sc
        room = width - self.indent
        name = _truncate(person.name, self.item_px, True, room)
        used = _text_width(name, self.item_px, True)
        note, relation = _list_note(person), ""
        if note and room - used > sc(70):
            relation = _truncate(" (" + note + ")", self.rel_px, False, room - used)
            if relation.strip() in ("", "…", "(…"):
                relation = ""
        text_x = x0 + self.indent
        right = math.ceil(text_x + used + _text_width(relation, self.rel_px, False))
        lh = self.item_lh
        layout.unplaced.append(PersonPlacement(
            index=person.index, name=person.name, relation=person.relation,
            sector=person.sector, closeness=person.closeness, invite=person.invite,
            box=(x0, y, right, y + lh),
            text_box=(text_x, y, math.ceil(text_x + used), y + lh),
            name_lines=(name,), relation_text=relation, name_px=self.item_px,
            relation_px=self.rel_px, dot=(x0 + self.dot // 2, y + lh // 2, self.dot // 2),
            abbreviated=name != person.name))

    def _more(self, layout, hidden: int, x0: int, y: int) -> None:
        text = f"+ {hidden} flere"
        w = math.ceil(_text_width(text, self.item_px, False))
        x = x0 + self.indent
        layout.labels.append(TextLabel("more", text, (x, y, x + w, y + self.item_lh),
                                       self.item_px, False))

    def _heading(self, layout, text: str, x0: int, y: int, width: int) -> None:
        text = _truncate(text, self.head_px, True, width)
        w = math.ceil(_text_width(text, self.head_px, True))
        layout.labels.append(TextLabel("heading", text, (x0, y, x0 + w,
                                                         y + self.head_h - self.sc(6)),
                                       self.head_px, True))

    def band(self, layout: NetworkMapLayout, loose: list[_Person]) -> None:
        """Columns along the bottom, below the circle."""
        sc, margin = self.sc, self.margin
        loose = sorted(loose, key=lambda p: p.index)
        rows = min(self.MAX_ROWS, -(-len(loose) // self.COLUMNS))
        capacity = rows * self.COLUMNS
        shown = loose if len(loose) <= capacity else loose[: capacity - 1]
        layout.hidden_unplaced = len(loose) - len(shown)
        top = layout.list_top
        gutter = sc(24)
        col_w = (self.size - 2 * margin - (self.COLUMNS - 1) * gutter) // self.COLUMNS
        self._heading(layout, self.HEADING, margin, top, col_w)
        slots = []
        for column in range(self.COLUMNS):
            for row in range(rows):
                slots.append((margin + column * (col_w + gutter),
                              top + self.head_h + row * self.item_h))
        for person, (x0, y) in zip(shown, slots):
            self._entry(layout, person, x0, y, col_w)
        if layout.hidden_unplaced:
            self._more(layout, layout.hidden_unplaced, *slots[len(shown)])

    def corners(self, layout: NetworkMapLayout, loose: list[_Person]) -> None:
        """Top right, continued bottom right and top left when long (only when
        crowded cells overflowed into the list); "+ N flere" beyond that."""
        if not loose:
            return
        sc = self.sc
        loose = sorted(loose, key=lambda p: p.index)
        widest = self._corner_width(loose)
        rooms = []  # (corner, x0, start, width, rows)
        needed = len(loose)
        for corner in ((1, -1), (1, 1), (-1, -1)):
            best = None
            width = int(min(widest, layout.size * 0.3))
            while width >= sc(180):
                x0, start, free = _corner_room(layout, corner, width, sc, self.margin)
                rows = max(0, (free - self.head_h) // self.item_h)
                if best is None or rows > best[4]:
                    best = (corner, x0, start, width, rows)
                if rows >= needed:
                    break
                width -= sc(20)
            if best and best[4] > 0:
                rooms.append(best)
                needed -= best[4]
                if needed <= 0:
                    break
        capacity = sum(room[4] for room in rooms)
        shown = loose if capacity >= len(loose) else loose[: max(0, capacity - 1)]
        hidden = len(loose) - len(shown)
        layout.hidden_unplaced = hidden
        queue = list(shown)
        for number, (corner, x0, start, width, rows) in enumerate(rooms):
            take, queue = queue[:rows], queue[rows:]
            more = hidden and not queue and len(take) < rows
            lines = len(take) + (1 if more else 0)
            if not lines:
                break
            block = self.head_h + self.item_h * lines
            top = start if corner[1] < 0 else start - block
            heading = self.HEADING if number == 0 else self.HEADING + " (fortsat)"
            self._heading(layout, heading, x0, top, width)
            y = top + self.head_h
            for person in take:
                self._entry(layout, person, x0, y, width)
                y += self.item_h
            if more:
                self._more(layout, hidden, x0, y)


# ---------------------------------------------------------------------- drawing


def _mix(colour, strength):
    return tuple(round(255 - (255 - c) * strength) for c in colour)


#: The size documents use: 16 cm wide in Word at 190 dpi (14.8 cm in the PDF at 206 dpi);
#: every text keeps its printed size of at least 8 pt, since the layout scales with the size.
PRINT_SIZE_PX = 1200


def draw_network_map(data: dict | None, *, size_px: int = 1600) -> bytes:
    """The netværkskort as PNG bytes, size_px x size_px."""
    out = io.BytesIO()
    draw_network_map_indexed(data, size_px=size_px).save(out, "PNG", compress_level=1)
    return out.getvalue()


def draw_network_map_indexed(data: dict | None, *, size_px: int = 1600) -> Image.Image:
    """The picture with a fixed palette (about 128 colours): flat tints and anti-aliased text keep
    their look, and it encodes about ten times faster than full colour (PNG, or a PDF's
    indexed image)."""
    image = render_layout(layout_network_map(data, size_px))
    return image.quantize(palette=_palette(), dither=Image.Dither.NONE)


@functools.lru_cache(maxsize=1)
def _palette() -> Image.Image:
    """The palette, learnt once from a map that uses every colour and blend the drawing has."""
    sectors = ("family", "friends", "school", "professional")
    people = [{"name": f"Person {n} Ærø", "relation": "Relation", "sector": sectors[n % 4],
               "closeness": 1 + n % 3, "invite": n % 2 == 0} for n in range(16)]
    people.append({"name": "Uden plads", "relation": "Nabo"})
    sample = {"child": {"name": "Barnets Navn"}, "people": people,
              "links": [{"person_a": "Person 0 Ærø", "person_b": "Person 5 Ærø"}]}
    learnt = render_layout(layout_network_map(sample, 800)).quantize(
        colors=96, method=Image.Quantize.FASTOCTREE).getpalette()[: 96 * 3]
    colours = [_WHITE, (0, 0, 0), _INK, _INK_SOFT, _LINE] + [(v, v, v) for v in range(8, 255, 8)]
    for sector, tint in _TINT.items():  # every tint of every ring, and the accents, exactly
        colours.append(_ACCENT[sector])
        colours.extend(_mix(tint, strength) for strength in _RING_STRENGTH.values())
    for index in range(0, len(learnt), 3):
        colour = tuple(learnt[index:index + 3])
        if colour not in colours:
            colours.append(colour)
    palette = Image.new("P", (1, 1))
    palette.putpalette([value for colour in colours[:256] for value in colour])
    return palette


def render_layout(layout: NetworkMapLayout) -> Image.Image:
    size = layout.size
    sc = _Scale(size)
    image = Image.new("RGB", (size, size), _WHITE)
    g = ImageDraw.Draw(image)
    cx, cy = layout.centre
    radii = layout.ring_radii

    def circle(r, **kw):
        g.ellipse((cx - r, cy - r, cx + r, cy + r), **kw)

    # Quadrant tints, outer ring first so the inner ones paint over it.
    starts = {"family": 180, "friends": 270, "school": 90, "professional": 0}
    for ring in (3, 2, 1):
        r = radii[ring]
        for sector in SECTOR_KEYS:
            start = starts[sector]
            g.pieslice((cx - r, cy - r, cx + r, cy + r), start, start + 90,
                       fill=_mix(_TINT[sector], _RING_STRENGTH[ring]))
    for ring in (1, 2):
        circle(radii[ring], outline=_LINE, width=sc(2))
    circle(radii[3], outline=(110, 110, 110), width=sc(3))
    line_w = sc(2)
    g.line((cx, cy - radii[3], cx, cy + radii[3]), fill=(120, 120, 120), width=line_w)
    g.line((cx - radii[3], cy, cx + radii[3], cy), fill=(120, 120, 120), width=line_w)

    if layout.list_top is not None:  # a rule above the list along the bottom
        y = (layout.list_top - sc(6))
        g.line((sc(14), y, (size - sc(14)), y), fill=(170, 170, 170),
               width=max(1, sc(2)))

    # Links beneath the chips.
    for path in layout.link_paths:
        g.line([coordinate for point in path for coordinate in point], fill=(95, 95, 95),
               width=sc(3), joint="curve")

    # The child.
    r = layout.child_radius
    circle(r, fill=_WHITE, outline=_INK, width=sc(4))

    # Chips.
    radius = sc(10)
    for p in layout.placed:
        x0, y0, x1, y1 = p.box
        g.rounded_rectangle((x0, y0, x1, y1), radius=radius, fill=_WHITE,
                            outline=_ACCENT[p.sector], width=sc(2))
    # Sector and ring labels.
    for label in layout.labels:
        x0, y0, x1, y1 = label.box
        if label.kind == "sector":
            g.rounded_rectangle((x0, y0, x1, y1), radius=(y1 - y0) // 2,
                                fill=_TINT[label.key], outline=_ACCENT[label.key],
                                width=sc(2))
        elif label.kind == "ring":
            g.rounded_rectangle((x0, y0, x1, y1), radius=(y1 - y0) // 2, fill=_WHITE,
                                outline=(170, 170, 170), width=max(1, sc(1)))
        elif label.kind == "legend":
            lh = y1 - y0
            mx, my = x0 + sc(14), y0 + lh // 2 - sc(3)
            dr = sc(7)
            if label.key == "invite":
                g.ellipse((mx - dr, my - dr, mx + dr, my + dr), fill=_INK, outline=_INK,
                          width=sc(2))
            elif label.key == "no_invite":
                g.ellipse((mx - dr, my - dr, mx + dr, my + dr), fill=_WHITE, outline=_INK,
                          width=sc(2))
            else:
                g.line((x0, my, x0 + sc(30), my), fill=(95, 95, 95), width=sc(3))
    for p in layout.placed + layout.unplaced:
        dx, dy, dr = p.dot
        g.ellipse((dx - dr, dy - dr, dx + dr, dy + dr), fill=_INK if p.invite else _WHITE,
                  outline=_INK, width=sc(2))

    # Text on top.
    d = g
    for label in layout.labels:
        x0, y0, x1, y1 = label.box
        font = _font(label.px, label.bold)
        if label.kind in ("sector", "ring"):
            d.text(((x0 + x1) / 2, (y0 + y1) / 2), label.text, font=font,
                   fill=_INK if label.kind == "sector" else _INK_SOFT, anchor="mm")
        elif label.kind == "legend":
            d.text((x0 + sc(40), (y0 + y1) / 2 - sc(3)), label.text, font=font,
                   fill=_INK, anchor="lm")
        elif label.kind == "heading":
            d.text((x0, y0), label.text, font=font, fill=_INK, anchor="la")
        elif label.kind == "more":
            d.text((x0, y0), label.text, font=font, fill=_INK_SOFT, anchor="la")
    child_font = _font(layout.child_px, True)
    lh = _line_height(layout.child_px, True)
    y = layout.centre[1] - lh * len(layout.child_lines) / 2
    for line in layout.child_lines:
        d.text((layout.centre[0], y), line, font=child_font, fill=_INK, anchor="ma")
        y += lh
    for listed, people in ((False, layout.placed), (True, layout.unplaced)):
        for p in people:
            name_font = _font(p.name_px, True)
            x, y = p.text_box[0], p.text_box[1]
            lh = _line_height(p.name_px, True)
            for line in p.name_lines:
                d.text((x, y), line, font=name_font, fill=_INK, anchor="la")
                y += lh
            if not p.relation_text:
                continue
            rel_font = _font(p.relation_px, False)
            if listed:  # "Navn (relation)" on one line
                baseline = p.text_box[1] + name_font.getmetrics()[0]
                d.text((p.text_box[2], baseline), p.relation_text, font=rel_font,
                       fill=_INK_SOFT, anchor="ls")
            else:
                d.text((x, y), p.relation_text, font=rel_font, fill=_INK_SOFT, anchor="la")
    return image


# ------------------------------------------------------------------ the picture in words

def _people_text(people: list[_Person]) -> str:
    parts = []
    for person in people:
        notes = [person.relation] if person.relation and person.shown_relation else []
        if person.invite:
            notes.append("inviteres til møder")
        parts.append(person.name + (f" ({', '.join(notes)})" if notes else ""))
    return ", ".join(parts)


def describe_network_map(data: dict | None) -> str:
    """The picture in words, for its alternative text (Word's alt text, the PDF's Figure):
    the child, then each sector's people from the closest ring outwards, the people not
    placed, and who knows whom."""
    data = data if isinstance(data, dict) else {}
    people = _people(data)
    child = _child_name(data)
    opening = (f"Netværkskort for {child}. " if child != "Barnet" else "Netværkskort. ")
    opening += ("Barnet står i midten; tre ringe viser nærhed (tæt, mellem, løs) og fire "
                "områder: familie, venner og naboer, skole/dagtilbud/fritid og professionelle.")
    if not people:
        return opening + " Ingen personer er skrevet på kortet endnu."
    sentences = [opening]
    for sector in SECTOR_KEYS:
        rings = []
        for ring in (1, 2, 3):
            members = [p for p in people if p.sector == sector and p.closeness == ring]
            if members:
                rings.append(f"{RING_LABELS[ring].lower()}: {_people_text(members)}")
        if rings:
            sentences.append(f"{SECTOR_LABELS[sector]} – " + "; ".join(rings) + ".")
        else:
            sentences.append(f"{SECTOR_LABELS[sector]} – ingen.")
    loose = [p for p in people if p.sector is None or p.closeness is None]
    if loose:
        sentences.append(f"Ikke placeret på kortet: {_people_text(loose)}.")
    names = {p.index: p.name for p in people}
    by_name = {}
    for p in people:
        by_name.setdefault(p.name.casefold(), p.index)
    pairs = []
    raw_links = data.get("links")
    for link in raw_links if isinstance(raw_links, (list, tuple)) else ():
        if not isinstance(link, dict):
            continue
        a = by_name.get(_clean(link.get("person_a")).casefold())
        b = by_name.get(_clean(link.get("person_b")).casefold())
        if a is not None and b is not None and a != b:
            pair = f"{names[min(a, b)]} og {names[max(a, b)]}"
            if pair not in pairs:
                pairs.append(pair)
    if pairs:
        sentences.append("Kender hinanden: " + "; ".join(pairs) + ".")
    return " ".join(sentences)
