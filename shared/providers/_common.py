"""Small helpers the protocol parsers share: defensive field access and citation tidying."""

from __future__ import annotations

from typing import Any

from shared.catalogue import ModelSpec
from shared.contracts import Citation
from shared.providers.types import Prompt


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    return value if isinstance(value, int) else None


def as_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def add_citation(citations: list[Citation], url: Any, title: Any = None) -> None:
    """Append a citation unless its URL is already there (providers repeat sources per sentence)."""
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return
    if any(c.url == url for c in citations):
        return
    citations.append(Citation(url=url, title=title if isinstance(title, str) and title else None))


def merge_extra(body: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``extra`` merged into ``body`` key by key, tables recursively (``body`` is changed).

    A shallow update would let ``extra_body = { generationConfig = { thinkingConfig = … } }``
    replace the whole generationConfig the client built, silently dropping maxOutputTokens
    and temperature.
    """
    for key, value in extra.items():
        current = body.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            body[key] = merge_extra(dict(current), value)
        else:
            body[key] = value
    return body


def key_or_placeholder(api_key: str | None, simulated: bool) -> str | None:
    # The simulator checks that a key header is present (as real providers do) but not its value.
    if api_key is None and simulated:
        return "sim"
    return api_key


def bearer_headers(spec: ModelSpec, api_key: str | None) -> dict[str, str]:
    """JSON headers with ``authorization: Bearer <key>`` (OpenAI-style APIs: OpenAI, Ark, DashScope)."""
    headers = {"content-type": "application/json", **spec.headers}
    key = key_or_placeholder(api_key, spec.simulated)
    if key:
        headers["authorization"] = f"Bearer {key}"
    return headers


def chat_messages(prompt: Prompt) -> list[dict[str, str]]:
    """The prompt as chat messages: the system message (when there is one), then the user's."""
    messages: list[dict[str, str]] = []
    if prompt.system:
        messages.append({"role": "system", "content": prompt.system})
    messages.append({"role": "user", "content": prompt.user})
    return messages


def secrets_of(api_key: str | None) -> tuple[str, ...]:
    return (api_key,) if api_key else ()
