"""Gemini generateContent: envelope, grounding, header-only keys, streaming."""

from __future__ import annotations

import json

import httpx

from tests.simulator.conftest import GEMINI_HEADERS, sse_data

MODEL_PATH = "/v1beta/models/gemini-2.5-flash:generateContent"
BODY = {"contents": [{"role": "user", "parts": [{"text": "咖啡品牌推荐"}]}]}


class TestGenerateContent:
    def test_envelope_has_documented_fields(self, http: httpx.Client) -> None:
        """candidates[0].content.parts[].text with role model, finishReason STOP, usageMetadata, modelVersion,
        responseId."""
        response = http.post(MODEL_PATH, json=BODY, headers=GEMINI_HEADERS)
        assert response.status_code == 200
        body = response.json()
        candidate = body["candidates"][0]
        assert candidate["content"]["role"] == "model"
        assert candidate["content"]["parts"][0]["text"]
        assert candidate["finishReason"] == "STOP"
        usage = body["usageMetadata"]
        # 2.5 models think by default: thoughtsTokenCount is counted in the total, beside the answer's.
        assert usage["totalTokenCount"] == (usage["promptTokenCount"] + usage["candidatesTokenCount"]
                                            + usage.get("thoughtsTokenCount", 0))
        assert body["modelVersion"] == "gemini-2.5-flash" and body["responseId"]

    def test_grounded_answers_carry_web_chunks(self, http: httpx.Client) -> None:
        """When the Gemini persona cites sources, groundingMetadata lists them as web {uri, title} chunks."""
        grounded = []
        for seed in range(12):
            body = {**BODY, "generationConfig": {"seed": seed}}
            candidate = http.post(MODEL_PATH, json=body, headers=GEMINI_HEADERS).json()["candidates"][0]
            if "groundingMetadata" in candidate:
                grounded.append(candidate["groundingMetadata"])
        assert grounded, "no grounded answer in 12 samples"
        chunks = grounded[0]["groundingChunks"]
        assert chunks and all(c["web"]["uri"].startswith("https://") and c["web"]["title"] for c in chunks)

    def test_key_in_query_string_is_rejected(self, http: httpx.Client) -> None:
        """?key= is refused with 400 INVALID_ARGUMENT explaining keys belong in the header, and logged as such."""
        response = http.post(MODEL_PATH + "?key=AIza-secret", json=BODY)
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["status"] == "INVALID_ARGUMENT" and "x-goog-api-key" in error["message"]
        entries = http.get("/_sim/requests", params={"model": "gemini-2.5-flash"}).json()
        assert [e["auth"] for e in entries] == ["query"]

    def test_invalid_key_is_api_key_invalid(self, http: httpx.Client) -> None:
        """An invalid key gets Google's 400 INVALID_ARGUMENT with reason API_KEY_INVALID."""
        response = http.post(MODEL_PATH, json=BODY, headers={"x-goog-api-key": "invalid"})
        assert response.status_code == 400
        details = response.json()["error"]["details"]
        assert details[0]["reason"] == "API_KEY_INVALID"

    def test_missing_key_is_401(self, http: httpx.Client) -> None:
        """No key at all gets 401 UNAUTHENTICATED."""
        response = http.post(MODEL_PATH, json=BODY)
        assert response.status_code == 401 and response.json()["error"]["status"] == "UNAUTHENTICATED"


class TestStreaming:
    def test_sse_stream_reassembles(self, http: httpx.Client) -> None:
        """streamGenerateContent?alt=sse sends partial responses whose texts join to the full answer."""
        seeded = {**BODY, "generationConfig": {"seed": 5}}
        whole = http.post(MODEL_PATH, json=seeded, headers=GEMINI_HEADERS).json()
        response = http.post("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", json=seeded,
                             headers=GEMINI_HEADERS)
        chunks = [json.loads(p) for p in sse_data(response.text)]
        text = "".join(c["candidates"][0]["content"]["parts"][0]["text"] for c in chunks)
        assert text == whole["candidates"][0]["content"]["parts"][0]["text"]
        assert chunks[-1]["candidates"][0]["finishReason"] == "STOP"
        assert "finishReason" not in chunks[0]["candidates"][0]

    def test_stream_without_sse_is_a_json_array(self, http: httpx.Client) -> None:
        """Without alt=sse the stream is one JSON array of partial responses, as Google sends it."""
        response = http.post("/v1beta/models/gemini-2.5-flash:streamGenerateContent", json=BODY,
                             headers=GEMINI_HEADERS)
        parts = response.json()
        assert isinstance(parts, list) and parts[-1]["candidates"][0]["finishReason"] == "STOP"
