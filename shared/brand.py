"""A brand as a request names it. Its own module because both the message contracts and the
analyser use it, and the contracts also embed the analyser's result types."""

from __future__ import annotations

import msgspec


class Brand(msgspec.Struct, kw_only=True):
    name: str
    aliases: list[str] = []
