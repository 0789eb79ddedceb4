"""Commands that load history: `import-calls` (a file of past calls), `generate-calls` (synthetic)."""
from __future__ import annotations

import time

import click
from flask import Flask

from ..extensions import db
from .calls import ImportFailed, import_calls
from .synthetic import generate_calls


def register(app: Flask) -> None:
    app.cli.add_command(import_calls_command)
    app.cli.add_command(generate_calls_command)


@click.command("import-calls")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--skip-bad", is_flag=True, help="Import the good rows and report the bad ones.")
@click.option("--encoding", default=None, help="Force the file's encoding (default: BOM, UTF-8 or cp1251).")
def import_calls_command(path, skip_bad, encoding):
    """Load historical calls from a CSV file (columns in the README); all or nothing by default."""
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
    started = time.monotonic()

    def progress(made: int) -> None:
        click.echo(f"  {made:,} calls ({time.monotonic() - started:.0f} s)", err=True)

    made = generate_calls(count, days, seed=seed, progress=progress)
    db.session.commit()
    click.echo(f"generated {made['calls']} calls, {made['enquiries']} enquiries, {made['faq_uses']} FAQ uses "
               f"over {days} days in {time.monotonic() - started:.1f} s")
