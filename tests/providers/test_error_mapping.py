"""Every documented provider error body, served over real HTTP, lands in the right class.

One row per (provider, documented error): the fake provider answers with the stored fixture,
``complete()`` raises, and the row pins the class, cell status, transient flag, HTTP status,
provider code and parsed retry delay. Providers whose bodies share a protocol are told apart
only by their codes, which is how the single rule table in shared/errors.py is exercised.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

from shared import errors
from shared.errors import (
    AuthError,
    BadRequest,
    ConfigError,
    ContentFiltered,
    ProviderError,
    ProviderTimeout,
    RateLimited,
    UpstreamError,
)
from shared.providers import Prompt, complete
from tests.providers.conftest import FakeProvider, spec_for


@dataclass(frozen=True)
class Row:
    fixture: str
    status: int
    cls: type[ProviderError]
    transient: bool
    code: str | None
    retry_after: float | None = None
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def protocol(self) -> str:
        head = self.fixture.split("/")[0]
        return head if head in ("anthropic", "gemini") else "openai"


ROWS = [
    # OpenAI
    Row("openai/invalid_api_key.json", 401, AuthError, False, "invalid_api_key"),
    Row("openai/model_not_found.json", 404, ConfigError, False, "model_not_found"),
    Row("openai/context_length_exceeded.json", 400, BadRequest, False, "context_length_exceeded"),
    Row("openai/insufficient_quota.json", 429, RateLimited, False, "insufficient_quota"),
    Row("openai/rate_limit_exceeded.json", 429, RateLimited, True, "rate_limit_exceeded", 1.5,
        (("retry-after-ms", "1500"), ("retry-after", "2"))),
    Row("openai/content_policy_violation.json", 400, ContentFiltered, False, "content_policy_violation"),
    # platform.openai.com/docs/guides/error-codes: 400 invalid_prompt, "flagged as potentially violating
    # our usage policy": the provider's filter refused the prompt, not a malformed request.
    Row("openai/invalid_prompt.json", 400, ContentFiltered, False, "invalid_prompt"),
    # No Retry-After: x-ratelimit-reset-tokens (Go duration) of the spent limit decides.
    Row("openai/rate_limit_reset_headers.json", 429, RateLimited, True, "rate_limit_exceeded", 6.5,
        (("x-ratelimit-remaining-requests", "499"), ("x-ratelimit-reset-requests", "120ms"),
         ("x-ratelimit-remaining-tokens", "0"), ("x-ratelimit-reset-tokens", "6.5s"))),
    Row("openai/server_error.json", 500, UpstreamError, True, "server_error"),
    Row("gateway/502.html", 502, UpstreamError, True, None),
    # DeepSeek
    Row("deepseek/401_authentication.json", 401, AuthError, False, "authentication_error"),
    Row("deepseek/402_insufficient_balance.json", 402, RateLimited, False, "invalid_request_error"),
    Row("deepseek/422_invalid_parameters.json", 422, BadRequest, False, "invalid_request_error"),
    Row("deepseek/429_rate_limit.json", 429, RateLimited, True, "rate_limit_reached_error", 3.0,
        (("retry-after", "3"),)),
    Row("deepseek/500_server_error.json", 500, UpstreamError, True, "internal_error"),
    Row("deepseek/503_overloaded.json", 503, UpstreamError, True, "service_unavailable_error"),
    # DashScope (Qwen)
    Row("dashscope/invalid_api_key.json", 401, AuthError, False, "invalid_api_key"),
    Row("dashscope/data_inspection_failed.json", 400, ContentFiltered, False, "data_inspection_failed"),
    Row("dashscope/data_inspection_native.json", 400, ContentFiltered, False, "DataInspectionFailed"),
    Row("dashscope/arrearage.json", 400, RateLimited, False, "Arrearage"),
    Row("dashscope/model_not_found.json", 404, ConfigError, False, "model_not_found"),
    Row("dashscope/throttling_native.json", 429, RateLimited, True, "Throttling.RateQuota"),
    # Volcengine Ark (Doubao)
    Row("ark/authentication_error.json", 401, AuthError, False, "AuthenticationError"),
    Row("ark/endpoint_not_found.json", 404, ConfigError, False, "InvalidEndpointOrModel.NotFound"),
    Row("ark/input_sensitive.json", 400, ContentFiltered, False, "InputTextSensitiveContentDetected"),
    Row("ark/sensitive_violence.json", 400, ContentFiltered, False, "SensitiveContentDetected.Violence"),
    Row("ark/output_sensitive.json", 400, ContentFiltered, False, "OutputTextSensitiveContentDetected"),
    Row("ark/rpm_exceeded.json", 429, RateLimited, True, "RateLimitExceeded.EndpointRPMExceeded"),
    Row("ark/quota_exceeded.json", 429, RateLimited, False, "QuotaExceeded"),
    Row("ark/server_overloaded.json", 429, UpstreamError, True, "ServerOverloaded"),
    # Ark error codes: InvalidEndpoint.ClosedEndpoint repeats until the endpoint is reopened.
    Row("ark/closed_endpoint.json", 400, ConfigError, False, "InvalidEndpoint.ClosedEndpoint"),
    # Moonshot (Kimi)
    Row("moonshot/invalid_authentication.json", 401, AuthError, False, "invalid_authentication_error"),
    Row("moonshot/exceeded_current_quota.json", 429, RateLimited, False, "exceeded_current_quota_error"),
    Row("moonshot/engine_overloaded.json", 429, UpstreamError, True, "engine_overloaded_error"),
    Row("moonshot/rate_limit_reached.json", 429, RateLimited, True, "rate_limit_reached_error"),
    Row("moonshot/content_filter.json", 400, ContentFiltered, False, "content_filter"),
    Row("moonshot/model_not_found.json", 404, ConfigError, False, "resource_not_found_error"),
    # Zhipu (GLM)
    Row("zhipu/1002_invalid_token.json", 401, AuthError, False, "1002"),
    Row("zhipu/1211_model_not_found.json", 400, ConfigError, False, "1211"),
    Row("zhipu/1113_arrears.json", 429, RateLimited, False, "1113"),
    Row("zhipu/1301_sensitive.json", 400, ContentFiltered, False, "1301"),
    Row("zhipu/1302_concurrency.json", 429, RateLimited, True, "1302"),
    Row("zhipu/1305_traffic.json", 429, RateLimited, True, "1305"),
    # Qianfan v2 (ERNIE)
    Row("qianfan/invalid_iam_token.json", 401, AuthError, False, "invalid_iam_token"),
    Row("qianfan/rpm_rate_limit.json", 429, RateLimited, True, "rpm_rate_limit_exceeded"),
    Row("qianfan/invalid_model.json", 404, ConfigError, False, "invalid_model"),
    Row("qianfan/internal_error.json", 500, UpstreamError, True, "internal_error"),
    # cloud.baidu.com/doc/WENXINWORKSHOP/s/hlzic283e: a rate limit answered "HTTP/1.1 200" with
    # X-Ratelimit-* headers and {"code": 336501, "msg": "Rate limit reached for RPM"}.
    Row("qianfan/200_rpm_rate_limit.json", 200, RateLimited, True, "336501", None,
        (("X-Ratelimit-Limit-Requests", "300"), ("X-Ratelimit-Remaining-Requests", "0"))),
    # A gateway relaying an upstream failure as 200 {"error": {...}} with no known code: a rate limit.
    Row("gateway/200_error.json", 200, RateLimited, True, "upstream_error"),
    # Hunyuan (OpenAI-compatible endpoint; no public code list, so the status decides)
    Row("hunyuan/401_auth.json", 401, AuthError, False, "invalid_request_error"),
    Row("hunyuan/429_rate.json", 429, RateLimited, True, "invalid_request_error"),
    # Anthropic
    Row("anthropic/401_authentication_error.json", 401, AuthError, False, "authentication_error"),
    Row("anthropic/403_permission_error.json", 403, AuthError, False, "permission_error"),
    Row("anthropic/404_not_found_error.json", 404, ConfigError, False, "not_found_error"),
    Row("anthropic/400_invalid_request_error.json", 400, BadRequest, False, "invalid_request_error"),
    Row("anthropic/413_request_too_large.json", 413, BadRequest, False, "request_too_large"),
    Row("anthropic/429_rate_limit_error.json", 429, RateLimited, True, "rate_limit_error", 7.0,
        (("retry-after", "7"),)),
    Row("anthropic/500_api_error.json", 500, UpstreamError, True, "api_error"),
    Row("anthropic/529_overloaded_error.json", 529, UpstreamError, True, "overloaded_error"),
    # Gemini
    Row("gemini/api_key_invalid.json", 400, AuthError, False, "API_KEY_INVALID"),
    Row("gemini/unauthenticated.json", 401, AuthError, False, "UNAUTHENTICATED"),
    Row("gemini/permission_denied.json", 403, AuthError, False, "PERMISSION_DENIED"),
    Row("gemini/not_found.json", 404, ConfigError, False, "NOT_FOUND"),
    Row("gemini/invalid_argument.json", 400, BadRequest, False, "INVALID_ARGUMENT"),
    # ai.google.dev/gemini-api/docs/troubleshooting: 400 FAILED_PRECONDITION "User location is not
    # supported for the API use" (or billing not enabled): every call fails until someone acts.
    Row("gemini/failed_precondition.json", 400, ConfigError, False, "FAILED_PRECONDITION"),
    Row("gemini/resource_exhausted.json", 429, RateLimited, True, "RESOURCE_EXHAUSTED", 37.0),
    Row("gemini/internal.json", 500, UpstreamError, True, "INTERNAL"),
    Row("gemini/unavailable.json", 503, UpstreamError, True, "UNAVAILABLE"),
    Row("gemini/deadline_exceeded.json", 504, ProviderTimeout, True, "DEADLINE_EXCEEDED"),
]


def _path_for(protocol: str) -> str:
    return {"openai": "/v1", "anthropic": "", "gemini": "/v1beta"}[protocol]


@pytest.mark.parametrize("row", ROWS, ids=[r.fixture for r in ROWS])
async def test_documented_error_body_maps_to_its_class(
    row: Row, provider: FakeProvider, http_client: httpx.AsyncClient
) -> None:
    """A provider's documented error answer raises the mapped ProviderError with its attributes."""
    provider.reply_fixture(row.fixture, status=row.status, headers=dict(row.headers))
    spec = spec_for(provider, row.protocol, path=_path_for(row.protocol))
    with pytest.raises(ProviderError) as caught:
        await complete(http_client, spec, "sk-test-key-0000000000", Prompt(user="哪个品牌最好？"))
    exc = caught.value
    assert type(exc) is row.cls
    assert exc.cell_status == row.cls.cell_status
    assert exc.transient is row.transient
    assert exc.http_status == row.status
    assert exc.provider_code == row.code
    assert exc.retry_after_s == row.retry_after
    assert len(exc.message) <= errors.MAX_MESSAGE
    assert exc.message.startswith(f"HTTP {row.status}")


