"""A development clock may start on a named day; production refuses the setting."""

from __future__ import annotations

import datetime as dt

import pytest

from services.kernel.clock import CHINA, DevClock, parse_start
from services.kernel.config import ConfigError, Settings


def test_a_bare_date_starts_at_nine_in_the_morning_china_time() -> None:
    assert parse_start("2027-12-27") == dt.datetime(2027, 12, 27, 9, 0, tzinfo=CHINA)
    assert parse_start(" 2027-12-27T23:30:00+08:00 ") == dt.datetime(2027, 12, 27, 23, 30, tzinfo=CHINA)


@pytest.mark.parametrize("text", ["2027-12-27T09:00", "27/12/2027", "2027-13-01", "tomorrow"])
def test_a_start_that_is_not_a_dated_instant_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="2027-12-27"):
        parse_start(text)


def test_a_clock_started_on_a_day_reads_that_day_and_runs_on() -> None:
    clock = DevClock.starting(parse_start("2027-12-31"))
    assert clock.today() == dt.date(2027, 12, 31)
    clock.advance(dt.timedelta(hours=16))  # 09:00 + 16 h: past midnight
    assert clock.today() == dt.date(2028, 1, 1)


def _env(**extra: str) -> dict[str, str]:
    return {
        "CHENGNUO_PG_DSN": "postgresql://u@h/db",
        "CHENGNUO_NATS_URL": "nats://127.0.0.1:1",
        "CHENGNUO_GRPC_LISTEN": "127.0.0.1:0",
        "CHENGNUO_TOKEN_PUBLIC_KEYS": __file__,
        "CHENGNUO_SERVICE_TOKEN_FILE": __file__,
        "CHENGNUO_AUDIT_KEY_FILE": __file__,
        **extra,
    }


def test_the_setting_is_read_in_development_and_refused_elsewhere() -> None:
    settings = Settings.from_env(
        "credit", _env(CHENGNUO_ENV="development", CHENGNUO_CLOCK_START="2027-12-27")
    )
    assert settings.clock_start == dt.datetime(2027, 12, 27, 9, 0, tzinfo=CHINA)
    assert Settings.from_env("credit", _env(CHENGNUO_ENV="development")).clock_start is None
    with pytest.raises(ConfigError, match="CHENGNUO_CLOCK_START is for development stacks"):
        Settings.from_env("credit", _env(CHENGNUO_CLOCK_START="2027-12-27"))
    with pytest.raises(ConfigError, match="CHENGNUO_CLOCK_START: 'soon' is not an ISO date"):
        Settings.from_env("credit", _env(CHENGNUO_ENV="development", CHENGNUO_CLOCK_START="soon"))
