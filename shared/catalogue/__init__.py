"""The models catalogue: which models exist, how to reach them, and what each may cost.

The catalogue is one TOML file shipped in the repo (``models.toml`` beside this module),
overridable with ``BRANDLENS_MODELS=path``. Keys never live in it: each entry names the
environment variable that holds its key (``api_key_env``), read only by the adapter.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Literal

import msgspec

from shared.contracts import Usage

Protocol = Literal["openai", "anthropic", "gemini"]
# How an entry's thinking is controlled (docs/providers.md, "Thinking"):
#   none   the model does not think; nothing is sent.
#   off    the model thinks by default and the request turns it off.
#   budget thinking is capped at `thinking_budget` tokens, on top of `max_tokens` for the answer.
#   on     thinking cannot be turned off: `max_tokens` must leave room for it (validated).
Thinking = Literal["none", "off", "budget", "on"]
# Request fields that switch thinking on OpenAI-compatible providers; there is no standard one, so
# an `off`/`budget` entry on that protocol must carry its provider's in `extra_body`:
# Zhipu and Ark {"thinking": {"type": "disabled"}}, DashScope "enable_thinking"/"thinking_budget",
# OpenAI "reasoning_effort".
OPENAI_THINKING_FIELDS = ("thinking", "enable_thinking", "thinking_budget", "reasoning_effort", "reasoning")

DEFAULT_PATH = Path(__file__).with_name("models.toml")
# Model names become NATS subject tokens and KV keys, so they are restricted to a safe alphabet.
MODEL_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")
# Tokens per call typical of the corpus' brand questions: the prior for cost estimates until
# real usage is reported (dry runs, max_cost pacing).
TYPICAL_INPUT_TOKENS = 60
TYPICAL_OUTPUT_TOKENS = 900
# A judge job (issue #12) reads a typical answer plus the judging instructions and writes a short
# JSON list of verdicts with quotes: the prior for its cost in a dry run.
JUDGE_INSTRUCTION_TOKENS = 450
JUDGE_REPLY_TOKENS = 300
_ENV_REF = re.compile(r"\$\{([A-Z0-9_]+)(?::-([^}]*))?\}")


class Price(msgspec.Struct, frozen=True, kw_only=True):
    """List price per million tokens; ``currency`` is stated because providers bill in CNY or USD.

    Optional prices default to the plain input/output price, which can only over-state a cost
    (max_cost is a promise: an unknown discount must never make a run look cheaper than it is).
    """

    input_per_mtok: float
    output_per_mtok: float
    currency: str = "USD"
    # Input read from the provider's prompt cache (DeepSeek cache hit, OpenAI cached_tokens,
    # Anthropic cache_read_input_tokens, Gemini cachedContentTokenCount).
    cached_input_per_mtok: float | None = None
    # Input written to the cache (Anthropic cache_creation_input_tokens, 1.25x input).
    cache_write_per_mtok: float | None = None
    # Reasoning tokens, when a provider prices them apart from the answer.
    reasoning_per_mtok: float | None = None
    # A fee per call on top of tokens (Perplexity's per-request search fee).
    per_request: float = 0.0
    # A fee per web search the engine ran for the answer (Kimi's $web_search ¥0.03, Anthropic's
    # web_search $10 / 1,000, Perplexity's search requests); counted from Usage.search_calls.
    per_search: float = 0.0

    def cost(self, usage: Usage) -> float | None:
        """What ``usage`` costs at this price, or None when the provider reported no token counts.

        ``usage`` follows shared.contracts.Usage: cached and cache-write tokens are parts of
        ``input_tokens``, reasoning tokens a part of ``output_tokens``.
        """
        if usage.input_tokens is None or usage.output_tokens is None:
            return None
        cached = usage.cached_input_tokens or 0
        written = usage.cache_write_tokens or 0
        reasoning = usage.reasoning_tokens or 0
        fresh = max(0, usage.input_tokens - cached - written)
        answer = max(0, usage.output_tokens - reasoning)
        micro = (
            fresh * self.input_per_mtok
            + cached * _or(self.cached_input_per_mtok, self.input_per_mtok)
            + written * _or(self.cache_write_per_mtok, self.input_per_mtok)
            + answer * self.output_per_mtok
            + reasoning * _or(self.reasoning_per_mtok, self.output_per_mtok)
        )
        searches = usage.search_calls or 0
        return round(micro / 1e6 + self.per_request + searches * self.per_search, 10)


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


class ModelSpec(msgspec.Struct, frozen=True, kw_only=True):
    """One catalogue entry: everything an adapter needs to call one model."""

    name: str
    protocol: Protocol
    base_url: str
    model: str
    provider: str = ""
    api_key_env: str = ""
    concurrency: Annotated[int, msgspec.Meta(ge=1)] = 8
    timeout_s: float = 180.0
    # Typical seconds per answer (p50, p90) before any call is observed: time estimates and the
    # deadline check (shared/estimate.py). Unset: unknown until the adapter has answered a few calls.
    latency_p50_s: Annotated[float, msgspec.Meta(gt=0)] | None = None
    latency_p90_s: Annotated[float, msgspec.Meta(gt=0)] | None = None
    # Requests per minute (token bucket); 0 means no limit beyond `concurrency`.
    rpm: Annotated[int, msgspec.Meta(ge=0)] = 0
    stream: bool = False
    max_tokens: int = 2048
    temperature: float | None = None
    # Extra headers a provider needs (e.g. `anthropic-version`); never secrets.
    headers: dict[str, str] = {}
    # Extra request body fields (e.g. Ark/Perplexity search options), merged key by key into the
    # body the client builds: {"generationConfig": {"thinkingConfig": ...}} keeps maxOutputTokens.
    extra_body: dict[str, object] = {}
    # Thinking control (see `Thinking` above) and what it is expected to cost per call.
    thinking: Thinking = "none"
    thinking_budget: Annotated[int, msgspec.Meta(ge=0)] | None = None
    # Reasoning tokens a typical brand question costs, for estimates before any call (dry runs,
    # max_cost pacing). Defaults: 0 for none/off, the budget for budget; required for "on".
    expected_reasoning_tokens: Annotated[int, msgspec.Meta(ge=0)] | None = None
    # False for providers whose usage reports reasoning tokens beside completion_tokens rather
    # than inside it (xAI): the client then adds them, so Usage.output_tokens is always all output.
    reasoning_in_output: bool = True
    price: Price | None = None
    # How this engine turns web search on and returns its citations (issue #18): the name of a
    # dialect in shared/providers/search/ ("openai-responses", "anthropic-web-search",
    # "gemini-google-search", "perplexity", "ark-responses", "dashscope-native", "glm-web-search",
    # "kimi-builtin", "qianfan-web-search", "hunyuan"); None: the provider has no server-side
    # search, and a request with "search": true naming this model is rejected.
    search: str | None = None
    # Where the search dialect sends its calls when that is not ``base_url`` (DashScope's native
    # generation API sits beside its OpenAI-compatible mode, which returns no sources).
    search_base_url: str | None = None
    # Web searches a typical search-on answer runs, for the dry run and max_cost before any call.
    expected_searches: Annotated[int, msgspec.Meta(ge=0)] = 1
    simulated: bool = False
    # Resilience (docs/resilience.md). Defaults suit hosted LLM APIs; tests shrink them for speed.
    # HTTP attempts per cell for transient failures, all within the cell's deadline.
    max_attempts: Annotated[int, msgspec.Meta(ge=1, le=20)] = 4
    # Capped exponential backoff with full jitter: attempt n waits U(0, min(max, base * 2^(n-1))).
    retry_base_s: Annotated[float, msgspec.Meta(ge=0)] = 1.0
    retry_max_s: Annotated[float, msgspec.Meta(ge=0)] = 30.0
    # A Retry-After longer than this ends the cell now (a quota reset hours away is not worth a wait).
    max_retry_after_s: Annotated[float, msgspec.Meta(ge=0)] = 60.0
    # The breaker opens when, within `breaker_window_s`, at least `breaker_min_failures` calls failed
    # (upstream_error, timeout, unreachable) and they were at least `breaker_failure_ratio` of all.
    breaker_window_s: Annotated[float, msgspec.Meta(gt=0)] = 60.0
    breaker_min_failures: Annotated[int, msgspec.Meta(ge=1)] = 5
    breaker_failure_ratio: Annotated[float, msgspec.Meta(gt=0, le=1)] = 0.5
    # Open for this long before one probe goes; each failed probe doubles it, up to the max.
    breaker_cooldown_s: Annotated[float, msgspec.Meta(gt=0)] = 10.0
    breaker_max_cooldown_s: Annotated[float, msgspec.Meta(gt=0)] = 120.0
    # `brandlens up` starts an adapter for this model when its key is present (local servers
    # such as Ollama opt out: no key says nothing about whether the server is running).
    autostart: bool = True
    description: str = ""

    @property
    def reasoning_estimate(self) -> int:
        """Reasoning tokens expected per call (see ``expected_reasoning_tokens``)."""
        if self.expected_reasoning_tokens is not None:
            return self.expected_reasoning_tokens
        if self.thinking == "budget":
            return self.thinking_budget or 0
        return 0

    @property
    def output_cap(self) -> int:
        """Output tokens one call may bill at most: the answer's cap plus a thinking budget."""
        return self.max_tokens + (self.thinking_budget or 0 if self.thinking == "budget" else 0)

    def estimated_cell_cost(self, search: bool = False) -> float | None:
        """Expected cost of one call before any is made (typical brand question and answer plus
        the entry's expected reasoning, and with ``search`` its expected per-search fees), or None
        when the entry has no price."""
        if self.price is None:
            return None
        reasoning = self.reasoning_estimate
        return self.price.cost(Usage(
            input_tokens=TYPICAL_INPUT_TOKENS, output_tokens=TYPICAL_OUTPUT_TOKENS + reasoning,
            reasoning_tokens=reasoning, search_calls=self.expected_searches if search else None,
        ))

    def estimated_judge_cost(self) -> float | None:
        """Expected cost of one judge job (answer + instructions in, verdict JSON out), or None
        when the entry has no price."""
        if self.price is None:
            return None
        reasoning = self.reasoning_estimate
        return self.price.cost(Usage(
            input_tokens=TYPICAL_OUTPUT_TOKENS + JUDGE_INSTRUCTION_TOKENS,
            output_tokens=JUDGE_REPLY_TOKENS + reasoning, reasoning_tokens=reasoning,
        ))

    def api_key(self, environ: dict[str, str] | None = None) -> str | None:
        """The key from the environment, or None when the entry needs none or it is missing."""
        if not self.api_key_env:
            return None
        value = (environ if environ is not None else os.environ).get(self.api_key_env, "")
        return value or None

    def missing_env(self, environ: dict[str, str] | None = None) -> str | None:
        """The env var that must be set before this model can run, or None when it is usable."""
        if self.api_key_env and self.api_key(environ) is None:
            return self.api_key_env
        return None


