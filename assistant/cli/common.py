"""What every ``newsdesk`` command shares: the consoles (which show controls in what they print
escaped: ``terminal_safe``), the common flags, settings and the Newsdesk from flags, errors as one
readable line (and a JSON object under --json), and the confirmation a bulk removal needs."""

from __future__ import annotations

import json
import re
import sys
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from ingest.offline import confine

# What a terminal acts on instead of showing: C0 controls but newline and tab (ESC starts colour,
# cursor and title sequences, CR and BS overwrite, BEL rings), DEL, the C1 controls (0x9b is a one-byte
# CSI), the bidi marks, embeddings, overrides and isolates that reorder a line, and the Unicode line
# and paragraph separators.
_TERMINAL_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """The text with each character a terminal would act on written as its escape (``\\x1b``, ``\\u202e``),
    so that a file name, headline or article carrying "ESC[2J" shows those characters instead of
    clearing the screen."""
    return _TERMINAL_UNSAFE.sub(lambda match: _escaped(match.group()), text)


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class SafeConsole(Console):
    """A console that shows every string it prints through ``terminal_safe``: table cells, titles and
    lines alike, whichever command prints them. (Rich markup in article text must still be escaped
    by the caller, ``rich.markup.escape``. ``print_json`` prints JSON as it is: its strings escape C0
    controls, not C1 or bidi characters.)"""

    def render_str(self, text: str, **kwargs):
        return super().render_str(terminal_safe(text), **kwargs)


out = SafeConsole(highlight=False, soft_wrap=True, emoji=False)
err = SafeConsole(stderr=True, highlight=False, soft_wrap=True, emoji=False)

HomeOption = Annotated[Optional[Path], typer.Option("--home", metavar="FOLDER", help="Data folder (Chroma + manifest). Env: NEWSDESK_HOME.")]
JsonOption = Annotated[bool, typer.Option("--json", metavar="", help="Print one JSON object instead of text.")]
SourceOption = Annotated[Optional[list[str]], typer.Option("--source", metavar="OUTLET", help="Only this outlet, in any case or short form (repeatable).")]
SinceOption = Annotated[Optional[str], typer.Option("--since", metavar="DATE", help="Only articles published on or after YYYY-MM-DD.")]
UntilOption = Annotated[Optional[str], typer.Option("--until", metavar="DATE", help="Only articles published on or before YYYY-MM-DD.")]
AnswererOption = Annotated[Optional[str], typer.Option("--answerer", metavar="NAME", help="auto (default) | extractive | openai | local.")]
TopKOption = Annotated[Optional[int], typer.Option("-k", "--top-k", metavar="N", help="Passages handed to the answerer (default 5: the top_k setting).")]
RetrieverOption = Annotated[Optional[str], typer.Option("--retriever", metavar="NAME", help="news (default) | hybrid | bm25 | dense.")]


# Set by a command given --json: its errors then also go to stdout as {"error": ...}, so a script
# reading the JSON gets an object either way (the line on stderr stays for people).
errors_as_json = False


def json_errors(as_json: bool) -> None:
    global errors_as_json
    errors_as_json = as_json


def fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}")
    if errors_as_json:
        out.print_json(json.dumps({"error": message, "exit_code": code}, ensure_ascii=False))
    raise typer.Exit(code)


def settings_from(**flags):
    from pydantic_settings import SettingsError

    from assistant.settings import load_settings, setting_origin

    try:
        settings = load_settings(**flags)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])  # empty for a check across settings
        message = first["msg"].removeprefix("Value error, ")
        origin = setting_origin(str(first["loc"][0]), flags) if first["loc"] else ""
        named = f"{where} (from {origin})" if origin else where
        fail(f"invalid setting {named}: {message}" if where else f"invalid settings: {message}")
    except SettingsError as exc:  # a list or dict setting from the environment that is not JSON
        field = re.search(r'field "(\w+)"', str(exc))
        name = field.group(1) if field else "?"
        fail(f"invalid setting {name} (NEWSDESK_{name.upper()}): list and table settings take JSON here, "
             'e.g. ["TechCrunch", "The Verge"] or {"X-Api-Key": "value"}')
    except ValueError as exc:  # the config file (check_config_file)
        fail(str(exc))
    confine(settings.home)  # before any library writes a cache: into the home, not the user's ~/.cache
    return settings


def parse_day(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{flag} must be a date like 2023-11-24, got {value!r}")


def build(**flags):
    from assistant.app import Newsdesk

    return Newsdesk(settings_from(**flags))


def waiting(nd, as_json: bool):
    """A spinner on a terminal while a language model answers (a slow endpoint is not a silent hang)."""
    from contextlib import nullcontext

    if as_json or not err.is_terminal or nd.answerer.name == "extractive":
        return nullcontext()
    from ingest.settings import redact_url

    endpoint = redact_url(nd.settings.llm_base_url) or "api.openai.com"
    where = "the local model" if nd.answerer.name == "local" else escape(f"{nd.settings.llm_model} at {endpoint}")
    return err.status(f"waiting for {where}…", spinner="dots")


def existing_archive(nd):
    """The Newsdesk, when its home exists: commands that read an archive must not create an empty one
    where a mistyped --home or NEWSDESK_HOME points."""
    if not nd.settings.home.exists():
        fail(f"no archive at {nd.settings.home}: add articles there with `newsdesk ingest PATH`, "
             "or point --home (NEWSDESK_HOME) at an existing one")
    return nd


@contextmanager
def user_errors():
    """Turn the core's expected failures into one readable line and exit code 2."""
    from assistant.answerers import AnswerError
    from eval.sets import QuestionSetError
    from ingest.manifest import ManifestMismatch
    from ingest.store import StoreError

    try:
        yield
    except (AnswerError, StoreError, ManifestMismatch, QuestionSetError, ValueError) as exc:
        fail(str(exc))


REMOVAL_SAMPLE = 5


def confirm_removal(doc_ids: list[str], archived: int) -> None:
    """Go on only when removing these documents is confirmed: a question on a terminal; without one,
    a refusal naming --yes (a script, or a pipe, cannot be asked). Nothing is removed either way
    until this returns."""
    sample = ", ".join(doc_ids[:REMOVAL_SAMPLE]) + (f" and {len(doc_ids) - REMOVAL_SAMPLE} more" if len(doc_ids) > REMOVAL_SAMPLE else "")
    whole = ", the whole archive" if len(doc_ids) == archived else f" of {archived}"
    what = f"this would remove {len(doc_ids)} documents{whole}: {sample}"
    if not sys.stdin.isatty():
        fail(f"{what}; nothing was removed: pass --yes to remove them without being asked")
    err.print(escape(what[0].upper() + what[1:]))
    if not typer.confirm("Remove them?", default=False, err=True):
        fail("nothing was removed", code=1)
