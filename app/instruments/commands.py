"""`flask --app app instruments validate | sync`: the instrument files."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.commands import domain_errors_exit
from app.db import Session
from app.instruments.services import instrument_files, sync_instruments
from app.instruments.validation import validate_instrument_text

instruments_cli = AppGroup("instruments", help="Survey instruments (JSON documents).")


@instruments_cli.command("validate")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def validate_instrument_command(path: Path) -> None:
    """Check the instrument file PATH; print every error with its JSON Pointer."""
    result = validate_instrument_text(path.read_bytes())
    if not result.ok:
        for error in result.errors:
            click.echo(f"{path.name}: {error}", err=True)
        raise click.exceptions.Exit(1)
    assert result.document is not None
    doc = result.document
    click.echo(
        f"{path.name}: valid ({doc.key}, {len(doc.dimensions)} dimensions, "
        f"{len(doc.items)} items, {len(doc.prompts)} prompts, languages {', '.join(doc.languages)})"
    )


@instruments_cli.command("sync")
@click.option(
    "--dir",
    "directory",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of instrument files (default: the configured INSTRUMENTS_DIR).",
)
@domain_errors_exit
def sync_instruments_command(directory: Path | None) -> None:
    """Load instruments/*.json: changed content becomes the next version."""
    folder = directory or Path(current_app.config["INSTRUMENTS_DIR"])
    files = instrument_files(folder)
    if not files:
        raise click.ClickException(f"No instrument files (*.json) in {folder}.")
    outcomes = sync_instruments(files)
    Session.commit()
    for outcome in outcomes:
        v = outcome.version
        state = "new version" if outcome.created else "unchanged, version"
        click.echo(f"{v.instrument.key}: {state} {v.version} (sha256 {v.sha256[:12]})")
