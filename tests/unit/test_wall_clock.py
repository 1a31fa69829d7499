"""No business date comes from the wall clock: services read their Clock, tests the clock they
started (tests/conftest.py CLOCK_START). This guards the two ways a date slipped in before."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# `date.today()` is the machine's local date; `datetime.now(CHINA)` a China date off the wall clock.
WALL_DATE = re.compile(r"\bdate\.today\(\)|datetime\.now\(CHINA\)")
# The clock itself, and the CLI's fallback for production services, which serve no dev clock.
ALLOWED = {Path("services/kernel/clock.py"), Path("services/cli/values.py")}


def test_no_service_or_test_takes_a_date_from_the_wall_clock() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for top in ("services", "tests", "bench")
        for path in sorted((ROOT / top).rglob("*.py"))
        if path.relative_to(ROOT) not in ALLOWED and path != Path(__file__).resolve()
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if WALL_DATE.search(line)
    ]
    assert found == []
