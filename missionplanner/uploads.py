"""Uploads kept on the server between an import's preview and its Import button.

The preview's form carries the kept file's name (signed, with the mission's salt), not the table
read from it: a valid 5,000-row programme with long descriptions makes a table of megabytes, more
than a request may carry (DATA_UPLOAD_MAX_MEMORY_SIZE), so Import would be refused. Confirming
reads the kept file again, as the preview did. Files are kept in IMPORT_UPLOAD_DIR under a random
name and removed once imported or, by the next upload, once older than KEEP_FOR.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import time
from pathlib import Path

from django.conf import settings

KEEP_FOR = 2 * 60 * 60  # seconds; longer than a preview's signature lasts
_NAME = re.compile(r"[0-9a-f]{32}")


def _directory() -> Path:
    directory = Path(settings.IMPORT_UPLOAD_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def keep(content: bytes) -> str:
    """Keep an upload; the name to find it by."""
    directory = _directory()
    _forget_old(directory)
    name = secrets.token_hex(16)
    handle, partial = tempfile.mkstemp(dir=directory, prefix=".partial-")
    with os.fdopen(handle, "wb") as out:
        out.write(content)
    os.replace(partial, directory / name)  # never half a file under its name
    return name


def kept(name: str) -> bytes | None:
    """The upload kept under `name`, or None when it is gone (imported, or too old)."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        return None
    try:
        return (_directory() / name).read_bytes()
    except FileNotFoundError:
        return None


def forget(name: str) -> None:
    if isinstance(name, str) and _NAME.fullmatch(name):
        (_directory() / name).unlink(missing_ok=True)


def _forget_old(directory: Path) -> None:
    too_old = time.time() - KEEP_FOR
    for path in directory.iterdir():
        try:
            if path.stat().st_mtime < too_old:
                path.unlink(missing_ok=True)
        except FileNotFoundError:  # another process removed it first
            continue
