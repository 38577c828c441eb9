"""The reference verifier, ``xmlsec1``, as the signature tests run it, and customs' key (the
development PKI they sign with is ``tests/conftest.py``'s)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from edi.pki import CUSTOMS, DevelopmentPki, load_signer
from edi.signer import KeySigner

XMLSEC1 = shutil.which("xmlsec1")


def xmlsec1_verify(document: Path, *, trusted: Path, root: str) -> subprocess.CompletedProcess[str]:
    """The reference implementation's verdict (``root``: ``<namespace>:<RootElement>``, whose
    ``Id`` attribute is an ID). Its exit code is the verdict."""
    if XMLSEC1 is None:
        pytest.skip("xmlsec1 is not installed (apt-get install xmlsec1; .ci/run does)")
    return subprocess.run(
        [XMLSEC1, "--verify", "--trusted-pem", str(trusted), "--id-attr:Id", root, str(document)],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="session")
def customs(pki: DevelopmentPki) -> KeySigner:
    """Customs' signing key, from the development PKI."""
    return load_signer(pki.key(CUSTOMS), pki.chain(CUSTOMS))
