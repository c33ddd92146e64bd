"""Submitting a diagnosis on the bus, as any other service would (services do not import the
client library): the one call a monitor slot or a run-now makes to the dispatcher."""

from __future__ import annotations

import nats.errors
from nats.aio.client import Client

from shared import subjects
from shared.contracts import ErrorReply, SubmitAccepted, accepted_decoder
from shared.errors import ServiceUnavailable
from shared.replies import error_reply


async def submit_request(nc: Client, payload: bytes) -> SubmitAccepted | ErrorReply:
    """Submit on the bus as any other service would (services do not import the client library).

    A rejection (4xx) comes back as the service's ErrorReply; no responder, no answer or a
    server-side failure (5xx) raises ServiceUnavailable, so the fired schedule message is
    redelivered rather than lost.
    """
    try:
        msg = await nc.request(subjects.SUBMIT, payload, timeout=60)
    except nats.errors.NoRespondersError:
        raise ServiceUnavailable(f"no service answers on {subjects.SUBMIT}") from None
    except nats.errors.TimeoutError:
        raise ServiceUnavailable(f"no answer on {subjects.SUBMIT} within 60s") from None
    reply = error_reply(msg)
    if reply is not None:
        if reply.code >= 500:
            # The submit service failed, not the request: try the slot again later.
            raise ServiceUnavailable(f"submit failed ({reply.code}): {reply.message}"[:200])
        return reply
    return accepted_decoder.decode(msg.data)