class TestFlags:
    def test_only_health_failures_count_for_the_breaker(self) -> None:
        """Exactly upstream_error, timeout and unreachable open the circuit breaker."""
        counting = {
            cls.cell_status
            for cls in vars(errors).values()
            if isinstance(cls, type) and issubclass(cls, errors.CellError) and cls.counts_for_breaker
        }
        assert counting == {"upstream_error", "timeout", "unreachable"}

    async def test_a_per_day_quota_is_not_transient_and_says_when_it_resets(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """A RESOURCE_EXHAUSTED whose QuotaFailure quotaId is per day (ai.google.dev/gemini-api/docs/
        rate-limits: daily quotas reset at midnight Pacific) is permanent until that reset, whatever
        its retryDelay says; a per-minute one stays transient."""
        import time

        provider.reply_fixture("gemini/resource_exhausted_daily.json", status=429)
        spec = spec_for(provider, "gemini", path="/v1beta")
        with pytest.raises(RateLimited) as caught:
            await complete(http_client, spec, "AIza-test-0000000000000000000", Prompt(user="q"))
        exc = caught.value
        assert exc.transient is False
        assert exc.quota_reset_at is not None and time.time() < exc.quota_reset_at <= time.time() + 86400 + 3600
        assert "daily quota" in exc.message
        provider.reply_fixture("gemini/resource_exhausted.json", status=429)
        with pytest.raises(RateLimited) as minute:
            await complete(http_client, spec, "AIza-test-0000000000000000000", Prompt(user="q"))
        assert minute.value.transient is True and minute.value.quota_reset_at is None

    def test_daily_reset_is_the_next_pacific_midnight(self) -> None:
        """2026-12-06 03:00 UTC is 19:00 PST on the 5th: the reset is 2026-12-06 08:00 UTC."""
        import datetime as dt

        now = dt.datetime(2026, 12, 6, 3, 0, tzinfo=dt.UTC).timestamp()
        assert errors.next_daily_reset(now) == dt.datetime(2026, 12, 6, 8, 0, tzinfo=dt.UTC).timestamp()

    def test_only_configuration_failures_latch_the_model(self) -> None:
        """Only auth_error and config_error latch a model until someone fixes its configuration."""
        latching = {
            cls.cell_status
            for cls in vars(errors).values()
            if isinstance(cls, type) and issubclass(cls, errors.CellError) and cls.latches_model
        }
        assert latching == {"auth_error", "config_error"}

    def test_every_cell_status_but_ok_has_exactly_one_class(self) -> None:
        """The taxonomy covers every failure status of the contract, each with one class; ok and
        truncated are answers a client returns, never raises."""
        from typing import get_args

        from shared.contracts import CellStatus

        statuses = [
            cls.cell_status
            for cls in vars(errors).values()
            if isinstance(cls, type) and issubclass(cls, errors.CellError) and "cell_status" in vars(cls)
        ]
        assert sorted(statuses) == sorted(s for s in get_args(CellStatus) if s not in ("ok", "truncated"))

    def test_malformed_is_retried_at_most_once(self) -> None:
        """Malformed is transient but allows a single retry; other classes leave it to the policy."""
        assert errors.Malformed().transient is True
        assert errors.Malformed.retry_limit == 1
        assert errors.UpstreamError.retry_limit is None


class TestRetryAfter:
    def test_http_date_is_converted_to_seconds_from_now(self) -> None:
        """Retry-After given as an HTTP-date becomes the seconds between now and that date."""
        now = 1_764_000_000.0
        import email.utils

        date = email.utils.formatdate(now + 30, usegmt=True)
        assert errors.parse_retry_after({"Retry-After": date}, now=now) == pytest.approx(30.0)

    def test_a_date_in_the_past_means_no_wait(self) -> None:
        """A Retry-After date already passed yields zero, never a negative delay."""
        assert errors.parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0

    def test_milliseconds_header_wins_over_seconds(self) -> None:
        """retry-after-ms is preferred because it is the more precise of the two."""
        assert errors.parse_retry_after({"retry-after-ms": "250", "retry-after": "1"}) == 0.25

    def test_garbage_is_ignored(self) -> None:
        """An unparsable Retry-After is treated as absent rather than raising."""
        assert errors.parse_retry_after({"retry-after": "soon"}) is None
