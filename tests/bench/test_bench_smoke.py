"""The benchmark harness runs end to end at tiny sizes. Nothing about speed is asserted: the
figures of a smoke run on a busy machine mean nothing; that every benchmark ran does."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest

EXPECTED = [
    "echo",
    "raw transaction",
    "RecordCommitment, 32 concurrent",
    "CheckEligibility",
    "false conclusion -> refused",
    "raw COPY of 2,000 roster rows",
    "roster import of 2,000 subjects",
    "random draw over 2,000 subjects",
    "bulk match of 1,000 codes",
    "CheckEligibility, 1 worker",
    "CheckEligibility, 2 workers",
    "RecordCommitment, 1 worker",
    "RecordCommitment, 2 workers",
]


@pytest.mark.e2e
async def test_every_benchmark_runs_and_reports(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench", "--smoke", "--results", str(tmp_path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), timeout=240)
    assert process.returncode == 0, output.decode()[-3000:]
    figures = _written(tmp_path)
    names = [row["name"] for row in figures["rows"]]
    assert [n for n in EXPECTED if n not in names] == []
    assert figures["machine"]["cores"] >= 1
    for row in figures["rows"]:
        assert row["rate"] > 0, row
        assert row["errors"] == 0, row
    compared = {r["name"]: r for r in figures["rows"] if r["ratio"] is not None}
    assert compared["roster import of 2,000 subjects"]["baseline"] == "raw COPY"
    assert "benchmark" in output.decode()  # the table was printed


def _written(folder: Path) -> dict[str, Any]:
    (path,) = folder.glob("bench-*.json")
    found: dict[str, Any] = json.loads(path.read_text())
    return found
