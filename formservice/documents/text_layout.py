"""Text in tables without broken words: measuring, wrapping, Danish hyphenation, widths.

Both document kinds lay out their tables with this module:

- `wrap(text, width, size)` breaks lines at spaces; after a hyphen or a slash inside a word
  ("tale-/hørelærer"); in an e-mail address or a web address after "@", "." and "/"; and
  only a word wider than the whole line is hyphenated, by the Danish rules of pyphen's
  dictionary (a "-" is drawn at the line's end). A word that has no permitted break at all
  (a long number) is cut where it reaches the edge, the last resort.
- `column_widths(columns, total)` shares a table's width out by its content, the way a
  browser lays out an automatic table: each column at least as wide as its longest word
  (so no word has to break), the rest by how much each column's text needs.

Widths are measured with DejaVu Sans, the font of the PDF forms and what LibreOffice
draws for the Word documents' Arial where Arial is not installed; Arial itself is
narrower, so a column wide enough here is wide enough in Word too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from fontTools.ttLib import TTFont

from .pdf_font import BOLD, REGULAR

SOFT_BREAK_AFTER = "-/\u2010\u2013"  # a line may end after these inside a word
ADDRESS_BREAK_AFTER = "@./"  # and after these inside an e-mail or web address
_ADDRESS = re.compile(r"^\W*(?:[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?:https?://|www\.)\S+)\W*$",
                      re.IGNORECASE)
_WORDISH = re.compile(r"\w", re.UNICODE)
MIN_LEFT, MIN_RIGHT = 2, 3  # letters kept before and after a hyphenation point
MIN_PIECE = 3  # a break leaves at least this many characters on the line it ends


class Metrics:
    """Advance widths of one font, in 1/1000 em."""

    def __init__(self, path):
        font = TTFont(str(path))
        scale = 1000 / font["head"].unitsPerEm
        metrics = font["hmtx"].metrics
        self.widths = {chr(code): metrics[name][0] * scale
                       for code, name in font.getBestCmap().items()}
        self.default = metrics[font.getGlyphOrder()[0]][0] * scale
        self.widths["\t"] = self.widths[" "] * 4

    def width(self, text: str, size: float) -> float:
        widths, default = self.widths, self.default
        return sum(widths.get(ch, default) for ch in text) * size / 1000


@lru_cache(maxsize=2)
def metrics(bold: bool = False) -> Metrics:
    return Metrics(BOLD if bold else REGULAR)


def measure(text: str, size: float, bold: bool = False) -> float:
    """The width of `text` in points at `size` points."""
    return metrics(bold).width(text, size)


@lru_cache(maxsize=1)
def _dictionary():
    import pyphen
    return pyphen.Pyphen(lang="da_DK", left=MIN_LEFT, right=MIN_RIGHT)


@lru_cache(maxsize=4096)
def hyphenation_points(word: str) -> tuple[int, ...]:
    """Where `word` may be hyphenated by Danish rules (indexes into `word`), only inside
    runs of letters, never next to a digit or punctuation."""
    points = []
    for match in re.finditer(r"[^\W\d_]+", word):
        run = match.group()
        if len(run) < MIN_LEFT + MIN_RIGHT:
            continue
        points.extend(match.start() + p for p in _dictionary().positions(run))
    return tuple(points)


def is_address(token: str) -> bool:
    """An e-mail address or a web address."""
    return bool(_ADDRESS.match(token))


@lru_cache(maxsize=4096)
def soft_breaks(token: str, addresses: bool = True) -> tuple[int, ...]:
    """Indexes in `token` where a line may end without adding a hyphen: after a hyphen or a
    slash between letters, and (with `addresses`) in an address after "@", "." and "/".

    Word and LibreOffice break after a hyphen or a slash themselves, but not inside an
    e-mail address: for a Word document an address is one unbreakable piece."""
    address = addresses and is_address(token)
    points = []
    for index, char in enumerate(token[:-1]):
        after = index + 1
        if after < MIN_PIECE - 1 or len(token) - after < 2:
            continue
        if char in SOFT_BREAK_AFTER and _WORDISH.match(token[after]):
            points.append(after)
        elif address and char in ADDRESS_BREAK_AFTER and token[after] not in ADDRESS_BREAK_AFTER:
            points.append(after)
    return tuple(points)


def pieces(token: str, addresses: bool = True) -> list[str]:
    """`token` cut at its soft breaks: what no line end may split."""
    out, start = [], 0
    for point in soft_breaks(token, addresses):
        out.append(token[start:point])
        start = point
    out.append(token[start:])
    return out


def longest_piece(text: str, size: float, bold: bool = False,
                  addresses: bool = True) -> float:
    """The widest run of `text` no line may break without hyphenating: its narrowest
    possible column, in points."""
    best = 0.0
    for token in text.split():
        for piece in pieces(token, addresses):
            best = max(best, measure(piece, size, bold))
    return best


def widest_line(text: str, size: float, bold: bool = False) -> float:
    """The width `text` needs to stand unwrapped, line by line."""
    return max((measure(line, size, bold) for line in text.split("\n")), default=0.0)


# ----------------------------------------------------------------------- wrapping

@dataclass(frozen=True)
class Line:
    text: str  # as drawn, with a hyphen added where a word was hyphenated
    hyphenated: bool = False


# How a part of a word joins the next part: a soft break (nothing drawn), a hyphen drawn
# when the line ends there (Danish hyphenation), or None (the word's last part).
_SOFT, _HYPHEN = "soft", "hyphen"


def _cut(piece: str, width: float, size: float, bold: bool, hyphenate: bool):
    """A piece wider than a whole line, as (text, join) parts each fitting `width`."""
    parts = []
    hyphen = measure("-", size, bold)
    points = hyphenation_points(piece) if hyphenate else ()  # of the whole word, not a rest
    rest, done = piece, 0
    while measure(rest, size, bold) > width:
        head = None
        for point in points:
            point -= done
            if 0 < point < len(rest) and measure(rest[:point], size, bold) + hyphen <= width:
                head = (rest[:point], _HYPHEN)
        if head is None:  # no permitted break fits: cut at the edge, the last resort
            cut = 1
            while cut < len(rest) and measure(rest[:cut + 1], size, bold) <= width:
                cut += 1
            head = (rest[:cut], _SOFT)
        parts.append(head)
        rest = rest[len(head[0]):]
        done += len(head[0])
    parts.append((rest, None))
    return parts


def _word_parts(word: str, width: float, size: float, bold: bool):
    """A word as (text, join) parts: itself when it fits a line; else cut at its soft
    breaks, and a piece still wider than a line hyphenated (an address: cut)."""
    if measure(word, size, bold) <= width:
        return [(word, None)]
    hyphenate = not is_address(word)
    parts = []
    for piece in pieces(word):
        cut = _cut(piece, width, size, bold, hyphenate)
        cut[-1] = (cut[-1][0], _SOFT)
        parts.extend(cut)
    parts[-1] = (parts[-1][0], None)
    return parts


def wrap(text: str, width: float, size: float, bold: bool = False,
         max_lines: int | None = None) -> list[Line]:
    """`text` in lines no wider than `width` points at `size` points: breaks at spaces;
    a word wider than a line at its soft breaks, then by Danish hyphenation.

    With `max_lines`, stops once more lines than that are made (what does not fit is not
    laid out, so a huge value costs no more than a full box)."""
    lines: list[Line] = []
    hyphen = measure("-", size, bold)

    def full() -> bool:
        return max_lines is not None and len(lines) > max_lines

    for paragraph in text.replace("\t", "    ").split("\n"):
        current, used = "", 0.0
        for match in re.finditer(r"( *)(\S+)", paragraph):
            spaces, word = match.groups()
            parts = _word_parts(word, width, size, bold)
            for index, (part, join) in enumerate(parts):
                gap = spaces if index == 0 else ""
                gap_w = measure(gap, size, bold)
                part_w = measure(part, size, bold)
                need = part_w + (hyphen if join == _HYPHEN else 0.0)
                if current and used + gap_w + need > width:
                    lines.append(Line(current))
                    if full():
                        return lines
                    current, used, gap, gap_w = "", 0.0, "", 0.0
                current += gap + part
                used += gap_w + part_w
                if join == _HYPHEN:  # end the line here unless the next part fits too
                    following, next_join = parts[index + 1]
                    after = measure(following, size, bold) + (
                        hyphen if next_join == _HYPHEN else 0.0)
                    if used + after > width:
                        lines.append(Line(current + "-", True))
                        if full():
                            return lines
                        current, used = "", 0.0
        lines.append(Line(current))
        if full():
            return lines
    return lines


def wrap_text(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    return [line.text for line in wrap(text, width, size, bold)]


# ------------------------------------------------------------------ column widths

@dataclass
class Column:
    """What a column must hold, in points (padding included): `least` its longest
    unbreakable piece, `most` its widest unwrapped line, `floor` room to write in by hand."""
    least: float
    most: float
    floor: float = 0.0


def column_widths(columns: list[Column], total: float) -> list[float]:
    """Widths summing to `total`: every column at least its longest word where the table
    allows it, the rest shared by what each column's text needs beyond that."""
    least = [max(c.least, c.floor) for c in columns]
    if sum(least) > total:  # no room to write by hand beyond the words themselves
        least = [c.least for c in columns]
    most = [max(c.most, low) for c, low in zip(columns, least)]
    if sum(least) > total:  # some words must be hyphenated: the narrowest cut hurts least
        scale = total / sum(least)
        return _exact([w * scale for w in least], total)
    if sum(most) <= total:
        spare = total - sum(most)
        return _exact([m + spare * m / sum(most) for m in most], total)
    spare = total - sum(least)
    need = [m - low for m, low in zip(most, least)]
    return _exact([low + spare * n / sum(need) for low, n in zip(least, need)], total)


def _exact(widths: list[float], total: float) -> list[float]:
    widths = [round(w, 2) for w in widths]
    widths[-1] = round(total - sum(widths[:-1]), 2)
    return widths
