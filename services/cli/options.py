"""Options that many commands take, declared once so that they read and behave alike everywhere."""

from __future__ import annotations

from typing import Annotated

import typer

Json = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
Limit = Annotated[int, typer.Option(min=0, help="At most this many (0: all).")]
