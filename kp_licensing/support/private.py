"""Folders and files of the service's own data, readable by the service's user only: the
database file holds every case and account, the documents folder every upload, and another
local user of the machine has no business reading either."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path: Path) -> Path:
    """``path`` and its missing parents, created owner-only (an existing folder is left as its
    owner set it)."""
    path.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    return path


def private_file(path: Path) -> Path:
    """``path`` created empty and owner-only if it does not exist yet (SQLite then creates its
    journal files with the same permissions)."""
    private_folder(path.parent)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE))
    return path
