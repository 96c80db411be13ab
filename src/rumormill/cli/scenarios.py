"""``rumormill scenarios``, ``show`` and ``schema``: what scenarios there are,
what one holds (and with ``--plan``, the day a run of it follows), and the
JSON Schema of the file format (for editors)."""

from __future__ import annotations

import typer

from .common import ORDER_HELP, Order, choice, console


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
    scale: float = typer.Option(None, help="Show sizes (with --plan: triggers' thresholds) at this scale "
                                           "(default: the scenario's)."),
    plan: bool = typer.Option(False, "--plan", help="Print the day a run follows, stage by stage, with the "
                                                    "measures acting in each."),
    order: Order = typer.Option(None, help=ORDER_HELP + " With --plan."),
):
    """Print a scenario: calendar, population, layers, stories, measures, triggers, assumptions."""
    from ..scenario import describe, load
    from ..scenario.show import plan_text

    sc = load(name)
    text = plan_text(sc, scale, choice(order)) if plan else describe(sc, scale)
    console.print(text, highlight=False, markup=False)


def schema():
    """Print the JSON Schema of scenario files."""
    from ..scenario import schema_text

    print(schema_text())
