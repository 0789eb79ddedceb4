"""`search-reindex`: build the staff search index from the records (after the migration that
adds it, or a restore)."""
from __future__ import annotations

import click
from flask import Flask

from ..extensions import db
from .index import reindex_all


def register(app: Flask) -> None:
    app.cli.add_command(reindex_command)


@click.command("search-reindex")
def reindex_command():
    """Rebuild the staff search index from every enquiry, call and caller."""
    written = reindex_all(db.session, progress=lambda n: click.echo(f"{n} documents…") if n % 100_000 < 2000 else None)
    db.session.commit()
    click.echo(f"{written} documents indexed")
