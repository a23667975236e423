"""How the chat page is served: who may reach it, where Gradio keeps its files, how many questions
it answers at once.

Nothing here imports Gradio, so the chat command can refuse an open door, and point Gradio's
folders into the home, before Gradio loads (some of its modules read ``GRADIO_TEMP_DIR`` once, when
they are imported).
"""

from __future__ import annotations

import ipaddress
import os
import time
from pathlib import Path

from assistant.settings import Settings

OPEN_PAGE_BANNER = "This page is open to anyone on the network: no login is set."
ANSWERS_PER_CORE = 2  # measured with eval/benchmarks/load.py: 4 at once on 2 cores
MAX_ANSWERS_AT_ONCE = 8
WAITING_PER_SLOT = 16  # at about a second an answer, the last in a full queue waits some 16 s
# Files uploaded but never handed to the upload handler (a client that calls /upload alone, a page
# closed mid-upload, a server killed mid-ingest) are deleted once this old.
UPLOAD_MAX_AGE_S = 3600
UPLOAD_SWEEP_EVERY_S = 600


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach; a host name other than localhost may
    resolve to anything, so it counts as the network."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def page_access(settings: Settings) -> tuple[list[tuple[str, str]] | None, bool]:
    """The logins the page asks for, and whether it must show the open-door banner.

    A ValueError naming the fix when the page would listen on a network address with no login and
    without ``insecure_no_login``; also for a malformed login (``auth_users``).
    """
    users = auth_users(settings)
    if users or is_loopback(settings.host):
        return users, False
    if settings.insecure_no_login:
        return None, True
    raise ValueError(
        f"the chat would listen on {settings.host} with no login: set NEWSDESK_AUTH=user:password or "
        "NEWSDESK_AUTH_FILE=PATH (user:password lines), or pass --insecure-no-login to serve it open"
    )


def usable_cores() -> int:
    """The cores this process may run on (a container's or taskset's share, not the machine's)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def answers_at_once(settings: Settings) -> int:
    return settings.chat_concurrency or min(MAX_ANSWERS_AT_ONCE, ANSWERS_PER_CORE * usable_cores())


def queue_size(settings: Settings) -> int:
    return settings.chat_queue_size or WAITING_PER_SLOT * answers_at_once(settings)


def gradio_folder(home: Path) -> Path:
    return home / "tmp" / "gradio"


def keep_gradio_in(home: Path) -> Path:
    """Point Gradio's upload and temporary folder, and its examples cache, into the home (never
    ``/tmp/gradio`` or ``./.gradio``), and return the folder.

    Gradio reads these variables when its modules load and when a page is built and served, so this
    runs before all three; one process serves pages over one home.
    """
    folder = gradio_folder(home)
    os.environ["GRADIO_TEMP_DIR"] = str(folder)
    os.environ["GRADIO_EXAMPLES_CACHE"] = str(folder / "examples")
    return folder


def discard_upload(path: Path, folder: Path) -> None:
    """Delete an uploaded file, and the folder Gradio made for it when that is now empty; nothing
    outside ``folder`` is touched."""
    path, folder = Path(path).resolve(), folder.resolve()
    if not path.is_relative_to(folder) or path == folder:
        return
    path.unlink(missing_ok=True)
    if path.parent != folder:
        try:
            path.parent.rmdir()
        except OSError:  # not empty: the same content was uploaded again meanwhile
            pass


def sweep_uploads(folder: Path, max_age_s: float = UPLOAD_MAX_AGE_S, now: float | None = None) -> int:
    """Delete files under ``folder`` older than ``max_age_s`` (left by a killed server, or uploaded
    and never ingested) and the folders that leaves empty; returns how many files went."""
    now = time.time() if now is None else now
    removed, emptied = 0, set()
    if not folder.is_dir():
        return 0
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):  # deepest first
        try:
            if not path.is_dir() or path.is_symlink():
                if now - path.lstat().st_mtime > max_age_s:
                    path.unlink()
                    removed += 1
                    emptied.add(path.parent)
            # a young empty folder may be one Gradio has just made for a file it is moving in
            elif not any(path.iterdir()) and (path in emptied or now - path.stat().st_mtime > max_age_s):
                path.rmdir()
                emptied.add(path.parent)
        except OSError:  # gone meanwhile
            continue
    return removed


def auth_users(settings: Settings) -> list[tuple[str, str]] | None:
    """Logins from ``auth`` (``user:password``) and ``auth_file`` (one ``user:password`` a line)."""
    users: list[tuple[str, str]] = []
    if settings.auth is not None:
        users.append(split_login(settings.auth.get_secret_value(), "NEWSDESK_AUTH"))
    if settings.auth_file is not None:
        try:
            lines = settings.auth_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ValueError(f"{settings.auth_file}: cannot read the users file: {exc.strerror or exc}") from None
        for number, line in enumerate(lines, start=1):
            if line.strip() and not line.lstrip().startswith("#"):
                users.append(split_login(line.strip(), f"{settings.auth_file}:{number}"))
        if not users:
            raise ValueError(f"{settings.auth_file}: no user:password lines")
    return users or None


def split_login(value: str, where: str) -> tuple[str, str]:
    user, sep, password = value.partition(":")
    if not sep or not user.strip() or not password:
        raise ValueError(f"{where}: expected user:password")  # never echo the value: it is a secret
    return user.strip(), password
