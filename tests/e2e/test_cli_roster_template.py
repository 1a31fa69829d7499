"""`chengnuo verify roster template` writes lists the real importer takes as they are written."""

from __future__ import annotations

import csv
import json
import uuid
from pathlib import Path

import pytest

from services.cli.tabular import EXAMPLE_MARK
from services.launcher.stack import Stack
from tests.e2e.cli import Cli
from tests.e2e.test_verification_flow import department

IMPORTS = {"subjects": "import-subjects", "inspectors": "import-inspectors"}


@pytest.mark.parametrize("which", ["subjects", "inspectors"])
@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_template_imports_unchanged_and_its_example_is_skipped(
    stack: Stack, tmp_path: Path, which: str, suffix: str
) -> None:
    lead = Cli(stack, ["verification_lead"], department=department())
    sheet = tmp_path / f"template{suffix}"
    code, out = lead("verify", "roster", "template", which, str(sheet))
    assert code == 0, out
    code, out = lead("verify", "roster", IMPORTS[which], str(sheet), "--json")
    assert code == 0, out
    summary = json.loads(out)
    assert (summary["rows_read"], summary["created"], summary["examples_skipped"]) == (1, 0, 1)
    assert summary["problems"] == []


@pytest.mark.parametrize("which", ["subjects", "inspectors"])
def test_the_example_without_its_mark_is_a_valid_row(stack: Stack, tmp_path: Path, which: str) -> None:
    lead = Cli(stack, ["verification_lead"], department=department())
    sheet = tmp_path / "template.csv"
    assert lead("verify", "roster", "template", which, str(sheet))[0] == 0
    with sheet.open(encoding="utf-8-sig", newline="") as handle:
        header, example = list(csv.reader(handle))
    example[0] = example[0].removeprefix(EXAMPLE_MARK)
    if which == "inspectors":  # a certificate number of this test's own: numbers are unique
        example[0] = f"ZF{uuid.uuid4().hex[:12].upper()}"
    with sheet.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows([header, example])
    code, out = lead("verify", "roster", IMPORTS[which], str(sheet), "--json")
    assert code == 0, out
    summary = json.loads(out)
    assert (summary["rows_read"], summary["problems"], "examples_skipped" in summary) == (1, [], False)
    assert summary["created"] + summary["updated"] == 1
