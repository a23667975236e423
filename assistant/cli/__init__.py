"""The ``newsdesk`` command: a thin face over ``assistant.app.Newsdesk``.

The commands live by group (``archive``: ingest, sync, remove, list, status; ``answering``: ask, chat,
demo; ``evaluation``: eval; ``verification``: verify, check) over the helpers they share (``common``); here they are registered, in
the order ``newsdesk --help`` lists them, and ``main`` runs them.
"""

from __future__ import annotations

import logging
import sys

import typer
from typer.exceptions import TyperException

from assistant.cli import answering, archive, evaluation, verification
from assistant.cli.common import err, fail, json_errors, user_errors

app = typer.Typer(
    help="Newsdesk: ask questions about your news archive and get answers cited to the exact passage.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# in the order `newsdesk --help` lists them
app.command()(archive.ingest)
app.command()(archive.sync)
app.command()(answering.ask)
app.command()(answering.chat)
app.command()(answering.demo)
app.command()(archive.remove)
app.command(name="list")(archive.list_documents)
app.command()(archive.status)
app.command(name="eval")(evaluation.eval_command)
app.command()(verification.verify)
app.command()(verification.check)


def main() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("newsdesk: %(message)s"))
    logging.getLogger("newsdesk").addHandler(handler)
    try:
        with user_errors():  # errors raised outside a command's own handling still get one line
            code = app(prog_name="newsdesk", standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("interrupted")
        sys.exit(130)
    except TyperException as exc:  # a bad flag value or a missing argument: one line, not a usage box
        json_errors("--json" in sys.argv[1:])
        ctx = getattr(exc, "ctx", None)
        where = f"{ctx.command_path}: " if ctx is not None else ""
        hint = f" (see {ctx.command_path} --help)" if ctx is not None else ""
        try:
            fail(f"{where}{exc.format_message()}{hint}", getattr(exc, "exit_code", 2))
        except typer.Exit as failed:
            sys.exit(failed.exit_code)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
