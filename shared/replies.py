"""A service's error reply, read back from a NATS micro response.

One reader for every caller on the bus — the client library and the services that request each
other (a monitor submitting its diagnosis) — so both see the same ErrorReply for the same reply,
whether its body decodes or only the micro error headers are there.
"""

from __future__ import annotations

import msgspec
from nats.aio.msg import Msg

from shared.contracts import ErrorReply, error_decoder


def error_reply(msg: Msg) -> ErrorReply | None:
    """The reply's ErrorReply when it carries a service error (micro's error headers); None otherwise."""
    if not msg.headers or not msg.headers.get("Nats-Service-Error-Code"):
        return None
    try:
        return error_decoder.decode(msg.data)
    except msgspec.DecodeError:
        # A body that is not ours (another micro service, a proxy): the headers still say what failed.
        code = msg.headers.get("Nats-Service-Error-Code", "")
        return ErrorReply(code=int(code) if code.isdigit() else 500, error="error",
                          message=msg.headers.get("Nats-Service-Error", ""))
