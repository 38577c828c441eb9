"""Workflow payloads encrypted and authenticated (AES-256-GCM) before they reach Temporal.

Every input, result, query answer, activity argument, and failure message crosses Temporal
only as ciphertext under a key the service holds (``KP_PAYLOAD_KEYS``), as Temporal's own
encryption sample does. So someone who reaches Temporal (its API, its database, a backup)
without the key reads no personal data in a history, and cannot forge a command the worker
accepts: a payload that does not decrypt under a known key (or, once the transition is over,
one that was never encrypted) is handed to the workflow as nothing, which no update's
argument accepts, so the update is rejected before anything is recorded; a signal is dropped.

Keys rotate: the first key of the ring encrypts, every key of it decrypts (each payload names
its key), so a new key is put first and an old one is removed only once no running workflow's
history holds payloads made with it. Histories recorded before encryption replay while
``KP_PAYLOAD_ACCEPT_PLAINTEXT`` is on (the transition), and always in the replay tests.
"""

from __future__ import annotations

import base64
import binascii
import copy
import dataclasses
import logging
import os
from collections.abc import Mapping, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    PayloadCodec,
    SerializationContext,
    WithSerializationContext,
)

from kp_licensing.support.model_payloads import ModelPayloadConverter

log = logging.getLogger(__name__)

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
#: The workflow a payload belongs to (authenticated with it; empty where the SDK gives none).
WORKFLOW = "kp-workflow-id"
NONCE_BYTES = 12
#: What a payload that may not be trusted becomes: JSON null, which no command model accepts.
REFUSED_ENCODING = b"binary/null"


@dataclasses.dataclass(frozen=True)
class Keyring:
    """The key that encrypts (``current``) and every key that decrypts, by id."""

    current: str
    keys: Mapping[str, bytes]

    @classmethod
    def parse(cls, text: str) -> Keyring:
        """``id:base64key[,id:base64key...]``, the first encrypting; each key 32 bytes (AES-256).
        Raises ValueError saying what is wrong, never echoing a key."""
        keys: dict[str, bytes] = {}
        for n, item in enumerate(part.strip() for part in text.split(",")):
            key_id, sep, encoded = item.partition(":")
            if not sep or not key_id or not encoded:
                raise ValueError(f"item {n + 1} is not id:base64key")
            if key_id in keys:
                raise ValueError(f"key id {key_id!r} appears twice")
            try:
                key = base64.b64decode(encoded, validate=True)
            except binascii.Error:
                raise ValueError(f"key {key_id!r} is not base64") from None
            if len(key) != 32:
                raise ValueError(f"key {key_id!r} is {len(key)} bytes; AES-256 needs 32")
            keys[key_id] = key
        return cls(current=next(iter(keys)), keys=keys)


class PayloadCipher(PayloadCodec, WithSerializationContext):
    """Encrypts each payload with the keyring's current key. When the SDK says which workflow a
    payload belongs to (its serialization context: the workflow's own inputs, updates, signals,
    queries and results, its activities' arguments and results), the workflow id is part of the
    authenticated data, and named in the metadata: a payload copied from one case's history is
    refused in another's (its metadata names another workflow, and changing it breaks the
    authentication). The codec endpoint, which has no context, reads the id there."""

    def __init__(self, keyring: Keyring, *, accept_plaintext: bool) -> None:
        self._keyring = keyring
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keyring.keys.items()}
        self._accept_plaintext = accept_plaintext
        self._workflow_id = ""

    def with_context(self, context: SerializationContext) -> PayloadCipher:
        """This cipher for one workflow's payloads (called by the SDK for every conversion, so
        it copies the object and shares the ciphers rather than building them again)."""
        bound = copy.copy(self)
        bound._workflow_id = getattr(context, "workflow_id", None) or ""
        return bound

    @staticmethod
    def _associated(key_id: str, workflow_id: str) -> bytes:
        return f"{key_id}\n{workflow_id}".encode()

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        key_id = self._keyring.current
        cipher = self._ciphers[key_id]
        encoded = []
        for payload in payloads:
            nonce = os.urandom(NONCE_BYTES)
            associated = self._associated(key_id, self._workflow_id)
            sealed = cipher.encrypt(nonce, payload.SerializeToString(), associated)
            metadata = {
                "encoding": ENCODING,
                KEY_ID: key_id.encode(),
                WORKFLOW: self._workflow_id.encode(),
            }
            encoded.append(Payload(metadata=metadata, data=nonce + sealed))
        return encoded

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._decode(payload) for payload in payloads]

    def _decode(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            if self._accept_plaintext:
                return payload
            log.warning("a payload that was not encrypted was refused")
            return _refused()
        key_id = payload.metadata.get(KEY_ID, b"").decode(errors="replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            log.warning("a payload encrypted with unknown key %r was refused", key_id[:40])
            return _refused()
        workflow_id = payload.metadata.get(WORKFLOW, b"").decode(errors="replace")
        if self._workflow_id and workflow_id != self._workflow_id:
            log.warning("a payload of another workflow was refused in %r", self._workflow_id)
            return _refused()
        data = payload.data
        associated = self._associated(key_id, workflow_id)
        try:
            plain = cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], associated)
        except (InvalidTag, ValueError):  # altered, or too short to hold a nonce and a tag
            log.warning("a payload that does not decrypt under key %r was refused", key_id)
            return _refused()
        return Payload.FromString(plain)


def _refused() -> Payload:
    return Payload(metadata={"encoding": REFUSED_ENCODING})


def data_converter(keyring: Keyring, *, accept_plaintext: bool = False) -> DataConverter:
    """The service's converter: pydantic models as JSON, then encrypted; failures' messages and
    stack traces encrypted too (they can quote what a person typed)."""
    return DataConverter(
        payload_converter_class=ModelPayloadConverter,
        payload_codec=PayloadCipher(keyring, accept_plaintext=accept_plaintext),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )
