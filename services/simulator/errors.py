"""Error bodies exactly as each provider documents them, so adapters classify by status and code.

Each builder returns (status, body, headers). A fault may override the code, the message or the
whole body.
"""

from __future__ import annotations

import math

OPENAI_STATUS_FOR_CODE = {
    "invalid_api_key": 401,
    "model_not_found": 404,
    "context_length_exceeded": 400,
    "insufficient_quota": 429,
    "rate_limit_exceeded": 429,
    "server_error": 500,
}

_OPENAI_DEFAULTS: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", None, "Invalid request."),
    401: ("invalid_request_error", "invalid_api_key",
          "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys."),
    403: ("invalid_request_error", "unsupported_country_region_territory",
          "Country, region, or territory not supported"),
    404: ("invalid_request_error", "model_not_found",
          "The model `{model}` does not exist or you do not have access to it."),
    429: ("requests", "rate_limit_exceeded",
          "Rate limit reached for {model} on requests per min (RPM): Limit 60, Used 60, Requested 1."),
    500: ("server_error", None, "The server had an error while processing your request. Sorry about that!"),
    502: ("server_error", None, "Bad gateway."),
    503: ("server_error", None, "The engine is currently overloaded, please try again later."),
    504: ("server_error", None, "Gateway timeout."),
}

_OPENAI_CODE_DEFAULTS: dict[str, tuple[str, str | None, str]] = {
    "context_length_exceeded": ("invalid_request_error", "messages",
                                "This model's maximum context length is 65536 tokens. However, your messages "
                                "resulted in 70013 tokens. Please reduce the length of the messages."),
    "insufficient_quota": ("insufficient_quota", None,
                           "You exceeded your current quota, please check your plan and billing details."),
    "model_not_found": ("invalid_request_error", None,
                        "The model `{model}` does not exist or you do not have access to it."),
    "invalid_api_key": ("invalid_request_error", None, _OPENAI_DEFAULTS[401][2]),
}

Built = tuple[int, object, dict[str, str]]


def openai_error(status: int | None, code: str | None, message: str | None, model: str) -> Built:
    if status is None:
        status = OPENAI_STATUS_FOR_CODE.get(code or "", 500)
    err_type, default_code, default_message = _OPENAI_DEFAULTS.get(
        status, ("server_error" if status >= 500 else "invalid_request_error", None, "Request failed."))
    param: str | None = None
    if code in _OPENAI_CODE_DEFAULTS:
        err_type, param, default_message = _OPENAI_CODE_DEFAULTS[code]
    body = {"error": {
        "message": (message or default_message).replace("{model}", model),
        "type": err_type,
        "param": param,
        "code": code if code is not None else default_code,
    }}
    return status, body, {}


def openai_missing_key() -> Built:
    return 401, {"error": {
        "message": "You didn't provide an API key. You need to provide your API key in an Authorization header "
                   "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        "type": "invalid_request_error", "param": None, "code": None,
    }}, {}


ANTHROPIC_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}
_ANTHROPIC_MESSAGES = {
    "invalid_request_error": "Invalid request.",
    "authentication_error": "invalid x-api-key",
    "billing_error": "Your credit balance is too low to access the Anthropic API.",
    "permission_error": "Your API key does not have permission to use the specified resource.",
    "not_found_error": "model: {model}",
    "request_too_large": "Request exceeds the maximum allowed number of bytes.",
    "rate_limit_error": "This request would exceed the rate limit for your organization. Please retry later.",
    "api_error": "Internal server error",
    "timeout_error": "Request timed out.",
    "overloaded_error": "Overloaded",
}
_ANTHROPIC_STATUS_FOR_TYPE = {value: key for key, value in ANTHROPIC_TYPES.items()}


def anthropic_error(status: int | None, code: str | None, message: str | None, model: str,
                    request_id: str) -> Built:
    if status is None:
        status = _ANTHROPIC_STATUS_FOR_TYPE.get(code or "", 500)
    err_type = code or ANTHROPIC_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
    text = message or _ANTHROPIC_MESSAGES.get(err_type, "Request failed.")
    body = {"type": "error", "error": {"type": err_type, "message": text.replace("{model}", model)},
            "request_id": request_id}
    return status, body, {}


GEMINI_STATUSES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_GEMINI_MESSAGES = {
    "INVALID_ARGUMENT": "Request contains an invalid argument.",
    "UNAUTHENTICATED": "Request is missing required authentication credential. Expected OAuth 2 access token, "
                       "API key, or other valid authentication credential.",
    "PERMISSION_DENIED": "The caller does not have permission",
    "NOT_FOUND": "models/{model} is not found for API version v1beta, or is not supported for generateContent.",
    "RESOURCE_EXHAUSTED": "Resource has been exhausted (e.g. check quota).",
    "INTERNAL": "An internal error has occurred. Please retry or report in "
                "https://developers.generativeai.google/guide/troubleshooting",
    "UNAVAILABLE": "The model is overloaded. Please try again later.",
    "DEADLINE_EXCEEDED": "Deadline expired before operation could complete.",
}
_GEMINI_STATUS_FOR_NAME = {value: key for key, value in GEMINI_STATUSES.items()}


def gemini_error(status: int | None, code: str | None, message: str | None, model: str,
                 details: list[object] | None = None) -> Built:
    if status is None:
        status = _GEMINI_STATUS_FOR_NAME.get(code or "", 500)
    name = code or GEMINI_STATUSES.get(status, "INTERNAL" if status >= 500 else "INVALID_ARGUMENT")
    text = message or _GEMINI_MESSAGES.get(name, "Request failed.")
    error: dict[str, object] = {"code": status, "message": text.replace("{model}", model), "status": name}
    if details:
        error["details"] = details
    return status, {"error": error}, {}


def gemini_invalid_key() -> Built:
    return gemini_error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", "", [{
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "API_KEY_INVALID",
        "domain": "googleapis.com",
        "metadata": {"service": "generativelanguage.googleapis.com"},
    }])


def retry_headers(retry_after_s: float, retry_after_ms: int | None) -> dict[str, str]:
    millis = retry_after_ms if retry_after_ms is not None else round(retry_after_s * 1000)
    return {"Retry-After": str(max(0, math.ceil(millis / 1000))), "retry-after-ms": str(millis)}
