"""The payload cipher on its own: keys rotate, and anything it cannot trust becomes null."""

from __future__ import annotations

from temporalio.api.common.v1 import Payload
from temporalio.converter import WorkflowSerializationContext

from kp_licensing.support.payloads import ENCODING, REFUSED_ENCODING, Keyring, PayloadCipher

OLD = Keyring(current="old", keys={"old": b"o" * 32})
ROTATED = Keyring(current="new", keys={"new": b"n" * 32, "old": b"o" * 32})
NEW_ONLY = Keyring(current="new", keys={"new": b"n" * 32})
CLEAR = Payload(metadata={"encoding": b"json/plain"}, data=b'{"name": "Chan Tai Man"}')


async def test_a_payload_made_before_a_rotation_still_decodes() -> None:
    [sealed] = await PayloadCipher(OLD, accept_plaintext=False).encode([CLEAR])
    assert sealed.metadata["encoding"] == ENCODING and b"Chan" not in sealed.data
    assert await PayloadCipher(ROTATED, accept_plaintext=False).decode([sealed]) == [CLEAR]
    [resealed] = await PayloadCipher(ROTATED, accept_plaintext=False).encode([CLEAR])
    assert resealed.metadata["encryption-key-id"] == b"new"


async def test_what_cannot_be_trusted_becomes_null() -> None:
    [sealed] = await PayloadCipher(OLD, accept_plaintext=False).encode([CLEAR])
    tampered = Payload(metadata=sealed.metadata, data=sealed.data[:-1] + b"\x00")
    relabelled = Payload(
        metadata={**sealed.metadata, "encryption-key-id": b"new"}, data=sealed.data
    )
    strict = PayloadCipher(ROTATED, accept_plaintext=False)
    for payload in (tampered, relabelled, CLEAR):
        [decoded] = await strict.decode([payload])
        assert decoded.metadata["encoding"] == REFUSED_ENCODING and decoded.data == b""
    [retired] = await PayloadCipher(NEW_ONLY, accept_plaintext=False).decode([sealed])
    assert retired.metadata["encoding"] == REFUSED_ENCODING


async def test_plaintext_passes_only_during_the_transition() -> None:
    assert await PayloadCipher(NEW_ONLY, accept_plaintext=True).decode([CLEAR]) == [CLEAR]


async def test_a_payload_is_bound_to_its_workflow() -> None:
    def of(workflow_id: str) -> PayloadCipher:
        context = WorkflowSerializationContext(namespace="default", workflow_id=workflow_id)
        return PayloadCipher(OLD, accept_plaintext=False).with_context(context)

    [sealed] = await of("licence-OLA-2026-00001").encode([CLEAR])
    assert await of("licence-OLA-2026-00001").decode([sealed]) == [CLEAR]
    [elsewhere] = await of("licence-OLA-2026-00002").decode([sealed])
    assert elsewhere.metadata["encoding"] == REFUSED_ENCODING
    relabelled = Payload(
        metadata={**sealed.metadata, "kp-workflow-id": b"licence-OLA-2026-00002"}, data=sealed.data
    )
    [forged] = await of("licence-OLA-2026-00002").decode([relabelled])
    assert forged.metadata["encoding"] == REFUSED_ENCODING
    # Staff's codec endpoint has no context: it reads the workflow from the metadata.
    assert await PayloadCipher(OLD, accept_plaintext=False).decode([sealed]) == [CLEAR]
