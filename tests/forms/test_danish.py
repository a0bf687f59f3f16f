"""Danish dates and times: danish.parse_date / parse_time and the form fields using them."""
import datetime as dt

import pytest

from formservice.forms import danish
from formservice.forms.record import load_data

TODAY = dt.date(2026, 3, 1)


@pytest.mark.parametrize("text", [
    "2026-03-10", "10-03-2026", "10.3.2026", "10/3-2026", "10/3 2026", "10. marts 2026",
    "10 mar 2026", "10/3 26", "10-03-26", "  10-03-2026 ", "10.03.26", "10. Marts 2026",
    "10 mar. 2026", "10.\u00a0marts 2026", "10.marts 2026", "2026-3-10", "10 - 03 - 2026",
])
def test_the_ways_danes_write_a_date(text):
    assert danish.parse_date(text, today=TODAY) == dt.date(2026, 3, 10)


@pytest.mark.parametrize("text,expected", [
    ("1. januar 2027", dt.date(2027, 1, 1)), ("31 dec 2025", dt.date(2025, 12, 31)),
    ("5 maj 26", dt.date(2026, 5, 5)), ("5. sept. 2026", dt.date(2026, 9, 5)),
    ("5 okt 2026", dt.date(2026, 10, 5)), ("29-02-2028", dt.date(2028, 2, 29)),
    ("1/1 00", dt.date(2000, 1, 1)),
])
def test_month_names_and_leap_days(text, expected):
    assert danish.parse_date(text, today=TODAY) == expected


def test_two_digit_years_at_the_edge_of_ten_years_ahead():
    assert danish.parse_date("1-1-36", today=TODAY) == dt.date(2036, 1, 1)  # 2026 + 10
    assert danish.parse_date("1-1-37", today=TODAY) == dt.date(1937, 1, 1)
    assert danish.parse_date("1-1-99", today=TODAY) == dt.date(1999, 1, 1)


def test_default_today_is_the_real_today():
    next_year = dt.date.today().year + 1
    assert danish.parse_date(f"1-1-{next_year % 100:02d}").year == next_year


@pytest.mark.parametrize("text", [
    "", "   ", "31-02-2026", "29-02-2027", "32-01-2026", "10-13-2026", "0-1-2026",
    "10-03-202", "10-03", "10. martsj 2026", "marts 2026", "tirsdag", "2026-02-30",
    "10/3/2026/1", "10-03-2026 14:30", "1e3",
])
def test_what_is_not_a_date_is_refused_in_danish(text):
    with pytest.raises(ValueError) as caught:
        danish.parse_date(text, today=TODAY)
    message = str(caught.value)
    assert "dd-mm-åååå" in message and "10-03-2026" in message


def test_an_impossible_date_says_so():
    with pytest.raises(ValueError, match="findes ikke"):
        danish.parse_date("31-02-2026")


def test_not_a_string_is_refused():
    with pytest.raises(ValueError):
        danish.parse_date(20260310)


@pytest.mark.parametrize("text,expected", [
    ("14:30", "14:30"), ("14.30", "14:30"), ("kl. 14.30", "14:30"), ("kl 14", "14:00"),
    ("9.05", "09:05"), ("14", "14:00"), (" Kl. 9:05 ", "09:05"), ("0", "00:00"),
    ("23:59", "23:59"), ("00.00", "00:00"), ("kl.8", "08:00"),
])
def test_the_ways_danes_write_a_time(text, expected):
    assert danish.parse_time(text) == expected


@pytest.mark.parametrize("text", [
    "", "  ", "24:00", "14:60", "14.5", "14:305", "kl.", "halv tre", "-1", "14:30:00",
    "2.30 pm", "123",
])
def test_what_is_not_a_time_is_refused_in_danish(text):
    with pytest.raises(ValueError, match="Skriv tidspunktet som 14:30"):
        danish.parse_time(text)


def test_the_fields_store_the_canonical_value():
    data, findings = load_data("first_meeting", {"meeting": {
        "date": "10. marts 2026", "start_time": "kl. 14.30", "end_time": "16",
        "agenda_sent": "1/3-2026"}})
    assert findings == []
    meeting = data["meeting"]
    assert (meeting["date"], meeting["start_time"], meeting["end_time"],
            meeting["agenda_sent"]) == ("2026-03-10", "14:30", "16:00", "2026-03-01")


def test_the_fields_report_danish_messages_without_internal_codes():
    _, findings = load_data("first_meeting", {"meeting": {
        "date": "31-02-2026", "start_time": "14.5", "agenda_sent": 20260301}})
    messages = {f.path: f.message for f in findings}
    assert messages["meeting.date"].startswith("Mødedato: Datoen 31-02-2026 findes ikke.")
    assert messages["meeting.start_time"].startswith("Starttidspunkt: ")
    assert messages["meeting.start_time"].endswith("Skriv tidspunktet som 14:30.")
    assert messages["meeting.agenda_sent"] == ("Dagsorden sendt den: Skriv datoen som "
                                               "dd-mm-åååå, fx 10-03-2026.")
    for message in messages.values():
        assert "meeting." not in message and "_" not in message


def test_blank_dates_times_and_choices_are_not_given():
    data, findings = load_data("first_meeting", {
        "meeting": {"date": "  ", "start_time": " ", "case_kind": "  ", "leader": " \n "}})
    assert findings == []
    assert data["meeting"]["date"] is None and data["meeting"]["start_time"] is None
    assert data["meeting"]["case_kind"] is None and data["meeting"]["leader"] is None
