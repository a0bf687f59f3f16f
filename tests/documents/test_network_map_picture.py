"""The netværkskort picture: a valid PNG, every name in its own quadrant and ring."""
import io
import math
import os
import time

import pytest
from PIL import Image

from formservice.documents.network_map_picture import (
    SECTOR_QUADRANTS,
    bold_font_path,
    draw_network_map,
    font_path,
    layout_network_map,
    render_layout,
)

SECTORS = ("family", "friends", "school", "professional")

NAMES = [
    ("Mor Camilla", "Mor"), ("Far Jonas", "Far"), ("Mormor Åse", "Mormor"),
    ("Morfar Søren", "Morfar"), ("Faster Ayşe Yılmaz", "Faster"),
    ("Onkel Łukasz Wiśniewski", "Onkel"), ("Freja", "Bedste veninde"),
    ("Nabo Birthe", "Nabo"), ("Noah og Liam", "Venner fra vejen"),
    ("Nguyễn Thị Hạnh", "Mors veninde"), ("Pædagog Lise", "Pædagog"),
    ("Klasselærer Peter Ørsted", "Lærer"), ("Fodboldtræner Ole", "Træner"),
    ("SFO-Mette", "SFO"), ("Sagsbehandler Hanne", "Socialrådgiver"),
    ("PPR-psykolog Kim", "Psykolog"), ("Sundhedsplejerske Dorte", "Sundhedsplejerske"),
    ("Egen læge", "Læge"), ("Lillebror Emil", "Bror"), ("Storesøster Zoë", "Søster"),
    ("Oldemor Ingrid", "Oldemor"), ("Agnieszka Dąbrowska-Nowak", "Kontaktperson"),
    ("Tandlæge Mads", "Tandlæge"), ("Spejderleder Ğülşen", "Spejder"),
    ("Bonusfar Ryszard", "Bonusfar"), ("Trần Văn Ưng", "Nabo"),
    ("Hjemmevejleder Bo", "Familiebehandler"), ("Kusine Alma", "Kusine"),
    ("Dagplejemor Grethe", "Tidligere dagplejer"), ("Ergoterapeut Ńina", "Ergoterapeut"),
]


def person(name, relation, sector, closeness, invite=False):
    return {"name": name, "relation": relation, "sector": sector, "closeness": closeness,
            "support": None, "contact": None, "invite": invite}


def network(count, *, child="Ida", placed=True):
    """`count` people spread over the sectors and rings, deterministic."""
    people = []
    for i in range(count):
        name, relation = NAMES[i % len(NAMES)]
        if i >= len(NAMES):
            name = f"{name} {i}"
        sector = SECTORS[i % 4] if placed else None
        closeness = (1, 2, 3, 2, 3)[i % 5] if placed else None
        people.append(person(name, relation, sector, closeness, invite=i % 3 == 0))
    links = [{"person_a": people[i]["name"], "person_b": people[i + 5]["name"]}
             for i in range(0, max(0, count - 5), 4)]
    return {"child": {"name": child}, "map": {"date": None, "filled_with": None,
                                              "perspective": "child"},
            "people": people, "links": links}


def typical_map():
    """A realistic map of 20 people, with a crowded inner family ring."""
    rows = [
        ("Mor Camilla", "Mor", "family", 1, True), ("Far Jonas", "Far", "family", 1, True),
        ("Lillebror Emil", "Bror", "family", 1, False),
        ("Mormor Åse", "Mormor", "family", 1, True),
        ("Morfar Søren", "Morfar", "family", 2, False),
        ("Faster Ayşe Yılmaz", "Faster", "family", 2, False),
        ("Onkel Łukasz Wiśniewski", "Onkel", "family", 3, False),
        ("Freja", "Bedste veninde", "friends", 1, False),
        ("Nabo Birthe", "Nabo", "friends", 2, True),
        ("Noah og Liam", "Venner fra vejen", "friends", 2, False),
        ("Nguyễn Thị Hạnh", "Mors veninde", "friends", 3, False),
        ("Pædagog Lise", "Pædagog", "school", 1, True),
        ("Klasselærer Peter Ørsted", "Lærer", "school", 2, True),
        ("Fodboldtræner Ole", "Træner", "school", 2, False),
        ("SFO-Mette", "SFO", "school", 3, False),
        ("Sagsbehandler Hanne", "Socialrådgiver", "professional", 2, True),
        ("PPR-psykolog Kim", "Psykolog", "professional", 2, True),
        ("Sundhedsplejerske Dorte", "Sundhedsplejerske", "professional", 3, False),
        ("Egen læge", "Læge", "professional", 3, False),
        ("Tante Gül", "Tante", None, None, False),
    ]
    return {
        "child": {"name": "Ida"},
        "map": {"perspective": "child"},
        "people": [person(*row) for row in rows],
        "links": [{"person_a": "Mor Camilla", "person_b": "Nabo Birthe"},
                  {"person_a": "Pædagog Lise", "person_b": "SFO-Mette"},
                  {"person_a": "Far Jonas", "person_b": "Fodboldtræner Ole"}],
    }


HOSTILE = [
    "{{ x }}", "{% if x %}y{% endif %}", "<w:t>", "</w:p><w:p>", "& &amp; <>", "😀👨\u200d👩\u200d👧 Familie",
    "A" * 400, "Navn\nmed\r\nlinjeskift\tog tab", "\x00\x07\x1b[31m", "\ud800 ensom surrogat",
    "ş ğ ı ł ń ą ę ơ ư ạ", "   ", "\u202ehøjre-til-venstre", "Ω" * 60,
    "Meget langt navn med mange ord der aldrig slutter og bliver ved og ved",
]


def hostile_map():
    people = [person(text, text, SECTORS[i % 4], 1 + i % 3, i % 2 == 0)
              for i, text in enumerate(HOSTILE)]
    people += [
        person(None, None, "family", 1), person(None, "Mormor", "family", 2),
        person("Ukendt område", "x", "outer space", 2),
        person("Streng-nærhed", "x", "school", "2"),
        person("Forkert nærhed", "x", "school", 7),
        person(12345, 678, "friends", 1),
        {"name": "Kun navn"}, None, "ikke en dict",
    ]
    links = [{"person_a": HOSTILE[0], "person_b": HOSTILE[2]}, {"person_a": None},
             {"person_a": "findes ikke", "person_b": HOSTILE[1]}, "ikke et link"]
    return {"child": {"name": "<w:t>{{ barn }}</w:t> 😀"}, "map": None,
            "people": people, "links": links}


CASES = {
    "typical": typical_map,
    "empty": dict,
    "blank": lambda: {"child": {"name": None}, "map": None, "people": None, "links": None},
    "blank_rows": lambda: {"child": None, "people": [person(None, None, None, None)] * 8,
                           "links": [{"person_a": None, "person_b": None}]},
    "one": lambda: network(1),
    "eight": lambda: network(8),
    "thirty": lambda: network(30),
    "unplaced": lambda: network(12, placed=False),
    "crowded_cell": lambda: {"child": {"name": "Ida"}, "people": [
        person(f"Fætter nummer {i}", "Fætter", "family", 1) for i in range(18)]},
    "hostile": hostile_map,
}


def png(data, size=1600):
    return Image.open(io.BytesIO(draw_network_map(data, size_px=size)))


# ----------------------------------------------------------------------------- basics


