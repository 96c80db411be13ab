"""``rumormill scenarios``, ``show`` and ``schema``: what scenarios there are,
what one holds, and the JSON Schema of the file format (for editors)."""

from __future__ import annotations

import typer

from .common import console


def register(app: typer.Typer) -> None:
    app.command()(scenarios)
    app.command()(show)
    app.command()(schema)


def scenarios():
    """List the built-in scenarios."""
    from ..scenario import builtins_text

    console.print(builtins_text(), highlight=False)


def show(
    name: str = typer.Argument(..., help="A built-in scenario name or a TOML file."),
    scale: float = typer.Option(None, help="Show sizes at this scale (default: the scenario's)."),
):
    """Print a scenario: calendar, population, layers, stories, measures, triggers, assumptions."""
    from ..scenario import describe, load

    console.print(describe(load(name), scale), highlight=False, markup=False)


def schema():
    """Print the JSON Schema of scenario files."""
    from ..scenario import schema_text

    print(schema_text())
