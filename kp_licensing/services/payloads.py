"""Payloads of workflow histories decoded for staff who read them in Temporal's web UI or
command line (the codec-server protocol): Temporal itself only ever holds them encrypted."""

from __future__ import annotations

import base64

from temporalio.api.common.v1 import Payload

from kp_licensing.support.payloads import PayloadCipher
from schemas.codec import CodecPayload, CodecPayloads


async def decode(cipher: PayloadCipher, body: CodecPayloads) -> CodecPayloads:
    """Each payload in clear: decrypted with the service's keys, shown as it is if it never was
    encrypted, or as JSON null if it does not decrypt."""
    decoded = await cipher.decode([_payload(p) for p in body.payloads])
    return CodecPayloads(payloads=[_wire(p) for p in decoded])


def _payload(wire: CodecPayload) -> Payload:
    return Payload(
        metadata={key: base64.b64decode(value) for key, value in wire.metadata.items()},
        data=base64.b64decode(wire.data),
    )


def _wire(payload: Payload) -> CodecPayload:
    return CodecPayload(
        metadata={key: base64.b64encode(value).decode() for key, value in payload.metadata.items()},
        data=base64.b64encode(payload.data).decode(),
    )
