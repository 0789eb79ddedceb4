"""Commands of the statistics capability: `import-calls`, `generate-calls`."""
from __future__ import annotations

import time

import click
from flask import Flask

from ..extensions import db


def register(app: Flask) -> None:
    app.cli.add_command(import_calls_command)
    app.cli.add_command(generate_calls_command)
    app.cli.add_command(stats_rollup_command)


@click.command("import-calls")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--skip-bad", is_flag=True, help="Import the good rows and report the bad ones.")
@click.option("--encoding", default=None, help="Force the file's encoding (default: BOM, UTF-8 or cp1251).")
def import_calls_command(path, skip_bad, encoding):
    """Load historical calls from a CSV file (columns in the README); all or nothing by default."""
    from .importer import ImportFailed, import_calls

    started = time.monotonic()

    def progress(rows: int) -> None:
        click.echo(f"  {rows:,} rows read ({time.monotonic() - started:.0f} s)", err=True)

    try:
        report = import_calls(path, skip_bad=skip_bad, encoding=encoding, progress=progress)
    except ImportFailed as exc:
        db.session.rollback()
        if exc.report:
            for line, message in exc.report.errors:
                click.echo(f"line {line}: {message}", err=True)
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    for line, message in report.errors:
        click.echo(f"line {line}: skipped: {message}", err=True)
    click.echo(f"imported {report.imported} calls and {report.enquiries} enquiries from {report.rows} rows "
               f"({report.encoding}); {report.bad} bad rows skipped; {time.monotonic() - started:.1f} s")


@click.command("generate-calls")
@click.argument("count", type=click.IntRange(min=1))
@click.option("--days", default=730, show_default=True, type=click.IntRange(min=1),
              help="Spread the calls over this many days, ending today.")
@click.option("--seed", default=1, show_default=True, help="Random seed (the same seed, the same data).")
def generate_calls_command(count, days, seed):
    """Make realistic synthetic history (calls, enquiries, FAQ uses) for demos and benchmarks."""
    from .generate import generate_calls

    started = time.monotonic()

    def progress(made: int) -> None:
        click.echo(f"  {made:,} calls ({time.monotonic() - started:.0f} s)", err=True)

    made = generate_calls(count, days, seed=seed, progress=progress)
    db.session.commit()
    click.echo(f"generated {made['calls']} calls, {made['enquiries']} enquiries, {made['faq_uses']} FAQ uses "
               f"over {days} days in {time.monotonic() - started:.1f} s")


@click.command("stats-rollup")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="First Perm-local day to rebuild (YYYY-MM-DD).")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Day after the last one to rebuild (exclusive; today at most).")
def stats_rollup_command(start, end):
    """Rebuild the statistics rollup: the given days, or every closed day not built or changed."""
    from .rollup import rebuild_pending, rebuild_range

    started = time.monotonic()
    if start is None and end is None:
        days = rebuild_pending(commit=True)
        click.echo(f"rolled up {days} days in {time.monotonic() - started:.1f} s")
        return
    if start is None or end is None:
        raise click.UsageError("Give both --from and --to, or neither.")

    def progress(lo, hi) -> None:
        click.echo(f"  {lo.isoformat()} – {hi.isoformat()} ({time.monotonic() - started:.0f} s)", err=True)

    rows = rebuild_range(start.date(), end.date(), commit=True, progress=progress)
    click.echo(f"rolled up {start.date().isoformat()} – {end.date().isoformat()}: {rows} rows "
               f"in {time.monotonic() - started:.1f} s")
