"""`chengnuo demo`: the scenario, step by step, on a development stack."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from rich.console import Console

from services.cli.demo import (
    catalogue_steps,
    closing,
    commitment_steps,
    credit_steps,
    inspection_steps,
    roster_steps,
    verification_steps,
)
from services.cli.demo.desks import Office
from services.cli.demo.narrate import Narrator
from services.cli.demo.stack_use import NoRunningStack, stack_for_demo
from services.cli.demo.world import World

FIRST_ROUND = 300
NEWCOMERS = 12


async def _towards_new_year(world: World) -> None:
    """Move the clock to mid-December so verification deadlines run across New Year's Day."""
    today = await world.today()
    target = dt.date(today.year, 12, 15)
    if today < target:
        await world.let_time_pass((target - today).days)
        world.say.say(f"[dim]the demo lets time pass from {today} to {target}[/dim]")


async def scenario(world: World) -> bool:
    await catalogue_steps.catalogues(world)
    await roster_steps.rosters(world)
    await _towards_new_year(world)
    await commitment_steps.first_round(world, FIRST_ROUND)
    await verification_steps.deadlines(world)
    await verification_steps.outcomes(world)
    await credit_steps.records(world)
    newcomers = world.roster[1000 : 1000 + NEWCOMERS]
    await commitment_steps.second_round(world, world.false_subjects, newcomers)
    await inspection_steps.random_inspection(world)
    await inspection_steps.joint_inspection(world)
    await credit_steps.blacklist(world)
    await credit_steps.repair(world)
    intact = await closing.audit(world)
    await closing.totals(world)
    return intact


RUNNING_WARNING = (
    "[bold yellow]warning:[/bold yellow] the demo runs on the stack `chengnuo up` is running from "
    "{data_dir}: it moves that stack's clock forward by months and adds the demo's catalogues, "
    "enterprises, commitments and credit records to its data, for good."
)


async def _main(data_dir: Path, use_running: bool, console: Console) -> bool:
    if use_running:
        console.print(RUNNING_WARNING.format(data_dir=data_dir), highlight=False)
    async with stack_for_demo(data_dir, use_running) as stack:
        console.print(
            "[bold]chengnuo demo[/bold] on "
            + ("a stack of its own (stopped at the end)" if stack.started_here else "the running stack")
        )
        office = Office(stack.endpoints, stack.key, stack.tls)
        narrator = Narrator(console)
        try:
            intact = await scenario(World(office, narrator))
        finally:
            await office.close()
        narrator.summary("what happened, as the services report it")
        return intact


def run(data_dir: Path, use_running: bool = False) -> int:
    console = Console()
    try:
        return 0 if asyncio.run(_main(data_dir, use_running, console)) else 1
    except NoRunningStack as error:
        Console(stderr=True).print(f"error: {error}", highlight=False)
        return 2
