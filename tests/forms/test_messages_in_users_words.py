"""Every message a person reads about a form names the field by its Danish label — never a
record path (meeting.end_time, actions.2.deadline) or an internal option code
(parent_custody, SM, true/false).

The findings are generated broadly: every rule's finding, as the rules' own tests provoke
them (each test of tests/rules is run here with the finding constructors recorded), and a
shape error for every field of every form, of every kind (text, date, time, choice, yes/no,
number; a section and a group of the wrong type, too many rows, an unknown key)."""
from __future__ import annotations

import importlib
import inspect
import json
import re
from pathlib import Path

import pytest

from formservice import rules as rules_package
from formservice.forms import FORMS
from formservice.forms import record as record_module
from formservice.forms.fields import MAX_ROWS
from formservice.forms.layout import all_sections
from formservice.forms.record import load_data, load_lenient, required_findings
from formservice.rules import RULE_CODES

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
RULE_TESTS = Path(__file__).resolve().parents[1] / "rules"
RULE_MODULES = ("child", "consent", "cross", "meetings", "network_map")
PATH = re.compile(r"\b[a-z][a-z_]*\.(?:\d+\.)?[a-z_]+\b|\b[a-z]+_[a-z_]+\b")
MACHINE = re.compile(r"true/false|\bNone\b|\bnull\b|Traceback|Expecting|\[|\{")


def _option_codes() -> set[str]:
    """Every option value a person never sees (its label is shown instead) — except a value
    that is a Danish word of some label too ("observation")."""
    codes, words = set(), set()
    for form_id in FORMS:
        for section in all_sections(form_id):
            words.update(re.findall(r"[\wæøå]+", section.label.casefold()))
            for spec in section.fields:
                words.update(re.findall(r"[\wæøå]+", spec.label.casefold()))
                for value, label in spec.options or ():
                    words.update(re.findall(r"[\wæøå]+", str(label).casefold()))
                    if isinstance(value, str) and value.casefold() != str(label).casefold():
                        codes.add(value)
    return {code for code in codes if code.casefold() not in words}


OPTION_CODES = _option_codes()


def assert_in_users_words(message: str, where: str) -> None:
    assert message.strip(), where
    assert not PATH.search(message), (where, message)
    assert not MACHINE.search(message), (where, message)
    for code in OPTION_CODES:
        assert not re.search(rf"(?<![\wæøåÆØÅ-]){re.escape(code)}(?![\wæøåÆØÅ-])", message), \
            (where, code, message)


# --- every rule, as its tests provoke it --------------------------------------------------

def _parameter_sets(function) -> list[dict]:
    combos = [{}]
    for mark in getattr(function, "pytestmark", []):
        if mark.name != "parametrize":
            continue
        names = mark.args[0]
        names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
        expanded = []
        for combo in combos:
            for value in mark.args[1]:
                values = value.values if hasattr(value, "values") and hasattr(value, "marks") \
                    else (value if len(names) > 1 else (value,))
                expanded.append({**combo, **dict(zip(names, values))})
        combos = expanded
    return combos


@pytest.fixture(scope="module")
def rule_findings():
    """Every finding made while the rules' tests run (pass or fail, it does not matter)."""
    made = []
    originals = {}

    def recording(original):
        def make(*args, **kwargs):
            finding = original(*args, **kwargs)
            made.append(finding)
            return finding
        return make

    targets = [record_module] + [importlib.import_module(f"formservice.rules.{name}")
                                 for name in RULE_MODULES]
    for module in targets:
        for name in ("error", "warning"):
            if hasattr(module, name):
                originals[(module, name)] = getattr(module, name)
                setattr(module, name, recording(getattr(module, name)))
    try:
        for path in sorted(RULE_TESTS.glob("test_*.py")):
            if path.stem == "test_rules_property":  # hypothesis: slow, and adds no code
                continue
            module = importlib.import_module(f"rules.{path.stem}")
            for name, function in inspect.getmembers(module, inspect.isfunction):
                if not name.startswith("test_") or function.__module__ != module.__name__:
                    continue
                for arguments in _parameter_sets(function):
                    if set(inspect.signature(function).parameters) - set(arguments):
                        continue  # a fixture this runner does not give
                    try:
                        function(**arguments)
                    except Exception:  # noqa: BLE001 - only the findings matter here
                        pass
    finally:
        for (module, name), original in originals.items():
            setattr(module, name, original)
    return made


