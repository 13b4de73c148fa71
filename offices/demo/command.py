"""The ``flask seed-demo`` command."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from offices.demo.network import DEFAULT_OFFICES


@click.command("seed-demo")
@click.option("--offices", "n_offices", default=DEFAULT_OFFICES, show_default=True, type=click.IntRange(31, 20000),
              help="Offices to place (3000 for the benchmarks).")
@click.option("--days", default=60, show_default=True, type=click.IntRange(0, 400),
              help="Days of queue history, ending yesterday (Tehran time).")
@click.option("--seed", default=1405, show_default=True, type=int, help="Random seed: the same seed, the same data.")
@click.option("--force", is_flag=True, help="Wipe the existing data first instead of refusing.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@with_appcontext
def seed_demo_command(n_offices: int, days: int, seed: int, force: bool, quiet: bool) -> None:
    """Fill the database with demo provinces, offices, staff and queue history."""
    from offices.demo.seed import DatabaseNotEmpty, seed_demo

    try:
        summary = seed_demo(offices=n_offices, days=days, seed=seed, force=force, progress=not quiet)
    except DatabaseNotEmpty as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(summary.report())
