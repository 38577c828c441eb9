"""The codec endpoint: Temporal's web UI and command line send it a history's payloads, and
officers and supervisors read them in clear (``temporal workflow show --codec-endpoint
<service>/api/v1/codec --codec-auth "Bearer <token>"``). There is no encode: a payload the
worker accepts can only be made by the service itself."""

from __future__ import annotations

from fastapi import APIRouter

from kp_licensing.api.deps import MayDecodePayloads, ServicesDep
from kp_licensing.services import payloads
from schemas.codec import CodecPayloads

router = APIRouter(tags=["codec"])


@router.post("/codec/decode", response_model=CodecPayloads)
async def decode(body: CodecPayloads, _: MayDecodePayloads, services: ServicesDep) -> CodecPayloads:
    """Workflow payloads decrypted (at most 1000 per request)."""
    return await payloads.decode(services.decoder, body)