def test_fonts_are_local_truetype_files():
    assert font_path() and os.path.isfile(font_path())
    assert bold_font_path() and os.path.isfile(bold_font_path())
    if os.path.isfile("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
        assert font_path() == "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
        assert bold_font_path() == "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


@pytest.mark.parametrize("size", [1600, 800, 1000])
def test_valid_png_of_requested_size(size):
    data = draw_network_map(typical_map(), size_px=size)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    image.verify()
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    assert image.size == (size, size)
    assert image.mode == "P"  # a fixed palette: see draw_network_map_indexed


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_case_renders(case):
    image = png(CASES[case]())
    assert image.size == (1600, 1600)
    image.load()


def test_empty_map_shows_child_placeholder_rings_and_sectors():
    layout = layout_network_map({}, 1600)
    assert layout.child_lines == ("Barnet",)
    assert layout.placed == [] and layout.unplaced == []
    kinds = {(label.kind, label.text) for label in layout.labels}
    for text in ("Familie", "Venner og naboer", "Skole/dagtilbud/fritid", "Professionelle"):
        assert ("sector", text) in kinds
    for text in ("Tæt", "Mellem", "Løs"):
        assert ("ring", text) in kinds
    assert ("legend", "Inviteres til møder") in kinds
    radii = layout.ring_radii
    assert radii[0] < radii[1] < radii[2] < radii[3] <= 800


def test_child_name_and_anonymised_first_name_only():
    assert layout_network_map({"child": {"name": "Ida"}}).child_lines == ("Ida",)
    anonymous = layout_network_map({"child": {"name": "Ida Marie Hansen", "anonymised": True}})
    assert anonymous.child_lines == ("Ida",)


def test_same_input_same_bytes():
    for case in ("typical", "thirty", "hostile"):
        assert draw_network_map(CASES[case]()) == draw_network_map(CASES[case]())


# ------------------------------------------------------------------------- geometry


def inside(inner, outer):
    ix0, iy0, ix1, iy1 = inner
    ox0, oy0, ox1, oy1 = outer
    return ox0 <= ix0 <= ix1 <= ox1 and oy0 <= iy0 <= iy1 <= oy1


def overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def check_layout(layout):
    size = layout.size
    cx, cy = layout.centre
    everything = []
    for p in layout.placed:
        x0, y0, x1, y1 = p.box
        assert inside(p.box, (0, 0, size, size)), p
        assert inside(p.text_box, p.box), p
        sx, sy = SECTOR_QUADRANTS[p.sector]
        # in the sector's quadrant ...
        assert (x0 > cx) if sx > 0 else (x1 < cx), p
        assert (y0 > cy) if sy > 0 else (y1 < cy), p
        # ... and, corner to corner, inside the ring band of its closeness
        inner, outer = layout.band(p.closeness)
        corners = [math.hypot(x - cx, y - cy) for x in (x0, x1) for y in (y0, y1)]
        if not p.overflow:
            assert inner <= min(corners) and max(corners) <= outer, (p, inner, outer)
        assert min(corners) > layout.child_radius
        assert max(corners) <= layout.outer_radius
        everything.append(("person", p.name, p.box))
    for p in layout.unplaced:
        assert p.sector is None or p.closeness is None or p.overflow is False
        assert inside(p.box, (0, 0, size, size)), p
        assert inside(p.text_box, p.box), p
        everything.append(("list", p.name, p.box))
    for label in layout.labels:
        assert inside(label.box, (0, 0, size, size)), label
        everything.append((label.kind, label.text, label.box))
    for i, (kind_a, text_a, a) in enumerate(everything):
        for kind_b, text_b, b in everything[i + 1:]:
            assert not overlap(a, b), (kind_a, text_a, a, kind_b, text_b, b)
    # Nothing outside the circle may reach into it, nothing inside may leave it.
    for kind, text, (x0, y0, x1, y1) in everything:
        if kind in ("sector", "legend", "heading", "more", "list"):
            nx, ny = min(max(cx, x0), x1), min(max(cy, y0), y1)
            assert math.hypot(nx - cx, ny - cy) > layout.outer_radius, (kind, text)


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("size", [1600, 900])
def test_boxes_inside_own_quadrant_and_ring_and_never_overlapping(case, size):
    check_layout(layout_network_map(CASES[case](), size))


@pytest.mark.parametrize("case", ["typical", "thirty", "eight", "hostile"])
def test_everybody_is_shown(case):
    data = CASES[case]()
    layout = layout_network_map(data, 1600)
    rows = [p for p in data["people"] if isinstance(p, dict)
            and any(p.get(k) is not None for k in ("name", "relation", "sector", "closeness"))]
    shown = len(layout.placed) + len(layout.unplaced) + layout.hidden_unplaced
    assert shown == len(rows)
    indexes = [p.index for p in layout.placed + layout.unplaced]
    assert len(indexes) == len(set(indexes))


def test_names_are_drawn_inside_their_boxes():
    data = typical_map()
    layout = layout_network_map(data, 1600)
    image = render_layout(layout).convert("L")
    assert len(layout.placed) == 19 and len(layout.unplaced) == 1
    for p in layout.placed + layout.unplaced:
        region = image.crop(p.text_box)
        darkest, lightest = region.getextrema()
        assert darkest < 90, p.name  # ink, not just background
        assert lightest > 200, p.name
        # the ink lies in the box, not only touching its edge
        inner = image.crop((p.text_box[0] + 2, p.text_box[1] + 2,
                            p.text_box[2] - 2, p.text_box[3] - 2))
        assert inner.getextrema()[0] < 90, p.name
    # the drawn PNG is this rendering in its fixed palette: the same picture to the eye
    from PIL import ImageChops, ImageStat
    drawn = png(data).convert("RGB")
    difference = ImageStat.Stat(ImageChops.difference(drawn, render_layout(layout))).mean
    assert max(difference) < 2.5, difference  # about 1 % of full scale on average


def test_typical_map_keeps_names_whole_and_readable():
    layout = layout_network_map(typical_map(), 1600)
    assert not any(p.abbreviated or p.overflow for p in layout.placed)
    for p in layout.placed:
        assert p.name_px >= 28
        assert " ".join(p.name_lines).replace("- ", "-") == p.name
        assert len(p.name_lines) <= 2
    # where the name does not already say it, the relation is shown
    by_name = {p.name: p for p in layout.placed}
    assert by_name["Freja"].relation_text == "Bedste veninde"
    assert by_name["Mor Camilla"].relation_text == ""  # "Mor" is in the name


@pytest.mark.parametrize("case", ["thirty", "crowded_cell", "hostile"])
def test_font_never_below_the_print_floor(case):
    for size in (1600, 800):
        layout = layout_network_map(CASES[case](), size)
        for p in layout.placed:
            assert p.name_px >= round(28 * size / 1600), p
            assert p.relation_px >= round(24 * size / 1600), p


def test_sparse_map_gets_larger_names():
    sparse = layout_network_map(network(4), 1600)
    assert min(p.name_px for p in sparse.placed) > 28


def test_crowded_cell_stays_legible():
    layout = layout_network_map(CASES["crowded_cell"](), 1600)
    assert len(layout.placed) + len(layout.unplaced) + layout.hidden_unplaced == 18
    check_layout(layout)


def test_unplaced_people_listed_in_a_corner():
    layout = layout_network_map(typical_map(), 1600)
    assert [p.name for p in layout.unplaced] == ["Tante Gül"]
    headings = [label for label in layout.labels if label.kind == "heading"]
    assert headings and headings[0].text == "Ikke placeret"
    many = layout_network_map(network(30, placed=False), 1600)
    assert many.placed == []
    assert len(many.unplaced) + many.hidden_unplaced == 30
    assert many.hidden_unplaced == 0 or any(label.kind == "more" for label in many.labels)


def test_invite_marker_filled_or_open():
    layout = layout_network_map(typical_map(), 1600)
    image = render_layout(layout).convert("L")
    for p in layout.placed:
        x, y, _ = p.dot
        value = image.getpixel((x, y))
        assert (value < 100) if p.invite else (value > 200), p.name


def test_links_connect_placed_people_by_name():
    layout = layout_network_map(typical_map(), 1600)
    names = {p.index: p.name for p in layout.placed}
    pairs = {frozenset((names[a], names[b])) for a, b in layout.links}
    assert pairs == {frozenset(("Mor Camilla", "Nabo Birthe")),
                     frozenset(("Pædagog Lise", "SFO-Mette")),
                     frozenset(("Far Jonas", "Fodboldtræner Ole"))}
    assert any(label.kind == "legend" and label.key == "link" for label in layout.labels)
    hostile = layout_network_map(hostile_map(), 1600)
    assert all(a != b for a, b in hostile.links)


def test_hostile_text_does_not_crash_and_is_cleaned():
    layout = layout_network_map(hostile_map(), 1600)
    check_layout(layout)
    for p in layout.placed + layout.unplaced:
        for line in p.name_lines + (p.relation_text,):
            assert "\n" not in line and "\r" not in line and "\x00" not in line
    long_one = next(p for p in layout.placed + layout.unplaced if p.name.startswith("AAAA"))
    assert long_one.abbreviated and "…" in "".join(long_one.name_lines)
    png(hostile_map(), 700).load()


def test_rejects_absurd_sizes():
    with pytest.raises(ValueError):
        draw_network_map({}, size_px=50)


def test_reasonably_fast():
    data = network(20)
    draw_network_map(data)  # warm caches and fonts
    start = time.perf_counter()
    for _ in range(3):
        draw_network_map(data)
    # about 0.1 s each on a developer machine; generous for slow CI runners
    assert (time.perf_counter() - start) / 3 < 1.0


def _clear_font_caches(module):
    for name in ("_font_files", "_font", "_text_width", "_line_height", "_measure_text"):
        getattr(module, name).cache_clear()


def test_falls_back_to_reportlab_vera_without_dejavu(monkeypatch):
    pytest.importorskip("reportlab")
    from formservice.documents import network_map_picture as module

    missing = ("/nonexistent/DejaVuSans.ttf", "/nonexistent/DejaVuSans-Bold.ttf")
    monkeypatch.setattr(module, "_DEJAVU", missing)
    monkeypatch.setattr(module, "_PACKAGED", missing)
    _clear_font_caches(module)
    try:
        assert font_path().endswith(os.path.join("reportlab", "fonts", "Vera.ttf"))
        image = png(typical_map(), 1000)
        assert image.size == (1000, 1000)
        check_layout(layout_network_map(hostile_map(), 1000))
    finally:
        monkeypatch.undo()
        _clear_font_caches(module)
    assert font_path() == module._DEJAVU[0] or os.path.isfile(font_path())


# ------------------------------------------------------- the child's name, the links


def _segment_hits_box(p, q, box, steps=400):
    """Whether the segment p-q enters the inside of `box` (sampled, independent of the
    layout's own geometry)."""
    x0, y0, x1, y1 = box
    for i in range(steps + 1):
        t = i / steps
        x, y = p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t
        if x0 + 0.5 < x < x1 - 0.5 and y0 + 0.5 < y < y1 - 0.5:
            return True
    return False


def _segment_enters_circle(p, q, centre, radius):
    (px, py), (qx, qy), (cx, cy) = p, q, centre
    dx, dy = qx - px, qy - py
    t = 0.0 if dx == dy == 0 else max(0.0, min(1.0, ((cx - px) * dx + (cy - py) * dy)
                                                   / (dx * dx + dy * dy)))
    return math.hypot(px + t * dx - cx, py + t * dy - cy) < radius - 0.5


def check_links(layout):
    assert len(layout.link_paths) == len(layout.links)
    placed = {p.index: p for p in layout.placed}
    for (a, b), path in zip(layout.links, layout.link_paths):
        assert path[0] == pytest.approx(placed[a].centre, abs=1)
        assert path[-1] == pytest.approx(placed[b].centre, abs=1)
        for start, end in zip(path, path[1:]):
            for p in layout.placed:
                if p.index not in (a, b):
                    assert not _segment_hits_box(start, end, p.box), (placed[a].name,
                                                                      placed[b].name, p.name)
            assert not _segment_enters_circle(start, end, layout.centre, layout.child_radius)


def blocked_map():
    """Links whose straight lines would run behind other people's boxes and the child."""
    people = [person(name, relation, sector, closeness) for name, relation, sector, closeness in (
        ("Mor Mette", "Mor", "family", 1), ("Far Jens", "Far", "family", 1),
        ("Mormor Inger", "Mormor", "family", 2), ("Nabo Lis", "Nabo", "friends", 2),
        ("Pædagog Søren", "Pædagog", "school", 1), ("Sundhedsplejerske Hanne", "Sundhedspl.",
                                                     "professional", 3),
        ("Sprogkonsulent Line", "PPR", "professional", 2), ("Træner Anja", "Træner", "school", 3),
        ("Onkel Kasper", "Onkel", "family", 3), ("Veninde Freja", "Veninde", "friends", 2))]
    pairs = [("Mor Mette", "Sundhedsplejerske Hanne"), ("Onkel Kasper", "Sprogkonsulent Line"),
             ("Veninde Freja", "Træner Anja"), ("Nabo Lis", "Pædagog Søren"),
             ("Mormor Inger", "Nabo Lis")]
    return {"child": {"name": "Alma Nørgaard Sørensen"}, "people": people,
            "links": [{"person_a": a, "person_b": b} for a, b in pairs]}


@pytest.mark.parametrize("case", ["typical", "thirty", "hostile", "blocked"])
@pytest.mark.parametrize("size", [1600, 1200, 900])
def test_a_link_never_passes_behind_a_third_persons_box_or_the_child(case, size):
    data = blocked_map() if case == "blocked" else CASES[case]()
    layout = layout_network_map(data, size)
    check_links(layout)
    if case == "blocked":
        assert len(layout.links) == 5
        assert any(len(path) > 2 for path in layout.link_paths)  # some had to go round


@pytest.mark.parametrize("name, lines", [
    ("Alma Nørgaard Sørensen", 3), ("Ida", 1), ("Mohammed Abdirahman Abdullahi Hassan", 3),
    ("Karl-Emil Skovgaard-Christensen", 3)])
@pytest.mark.parametrize("size", [1600, 1200])
def test_the_childs_name_wraps_in_the_centre_and_is_never_cut(name, lines, size):
    layout = layout_network_map({"child": {"name": name}}, size)
    assert len(layout.child_lines) <= 3
    assert " ".join(layout.child_lines).replace("- ", "-") == name  # every letter, in order
    assert not any("…" in line for line in layout.child_lines)
    assert len(layout.child_lines) <= lines
    from formservice.documents.network_map_picture import _line_height, _text_width
    block_w = max(_text_width(line, layout.child_px, True) for line in layout.child_lines)
    block_h = _line_height(layout.child_px, True) * len(layout.child_lines)
    assert math.hypot(block_w / 2, block_h / 2) < layout.child_radius  # inside the circle
    assert layout.child_px >= round(26 * size / 1600)  # at least about 8 pt in print