class CatalogueError(ValueError):
    """The catalogue file is unusable; the message names the entry and field."""


class Catalogue(msgspec.Struct, frozen=True):
    models: dict[str, ModelSpec]
    source: str = ""

    def get(self, name: str) -> ModelSpec | None:
        return self.models.get(name)

    def names(self) -> list[str]:
        return sorted(self.models)


def _expand(value: str, environ: dict[str, str]) -> str:
    # `${VAR:-default}` lets the shipped file point simulated models at whatever port `up` chose.
    return _ENV_REF.sub(lambda m: environ.get(m.group(1)) or (m.group(2) or ""), value)


def load_catalogue(path: str | Path | None = None, environ: dict[str, str] | None = None) -> Catalogue:
    env = dict(os.environ if environ is None else environ)
    chosen = Path(path or env.get("BRANDLENS_MODELS") or DEFAULT_PATH)
    try:
        raw = tomllib.loads(chosen.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CatalogueError(f"models catalogue {chosen} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"models catalogue {chosen} is not valid TOML: {exc}") from exc
    entries = raw.get("models", {})
    if not isinstance(entries, dict) or not entries:
        raise CatalogueError(f"models catalogue {chosen} has no [models.<name>] tables")
    models: dict[str, ModelSpec] = {}
    for name, fields in entries.items():
        if not MODEL_NAME.match(name):
            raise CatalogueError(f"models.{name}: name must match {MODEL_NAME.pattern}")
        if not isinstance(fields, dict):
            raise CatalogueError(f"models.{name}: must be a table")
        fields = {k: _expand(v, env) if isinstance(v, str) else v for k, v in fields.items()}
        try:
            models[name] = msgspec.convert({"name": name, **fields}, ModelSpec)
        except msgspec.ValidationError as exc:
            raise CatalogueError(f"models.{name}: {exc}") from exc
        problem = thinking_problem(models[name])
        if problem:
            raise CatalogueError(f"models.{name}: {problem}")
    return Catalogue(models=models, source=str(chosen))


def thinking_problem(spec: ModelSpec) -> str | None:
    """Why ``spec``'s thinking settings cannot work as written, naming the field; None when they can."""
    if spec.thinking == "budget" and not spec.thinking_budget:
        return "thinking = \"budget\" needs thinking_budget > 0 (tokens of reasoning allowed per call)"
    if spec.thinking != "budget" and spec.thinking_budget is not None:
        return f"thinking_budget is only used with thinking = \"budget\" (this entry has {spec.thinking!r})"
    if spec.thinking == "on":
        if spec.expected_reasoning_tokens is None:
            return "thinking = \"on\" needs expected_reasoning_tokens (for estimates and max_tokens sizing)"
        needed = spec.expected_reasoning_tokens + TYPICAL_OUTPUT_TOKENS
        if spec.max_tokens < needed:
            return (f"max_tokens: {spec.max_tokens} leaves no room for an answer after thinking; with "
                    f"expected_reasoning_tokens = {spec.expected_reasoning_tokens} it must be at least {needed}")
        if spec.protocol == "anthropic":
            return "thinking = \"on\" is not possible on Anthropic (thinking needs a budget): use \"budget\""
    if spec.protocol == "openai" and spec.thinking in ("off", "budget"):
        if not any(key in spec.extra_body for key in OPENAI_THINKING_FIELDS):
            return (f"thinking = {spec.thinking!r} on an OpenAI-compatible provider needs the provider's switch "
                    f"in extra_body (one of {', '.join(OPENAI_THINKING_FIELDS)})")
    return None
