"""The command line as a newcomer meets it: help quotes the ports this machine would use, and
a port that is taken is one line naming it and the setting to change, before anything starts."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from edi import xmldsig
from edi.pki import load_signer
from kp_licensing.run.devserver import free_port
from kp_licensing.support.settings import Settings, service_url
from tests.edi.test_xmldsig import document

pytestmark = pytest.mark.processes

CLI = str(Path(sys.executable).parent / "kp-licensing")


def run(
    args: list[str], env: dict[str, str], cwd: Path | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The installed command, with no KP_* variable but those given (as a newcomer has)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KP_")}
    return subprocess.run(
        [CLI, *args],
        env={**clean, "COLUMNS": "300", "NO_COLOR": "1", **env},
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def taken() -> Iterator[int]:
    """A port something is listening on."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def test_help_quotes_the_configured_ports() -> None:
    env = {
        "KP_API_PORT": "9137",
        "KP_TEMPORAL_UI_PORT": "9138",
        "KP_TEMPORAL_ADDRESS": "127.0.0.1:9139",
    }
    dev = run(["dev", "--help"], env).stdout
    assert "127.0.0.1:9137" in dev and "9138" in dev and "127.0.0.1:9139" in dev
    assert "8000" not in dev and "8233" not in dev and "7233" not in dev
    assert "KP_API_PORT: 9137" in run(["api", "--help"], env).stdout
    assert "http://127.0.0.1:9137" in run(["demo", "--help"], env).stdout


def test_the_demo_finds_a_wildcard_bound_api_on_loopback() -> None:
    assert service_url(Settings(api_host="0.0.0.0", api_port=9137)) == "http://127.0.0.1:9137"
    assert service_url(Settings(api_host="10.0.0.5", api_port=80)) == "http://10.0.0.5:80"


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.parametrize("command", [["api"], ["dev"]])
def test_a_busy_api_port_is_one_line_naming_port_and_setting(
    command: list[str], taken: int, tmp_path: Path
) -> None:
    env = {
        "KP_API_PORT": str(taken),
        "KP_DATA_DIR": str(tmp_path / "var"),
        "KP_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
        "KP_TEMPORAL_UI_PORT": str(free_port()),
    }
    line = _one_line_error(run(command, env))
    assert f"127.0.0.1:{taken}" in line and "KP_API_PORT" in line
    assert not (tmp_path / "var").exists()  # refused before anything started


@pytest.mark.parametrize(
    ("busy", "setting"), [("grpc", "KP_TEMPORAL_ADDRESS"), ("ui", "KP_TEMPORAL_UI_PORT")]
)
def test_busy_temporal_ports_in_dev_are_one_line_naming_the_setting(
    busy: str, setting: str, taken: int, tmp_path: Path
) -> None:
    grpc = taken if busy == "grpc" else free_port()
    ui = taken if busy == "ui" else free_port()
    env = {
        "KP_API_PORT": str(free_port()),
        "KP_DATA_DIR": str(tmp_path / "var"),
        "KP_TEMPORAL_ADDRESS": f"127.0.0.1:{grpc}",
        "KP_TEMPORAL_UI_PORT": str(ui),
    }
    line = _one_line_error(run(["dev"], env))
    assert str(taken) in line and setting in line
    assert not (tmp_path / "var").exists()


def test_pki_init_makes_the_development_pki_once(tmp_path: Path) -> None:
    env = {"KP_DATA_DIR": str(tmp_path / "var")}
    made = run(["pki", "init"], env)
    assert made.returncode == 0, made.stderr
    pki = tmp_path / "var" / "pki"
    assert "made" in made.stdout and str(pki / "ca.pem") in made.stdout
    for name in ("ca.pem", "dsedt.pem", "dsedt.key", "customs.pem", "customs.key"):
        assert (pki / name).is_file(), name
    assert all((pki / k).stat().st_mode & 0o777 == 0o600 for k in ("dsedt.key", "ca.key"))
    before = (pki / "dsedt.key").read_bytes()
    again = run(["pki", "init"], env)
    assert again.returncode == 0 and "already there" in again.stdout
    assert (pki / "dsedt.key").read_bytes() == before
    refused = run(["pki", "init"], {**env, "KP_ENVIRONMENT": "production"})
    assert refused.returncode == 1 and "not in production" in refused.stderr


def test_pki_operator_issues_a_representatives_signing_certificate(tmp_path: Path) -> None:
    env = {"KP_DATA_DIR": str(tmp_path / "var")}
    refused = run(["pki", "operator", "SO-12345", "Lotus Limitada", "Chan Tai Man"], env)
    assert refused.returncode == 1 and "pki init" in refused.stderr
    assert run(["pki", "init"], env).returncode == 0
    made = run(["pki", "operator", "so 12345", "Lotus Limitada", "Chan Tai Man"], env)
    assert made.returncode == 0, made.stderr
    key, chain = (Path(line.split(" ", 1)[1]) for line in made.stdout.splitlines())
    assert key.stat().st_mode & 0o777 == 0o600
    subject = x509.load_pem_x509_certificates(chain.read_bytes())[0].subject
    assert subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == "SO12345"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "Lotus Limitada"
    signed = xmldsig.sign(document(), load_signer(key, chain))
    verified = xmldsig.verify(signed, trust_store=tmp_path / "var" / "pki" / "ca.pem")
    assert verified.signer.subject == subject
