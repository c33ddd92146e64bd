"""Messages are safe to publish: keys redacted (known and unknown shapes), controls gone, capped."""

from __future__ import annotations

import traceback

import httpx
import msgspec
import pytest

from shared.contracts import ErrorInfo, FieldError
from shared.errors import (
    MAX_MESSAGE,
    AuthError,
    RateLimited,
    RequestRejected,
    ServiceUnavailable,
    sanitize,
    to_error_info,
)
from shared.providers import Prompt, complete
from tests.providers.conftest import FakeProvider, spec_for

# Deliberately shaped like no known key format, so only the explicit-secret path can catch it.
SENTINEL = "zz-SENTINEL.do.not.leak"


class TestSanitize:
    @pytest.mark.parametrize(
        "leak",
        [
            "sk-proj-AbCdEf0123456789AbCdEf",
            "sk-ant-api03-AbCdEf0123456789",
            "AIzaSyA-0123456789abcdefghijklmnopqrstu",
            "xai-AbCdEf0123456789AbCdEf",
            "pplx-AbCdEf0123456789AbCdEf",
            "bce-v3/ALTAK-abc123/0123456789abcdef",
            "0123456789abcdef0123456789abcdef0123",
            "d3b07384-d113-4ec5-a7b2-5f0e9c3a1b2c",
            "3a7bd3e2360a3d29eea436fcfb7e44c7.AbCdEfGhIjKlMnOp",
        ],
    )
    def test_key_shaped_tokens_are_redacted(self, leak: str) -> None:
        """Provider key formats, long hex and long mixed tokens are replaced by [redacted]."""
        out = sanitize(f"Incorrect API key provided: {leak}. See docs.")
        assert leak not in out
        assert "[redacted]" in out
        assert out.startswith("Incorrect API key provided:")

    def test_bearer_and_query_keys_are_redacted(self) -> None:
        """Authorization values and key=… query parameters lose their value but keep their name."""
        out = sanitize("sent Authorization: Bearer abc.def, Basic dXNlcjpwYXNz to https://h/v1?key=SECRETVALUE&alt=sse")
        assert "abc.def" not in out and "dXNlcjpwYXNz" not in out and "SECRETVALUE" not in out
        assert "Bearer [redacted]" in out and "Basic [redacted]" in out and "key=[redacted]" in out

    def test_explicit_secrets_are_redacted_whatever_their_shape(self) -> None:
        """A secret passed by the caller is removed even if no pattern would recognise it."""
        assert SENTINEL not in sanitize(f"your key {SENTINEL} is invalid", [SENTINEL])

    def test_control_characters_are_stripped_and_whitespace_collapsed(self) -> None:
        """Control characters vanish and newlines/tabs collapse to single spaces."""
        assert sanitize("line1\r\n\tline2\x00\x1b[31m red\x7f") == "line1 line2[31m red"

    def test_length_is_capped(self) -> None:
        """Messages longer than 300 characters are cut with an ellipsis."""
        out = sanitize("数据" * 400)
        assert len(out) == MAX_MESSAGE and out.endswith("…")

    def test_ordinary_text_is_untouched(self) -> None:
        """Prose, URLs and short ids pass through unchanged."""
        text = "The model `qwen-maxx` does not exist; basic information at https://help.aliyun.com/zh/model-studio"
        assert sanitize(text) == text


class TestProviderEchoes:
    async def test_key_echoed_in_error_body_never_reaches_the_exception(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """A provider that echoes the full key in its error body leaks it into no message or repr."""
        body = msgspec.json.encode(
            {"error": {"message": f"Incorrect API key provided: {SENTINEL}", "code": SENTINEL, "type": "x"}}
        )
        provider.reply(401, body)
        with pytest.raises(AuthError) as caught:
            await complete(http_client, spec_for(provider), SENTINEL, Prompt(user="q"))
        exc = caught.value
        rendered = [
            exc.message,
            str(exc),
            repr(exc),
            exc.provider_code or "",
            "".join(traceback.format_exception(exc)),
            msgspec.json.encode(to_error_info(exc)).decode(),
        ]
        assert all(SENTINEL not in text for text in rendered)


class TestErrorInfo:
    def test_error_info_carries_class_status_and_code(self) -> None:
        """to_error_info gives the bus form: class name, sanitised message, status and code."""
        exc = RateLimited("HTTP 429 too fast sk-abcdefghijklmnop", http_status=429, provider_code="rate_limit_exceeded")
        assert to_error_info(exc) == ErrorInfo(
            error_class="RateLimited",
            message="HTTP 429 too fast [redacted]",
            http_status=429,
            provider_code="rate_limit_exceeded",
        )

    def test_request_and_service_errors_carry_their_codes(self) -> None:
        """RequestRejected is a 400 with its field errors; ServiceUnavailable is a 503."""
        rejected = RequestRejected("bad request", [FieldError(field="models", reason="unknown model x")])
        assert rejected.code == 400 and rejected.fields[0].field == "models"
        assert ServiceUnavailable("nats down").code == 503
