"""The demo's voice: numbered steps, short explanations, and the facts it found."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.table import Table


class Narrator:
    def __init__(self, console: Console) -> None:
        self.console = console
        self.number = 0
        self.started = time.monotonic()
        self.stages: list[tuple[str, str]] = []  # (stage, what the services say now)

    @contextmanager
    def step(self, title: str, why: str) -> Iterator[None]:
        self.number += 1
        self.console.rule(f"[bold]{self.number}. {title}", align="left")
        self.console.print(f"[dim]{why}[/dim]")
        began = time.monotonic()
        yield
        self.console.print(f"[dim]   ({time.monotonic() - began:.1f} s)[/dim]")

    def say(self, text: str) -> None:
        self.console.print(f"   {text}", highlight=False)

    def record(self, stage: str, fact: str) -> None:
        self.stages.append((stage, fact))

    def summary(self, title: str) -> None:
        table = Table(title=title, show_lines=False)
        table.add_column("stage")
        table.add_column("what the services report now")
        for stage, fact in self.stages:
            table.add_row(stage, fact)
        self.console.print(table)
        self.console.print(f"[dim]finished in {time.monotonic() - self.started:.0f} s[/dim]")
