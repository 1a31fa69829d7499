"""`python -m bench` (what `make bench` runs): start the embedded stack, run every benchmark,
print the table and write the figures as JSON under bench/results/."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import shutil
import tempfile
import time
from pathlib import Path

from bench.report import machine
from bench.run import run
from bench.scale import FULL, SMOKE

RESULTS = Path(__file__).parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, a fraction of a second each")
    parser.add_argument("--results", type=Path, default=RESULTS, help="folder for the JSON figures")
    parser.add_argument("--keep", action="store_true", help="keep the stack's data folder (logs)")
    args = parser.parse_args()
    scale = SMOKE if args.smoke else FULL
    host = machine()
    print(f"machine: {host['cores']} cores, {host['memory_gib']} GiB, {host['cpu']}; grpcio {host['grpcio']}")
    data_dir = Path(tempfile.mkdtemp(prefix="chengnuo-bench-"))
    started = time.perf_counter()
    try:
        report = asyncio.run(run(scale, data_dir))
    finally:
        if args.keep:
            print(f"stack data and logs kept in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    print(f"\n{report.table()}")
    for note in report.notes:
        print(f"note: {note}")
    written = report.write(args.results, dataclasses.asdict(scale))
    print(f"\nfigures written to {written} ({time.perf_counter() - started:.0f} s in all)")


if __name__ == "__main__":
    main()
