"""Anthropic Messages: envelope, required headers, event-stream order and reassembly."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.simulator.conftest import ANTHROPIC_HEADERS

BODY = {"model": "claude-sonnet-4-5", "max_tokens": 1024,
        "system": "品牌：欧派", "messages": [{"role": "user", "content": "欧派的口碑怎么样"}]}


def _events(text: str) -> list[tuple[str, dict[str, Any]]]:  # SSE data is untyped JSON
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


class TestMessages:
    def test_envelope_has_documented_fields(self, http: httpx.Client) -> None:
        """A message has id, type, role, model, text content, stop_reason, usage and a request-id header."""
        response = http.post("/v1/messages", json=BODY, headers=ANTHROPIC_HEADERS)
        assert response.status_code == 200
        body = response.json()
        assert body["id"].startswith("msg_") and body["type"] == "message" and body["role"] == "assistant"
        assert body["model"] == BODY["model"]
        assert body["content"][0]["type"] == "text" and "欧派" in body["content"][0]["text"]
        assert body["stop_reason"] == "end_turn"
        assert body["usage"]["input_tokens"] > 0 and body["usage"]["output_tokens"] > 0
        assert response.headers["request-id"]

    def test_missing_version_header_is_invalid_request(self, http: httpx.Client) -> None:
        """Without anthropic-version the API answers 400 invalid_request_error, as Anthropic does."""
        response = http.post("/v1/messages", json=BODY, headers={"x-api-key": "sk-ant-test"})
        assert response.status_code == 400
        body = response.json()
        assert body["type"] == "error" and body["error"]["type"] == "invalid_request_error"
        assert "anthropic-version" in body["error"]["message"]

    def test_missing_and_invalid_keys_are_authentication_errors(self, http: httpx.Client) -> None:
        """No x-api-key, or an invalid one, gets 401 authentication_error."""
        for headers in ({"anthropic-version": "2023-06-01"},
                        {"x-api-key": "sk-invalid-x", "anthropic-version": "2023-06-01"}):
            response = http.post("/v1/messages", json=BODY, headers=headers)
            assert response.status_code == 401
            assert response.json()["error"]["type"] == "authentication_error"

    def test_missing_max_tokens_is_rejected(self, http: httpx.Client) -> None:
        """max_tokens is required by the Messages API."""
        body = {k: v for k, v in BODY.items() if k != "max_tokens"}
        response = http.post("/v1/messages", json=body, headers=ANTHROPIC_HEADERS)
        assert response.status_code == 400 and "max_tokens" in response.json()["error"]["message"]


class TestStreaming:
    def test_event_sequence_and_reassembly(self, http: httpx.Client) -> None:
        """Events run message_start → content_block_start → deltas → content_block_stop → message_delta →
        message_stop, and the text deltas rebuild the non-streamed text (same seed)."""
        whole = http.post("/v1/messages", json={**BODY, "seed": 3}, headers=ANTHROPIC_HEADERS).json()
        response = http.post("/v1/messages", json={**BODY, "seed": 3, "stream": True}, headers=ANTHROPIC_HEADERS)
        events = _events(response.text)
        names = [name for name, _ in events if name != "ping"]
        assert names[0] == "message_start" and names[1] == "content_block_start"
        assert names[-3:] == ["content_block_stop", "message_delta", "message_stop"]
        assert set(names[2:-3]) == {"content_block_delta"}
        text = "".join(data["delta"]["text"] for name, data in events
                       if name == "content_block_delta")
        assert text == whole["content"][0]["text"]
        message_delta = next(data for name, data in events if name == "message_delta")
        assert message_delta["delta"] == {"stop_reason": "end_turn", "stop_sequence": None}
