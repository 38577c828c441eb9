"""Connecting to Temporal the one way the whole service does: the service's data converter
(pydantic models, payloads encrypted: ``support/payloads.py``), and TLS, mutual TLS or an API
key as the settings say."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from temporalio.client import Client
from temporalio.converter import DataConverter
from temporalio.service import TLSConfig

from kp_licensing.support.payloads import data_converter
from kp_licensing.support.settings import Settings


@dataclass(frozen=True)
class TemporalAccess:
    """Everything a connection needs, read once: a certificate file that cannot be read is a
    start-up error naming its setting, not a reason to retry forever."""

    address: str
    namespace: str
    converter: DataConverter
    tls: TLSConfig | bool | None
    api_key: str | None

    @classmethod
    def of(cls, settings: Settings) -> TemporalAccess:
        # None, not False, when TLS is not asked for: with an API key the SDK then still uses
        # TLS (a key sent in clear would be a key given away).
        tls: TLSConfig | bool | None = True if settings.temporal_tls else None
        files = (settings.temporal_tls_ca, settings.temporal_tls_cert, settings.temporal_tls_key)
        if any(files) or settings.temporal_tls_server_name:
            tls = TLSConfig(
                server_root_ca_cert=_read("KP_TEMPORAL_TLS_CA", settings.temporal_tls_ca),
                client_cert=_read("KP_TEMPORAL_TLS_CERT", settings.temporal_tls_cert),
                client_private_key=_read("KP_TEMPORAL_TLS_KEY", settings.temporal_tls_key),
                domain=settings.temporal_tls_server_name,
            )
        return cls(
            address=settings.temporal_address,
            namespace=settings.temporal_namespace,
            converter=data_converter(
                settings.keyring(), accept_plaintext=settings.payload_accept_plaintext
            ),
            tls=tls,
            api_key=settings.temporal_api_key,
        )

    async def connect(self) -> Client:
        return await Client.connect(
            self.address,
            namespace=self.namespace,
            data_converter=self.converter,
            tls=self.tls,
            api_key=self.api_key,
        )


def _read(setting: str, path: Path | None) -> bytes | None:
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError as error:
        raise RuntimeError(f"{setting}: cannot read {path} ({error.strerror})") from None


async def connect(settings: Settings) -> Client:
    return await TemporalAccess.of(settings).connect()