def test_every_rule_code_is_provoked(rule_findings):
    seen = {finding.code for finding in rule_findings}
    assert set(RULE_CODES) - seen == set()


def test_no_rule_message_shows_a_path_or_an_option_code(rule_findings):
    assert len(rule_findings) > 300
    for finding in rule_findings:
        assert_in_users_words(finding.message, finding.code)


def test_required_fields_are_named_by_their_labels():
    for form_id in FORMS:
        data, _ = load_data(form_id, {})
        for finding in required_findings(form_id, data):
            assert_in_users_words(finding.message, finding.path)


# --- a shape error for every field of every kind -------------------------------------------

BAD = {  # kind -> values that field cannot take
    "text": [123, "Alma\x01", "x" * 20_001],
    "date": ["31-02-2026", "i morgen", 20260301, "2026-13-01"],
    "time": ["25:00", "14.5", "halv tre", 1430],
    "choice": ["no_such_option", "parent_custody_x", 99],
    "bool": ["kanske", 2, "true"],
    "integer": ["høj", 1.5, 10 ** 9, True],
}


def _sample(form_id: str) -> dict:
    return json.loads((SAMPLES / f"{form_id}.json").read_text(encoding="utf-8"))


def _broken(form_id: str, index: int) -> dict:
    """The sample with every field given the `index`th bad value of its kind."""
    data = _sample(form_id)
    for section in all_sections(form_id):
        values = {spec.name: BAD[spec.kind][index % len(BAD[spec.kind])] for spec in section.fields}
        data[section.name] = [values, dict(values)] if section.is_group else values
    return data


@pytest.mark.parametrize("form_id", list(FORMS))
def test_every_shape_error_names_the_field_by_its_label(form_id):
    labels = {spec.label for section in all_sections(form_id) for spec in section.fields}
    messages = []
    for index in range(4):
        data = _broken(form_id, index)
        _, findings = load_data(form_id, data)
        _, _, lenient = load_lenient(form_id, data)
        assert findings and lenient
        for finding in findings + lenient:
            assert finding.code.startswith("shape."), finding
            assert any(finding.message.startswith(label) for label in labels), finding
            messages.append((finding.path, finding.message))
    # the wrong type of section or group, too many rows, a key the form does not have
    for section in all_sections(form_id):
        for value in (("a list, not fields" if not section.is_group else {"a": 1}),
                      ([{}] * (MAX_ROWS + 1) if section.is_group else ["x"])):
            _, findings = load_data(form_id, {**_sample(form_id), section.name: value})
            assert findings, (section.name, value)
            for finding in findings:
                assert finding.message.startswith(section.label), finding
                messages.append((finding.path, finding.message))
    _, findings = load_data(form_id, {**_sample(form_id), "extra_section": {}})
    messages += [(f.path, f.message) for f in findings]
    first = all_sections(form_id)[0]
    broken = _sample(form_id)
    broken[first.name] = {**(broken.get(first.name) or {}), "no_such_field": 1} \
        if not first.is_group else [{"no_such_field": 1}]
    _, findings = load_data(form_id, broken)
    messages += [(f.path, f.message) for f in findings]
    for path, message in messages:
        assert_in_users_words(message.replace("»extra_section«", "").replace(
            "»no_such_field«", ""), path)


def test_choices_are_listed_by_their_labels_only():
    data = _sample("first_meeting")
    data["participants"][0]["role"] = "grandparent"
    _, [finding] = load_data("first_meeting", data)
    assert finding.message.startswith("Rolle (række 1): Vælg en af: Forælder med "
                                      "forældremyndighed, Forælder uden forældremyndighed")
    assert "parent_custody" not in finding.message and "Andet." in finding.message


def test_a_time_names_its_field():
    data = _sample("first_meeting")
    data["meeting"]["end_time"] = "kvart over"
    _, [finding] = load_data("first_meeting", data)
    assert finding.message == "Sluttidspunkt: Skriv tidspunktet som 14:30."


def test_the_rules_package_is_what_the_runner_patched():
    assert set(RULE_MODULES) <= {name for name in dir(rules_package)} | {"cross"}
