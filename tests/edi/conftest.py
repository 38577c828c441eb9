"""A development PKI made once per test process, with the service's own code."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from edi.pki import DSEDT, DevelopmentPki, load_signer
from edi.signer import KeySigner


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DevelopmentPki:
    made = DevelopmentPki(tmp_path_factory.mktemp("pki"))
    assert made.init()
    return made


@pytest.fixture(scope="session")
def dsedt(pki: DevelopmentPki) -> KeySigner:
    return load_signer(pki.key(DSEDT), pki.chain(DSEDT))


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
