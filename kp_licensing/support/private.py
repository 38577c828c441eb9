"""Folders and files of the service's own data, readable by the service's user only: the
database file holds every case and account, the documents folder every upload, and another
local user of the machine has no business reading either."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import BinaryIO

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path: Path) -> Path:
    """``path`` and its missing parents, created owner-only (an existing folder is left as its
    owner set it)."""
    path.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    return path


def private_log(path: Path) -> BinaryIO:
    """``path`` opened for appending, created owner-only if new."""
    private_folder(path.parent)
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE), "ab")


def make_private(database: Path) -> None:
    """A database file another program created (the Temporal server will not open one made
    empty beforehand), and its journals, made owner-only once they exist; later journals take
    the database file's permissions."""
    for path in (database, *database.parent.glob(database.name + "-*")):
        with contextlib.suppress(FileNotFoundError):
            path.chmod(FILE_MODE)


def private_file(path: Path) -> Path:
    """``path`` created empty and owner-only if it does not exist yet (SQLite then creates its
    journal files with the same permissions)."""
    private_folder(path.parent)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE))
    return path
