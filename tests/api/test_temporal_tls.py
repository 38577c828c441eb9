"""Mutual TLS to Temporal from settings. The dev server speaks plain gRPC, so a TLS terminator
in front of it (this test's own, requiring a client certificate from its CA, as a production
Temporal frontend or its proxy does) stands for the production endpoint: with the settings'
CA, certificate and key the service connects through it; without the certificate it cannot."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID

from edi.pki import Issuer, PrivateKey, issue
from kp_licensing.support.settings import Settings
from workflows.client import TemporalAccess

SERVER_NAME = "temporal.kp.test"


def _write(folder: Path, name: str, certificate: x509.Certificate, key: PrivateKey) -> None:
    (folder / f"{name}.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / f"{name}.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


@pytest.fixture
def pki(tmp_path: Path) -> Path:
    """A CA (the PKI's own issuing), Temporal's server certificate and the service's client one."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = Issuer(issue("kp test CA", ca_key, None), ca_key)
    (tmp_path / "ca.pem").write_bytes(ca.certificate.public_bytes(serialization.Encoding.PEM))
    server_key, client_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    server = issue(
        SERVER_NAME, server_key, ca, usage=ExtendedKeyUsageOID.SERVER_AUTH, dns_names=(SERVER_NAME,)
    )
    _write(tmp_path, SERVER_NAME, server, server_key)
    _write(tmp_path, "kp-licensing", issue("kp-licensing", client_key, ca), client_key)
    return tmp_path


@pytest.fixture
async def terminator(pki: Path, settings: Settings, service: str) -> AsyncIterator[str]:
    """TLS (client certificate required, HTTP/2) in front of the suite's dev server."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=pki / "ca.pem")
    context.load_cert_chain(pki / f"{SERVER_NAME}.pem", pki / f"{SERVER_NAME}.key")
    context.verify_mode = ssl.CERT_REQUIRED
    context.set_alpn_protocols(["h2"])
    host, _, port = settings.temporal_address.rpartition(":")

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(host, int(port))
        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    yield f"127.0.0.1:{server.sockets[0].getsockname()[1]}"
    server.close()


def _settings(pki: Path, address: str, *, client_certificate: bool) -> Settings:
    return Settings(
        temporal_address=address,
        temporal_tls_ca=pki / "ca.pem",
        temporal_tls_cert=pki / "kp-licensing.pem" if client_certificate else None,
        temporal_tls_key=pki / "kp-licensing.key" if client_certificate else None,
        temporal_tls_server_name=SERVER_NAME,
    )


async def test_mutual_tls_connects_with_the_client_certificate(pki: Path, terminator: str) -> None:
    client = await TemporalAccess.of(_settings(pki, terminator, client_certificate=True)).connect()
    assert (await client.count_workflows()).count >= 0


async def test_without_the_client_certificate_the_endpoint_refuses(
    pki: Path, terminator: str
) -> None:
    access = TemporalAccess.of(_settings(pki, terminator, client_certificate=False))
    with pytest.raises(RuntimeError):
        await asyncio.wait_for(access.connect(), 30)


def test_an_unreadable_certificate_is_a_start_up_error_naming_its_setting(pki: Path) -> None:
    settings = _settings(pki, "127.0.0.1:1", client_certificate=True).model_copy(
        update={"temporal_tls_ca": pki / "missing.pem"}
    )
    with pytest.raises(RuntimeError, match=r"KP_TEMPORAL_TLS_CA: cannot read .*missing\.pem"):
        TemporalAccess.of(settings)


def test_a_certificate_without_its_key_is_refused() -> None:
    with pytest.raises(ValueError, match="KP_TEMPORAL_TLS_CERT and KP_TEMPORAL_TLS_KEY"):
        Settings(temporal_tls_cert=Path("client.pem"))
