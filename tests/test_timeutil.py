"""Times are typed and shown in Morocco's time and stored in UTC."""
from datetime import date, datetime, timezone

from najma.timeutil import format_date_local, format_datetime_local, to_local, to_utc


def test_form_time_is_stored_in_utc_and_shown_back_unchanged(app):
    typed = datetime(2026, 11, 30, 10, 0)
    stored = to_utc(typed)
    assert stored == datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)  # Morocco is UTC+1 outside Ramadan
    assert to_local(stored) == typed


def test_shown_hour_is_moroccan_local_time(app):
    with app.test_request_context():
        shown = format_datetime_local(datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc))
    assert "10:00" in shown and ":00:00" not in shown


def test_dates_are_localised(app):
    with app.test_request_context():
        assert format_date_local(date(2026, 3, 5), "long") == "5 mars 2026"
