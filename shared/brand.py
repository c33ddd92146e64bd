"""A brand as a request names it. Its own module because both the message contracts and the
analyser use it, and the contracts also embed the analyser's result types."""

from __future__ import annotations

import msgspec


class Brand(msgspec.Struct, kw_only=True):
    name: str
    aliases: list[str] = []
    # The brand's own web sites ("oppein.com"; subdomains included): a cited source on one of them
    # is the brand's own site in the report's source taxonomy (docs/report.md). Optional: without
    # it, a domain is the brand's when one of its labels is the brand's ASCII name or alias.
    domains: list[str] = []
