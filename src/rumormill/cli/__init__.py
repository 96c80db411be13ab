"""The ``rumormill`` command line: a thin layer over the library, one module
per subcommand, each adding itself with ``register(app)``.

User mistakes (a ``RumormillError``) print one clear line and exit with
code 2, never a traceback.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from ..errors import RumormillError
from . import results, run, scenarios, simulate, validate

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Simulate how news spreads, and what censorship does to it.")
for module in (run, scenarios, results, validate, simulate):
    module.register(app)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (0 ok, 1 failed check, 2 user error)."""
    try:
        code = app(args=argv, standalone_mode=False)
    except RumormillError as err:
        Console(stderr=True).print(f"[red]error:[/] {err}")
        return 2
    except typer.Exit as ex:
        return ex.exit_code
    except typer.Abort:
        return 130
    except Exception as err:  # click usage errors
        import click

        if isinstance(err, click.ClickException):
            err.show()
            return 2
        raise
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
