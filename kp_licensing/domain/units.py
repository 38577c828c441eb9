"""Quantities as people write them in messages."""

from __future__ import annotations


def size(n: int) -> str:
    """Bytes as people write them: 65536 -> "64 KiB", 2**30 -> "1024 MiB"."""
    for unit, scale in (("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:.4g} {unit}"
    return f"{n} bytes"
