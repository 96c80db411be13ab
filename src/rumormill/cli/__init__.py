"""The ``rumormill`` command line: a thin layer over the library, one module
per subcommand, each adding itself with ``register(app)``.

``main`` turns every way a command can end into one line and an exit code:

- a user mistake (a ``RumormillError``, or a usage error from the parser):
  ``error: ...`` naming the argument and the fix, exit 2;
- a bug (any other exception): a short note saying so and where the full
  traceback was written, exit 1; ``--debug`` or ``RUMORMILL_DEBUG=1`` prints
  the traceback instead;
- Ctrl-C or SIGTERM: ``interrupted: ...`` and what was stored, exit 130.

A warning is one line too: ``warning: ...`` and what to do about it.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from contextlib import contextmanager

import typer

from ..errors import RumormillError, printable
from . import calibrate, common, results, run, scenarios, simulate, validate

#: plain help (rich_markup_mode=None): rich's would label every flag ``<bool>`` (typer 0.29) and read the
#: "[parameters]" of a help text as markup, dropping it
app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  rich_markup_mode=None, help="Simulate how news spreads, and what censorship does to it.")
for module in (run, scenarios, results, validate, simulate, calibrate):
    module.register(app)


@app.callback()
def _options(
    debug: bool = typer.Option(False, "--debug", help="Print the full traceback of an unexpected error "
                               "(also RUMORMILL_DEBUG=1). Accepted anywhere on the line."),
):
    """Simulate how news spreads, and what censorship does to it."""


def _click_classes():
    """typer's click exception classes: from ``typer._click`` (typer >= 0.29
    vendors it) or from the ``click`` package (older typer). Read off typer's
    own ``BadParameter``, so the check works with either, and never imports
    a ``click`` that may not be installed."""
    mro = typer.BadParameter.__mro__
    return next(c for c in mro if c.__name__ == "ClickException"), next(c for c in mro if c.__name__ == "UsageError")


ClickException, UsageError = _click_classes()
#: exit codes: success, a failed check or a bug, a user mistake, interrupted
OK, FAILED, USER_ERROR, INTERRUPTED = 0, 1, 2, 130


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (0 ok, 1 failed check or bug, 2 user error, 130 interrupted)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    cut = argv.index("--") if "--" in argv else len(argv)
    debug = "--debug" in argv[:cut] or os.environ.get("RUMORMILL_DEBUG", "") not in ("", "0")
    argv = [a for a in argv[:cut] if a != "--debug"] + argv[cut:]
    common.stored("nothing was stored")
    try:
        with _sigterm_as_interrupt(), common.warnings_as_lines():
            code = app(args=argv, prog_name="rumormill", standalone_mode=False)
    except KeyboardInterrupt:
        code = INTERRUPTED
    except RumormillError as err:
        return _error(err)
    except typer.Exit as ex:
        code = ex.exit_code
    except typer.Abort:
        code = INTERRUPTED
    except ClickException as err:
        return _usage(err)
    except Exception as err:  # noqa: BLE001 - the one place every bug ends up
        if isinstance(err, OSError) and err.errno in common.DISK_FULL:
            return _say(common.disk_full(err.filename or ".", err), USER_ERROR)
        return _bug(err, debug)
    if code == INTERRUPTED:  # typer turns Ctrl-C inside a command into exit code 130
        return _say(f"interrupted: {common.stored_note()}.", INTERRUPTED, prefix="")
    return code if isinstance(code, int) else OK


def _say(text: str, code: int, prefix: str = "error: ") -> int:
    print(printable(prefix + text), file=sys.stderr, flush=True)
    return code


def _error(err: RumormillError) -> int:
    cause = err.__cause__
    if isinstance(cause, OSError) and cause.errno in common.DISK_FULL:
        return _say(common.disk_full(cause.filename or ".", cause), USER_ERROR)
    return _say(str(err), USER_ERROR)


def _usage(err) -> int:
    """A parser error as one line: what is wrong, then where the options are listed."""
    ctx = getattr(err, "ctx", None)
    if type(err).__name__ == "NoArgsIsHelpError":  # plain ``rumormill``: the help text
        print(err.format_message(), file=sys.stderr)
        return USER_ERROR
    text = " ".join(err.format_message().split()).replace("Value error, ", "")
    group = getattr(ctx, "command", None)
    if text.startswith("No such command") and hasattr(group, "commands"):
        text += f" The commands are: {', '.join(sorted(group.commands))}."
    where = f" (see: {ctx.command_path} --help)" if ctx is not None else ""
    return _say(text + where, getattr(err, "exit_code", USER_ERROR) if isinstance(err, UsageError) else USER_ERROR)


def _bug(err: Exception, debug: bool) -> int:
    """Say it is a bug, and where its traceback is; print the traceback with --debug."""
    import traceback

    text = "".join(traceback.format_exception(err))
    stored = common.stored_note()
    if debug:
        print(text, file=sys.stderr, end="")
        return _say(f"bug: the unexpected {type(err).__name__} above stopped rumormill; {stored}.", FAILED, "")
    log = _write_log(text)
    where = (f"the full traceback is in {log}" if log else "the traceback could not be saved")
    return _say(f"bug: rumormill stopped on an unexpected {type(err).__name__}: {str(err)[:200]}. This is a bug "
                f"in rumormill, not in what you typed; {where} (please report it with that file; run again with "
                f"--debug to print it here). {stored[:1].upper() + stored[1:]}.", FAILED, "")


def _write_log(text: str) -> str | None:
    import tempfile
    import time

    try:
        fd, path = tempfile.mkstemp(prefix=time.strftime("rumormill-bug-%Y%m%d-%H%M%S-"), suffix=".log")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(f"rumormill {' '.join(sys.argv)}\n\n{text}")
        return path
    except OSError:
        return None


@contextmanager
def _sigterm_as_interrupt():
    """SIGTERM ends a command the way Ctrl-C does (a run in progress is marked
    failed: interrupted); the previous handler is put back afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)

    before = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


if __name__ == "__main__":
    sys.exit(main())
