"""The shipped catalogue: real providers are conservative and keyed, simulated ones keyless."""

from __future__ import annotations

import pytest

from shared.catalogue import ModelSpec, load_catalogue
from shared.providers import CLIENTS

CATALOGUE = load_catalogue(environ={})
REAL = [spec for spec in CATALOGUE.models.values() if not spec.simulated]
SIMULATED = [spec for spec in CATALOGUE.models.values() if spec.simulated]


def test_every_protocol_in_the_catalogue_has_a_client() -> None:
    """Each entry's protocol is one complete() can dispatch."""
    assert {spec.protocol for spec in CATALOGUE.models.values()} <= set(CLIENTS)


def test_the_expected_providers_are_present() -> None:
    """The catalogue lists every provider brandlens promises, real and simulated."""
    expected = {
        "deepseek-chat", "deepseek-reasoner", "qwen", "doubao", "kimi", "glm", "ernie", "hunyuan",
        "gpt", "claude", "gemini", "perplexity", "grok", "ollama",
        "sim-deepseek", "sim-qwen", "sim-doubao", "sim-claude", "sim-gemini", "sim-kimi", "sim-glm",
    }  # fmt: skip
    assert expected <= set(CATALOGUE.names())


@pytest.mark.parametrize("spec", REAL, ids=lambda s: s.name)
def test_real_entries_are_conservative_and_priced(spec: ModelSpec) -> None:
    """Real providers: 180 s timeout, concurrency 2–8, https (but local Ollama), a list price."""
    assert spec.timeout_s == 180
    assert 2 <= spec.concurrency <= 8
    assert spec.price is not None and spec.price.currency in ("CNY", "USD")
    if spec.provider == "ollama":
        assert spec.base_url == "http://127.0.0.1:11434/v1"
        assert not spec.api_key_env and spec.autostart is False
    else:
        assert spec.base_url.startswith("https://")
        assert spec.api_key_env.endswith("_API_KEY")
    assert "key=" not in spec.base_url


@pytest.mark.parametrize("spec", SIMULATED, ids=lambda s: s.name)
def test_simulated_entries_need_no_key(spec: ModelSpec) -> None:
    """Simulated entries name no key variable and point at the local simulator by default."""
    assert spec.api_key_env == "" and spec.missing_env({}) is None
    assert spec.base_url.startswith("http://127.0.0.1:8770")


def test_only_the_three_demo_simulators_autostart() -> None:
    """The demo autostarts sim-deepseek, sim-qwen and sim-doubao; the other simulators opt in."""
    assert {spec.name for spec in SIMULATED if spec.autostart} == {"sim-deepseek", "sim-qwen", "sim-doubao"}


def test_simulator_url_is_taken_from_the_environment() -> None:
    """BRANDLENS_SIMULATOR_URL moves every simulated entry, keeping each protocol's path."""
    moved = load_catalogue(environ={"BRANDLENS_SIMULATOR_URL": "http://127.0.0.1:9999"})
    assert moved.models["sim-claude"].base_url == "http://127.0.0.1:9999"
    assert moved.models["sim-gemini"].base_url == "http://127.0.0.1:9999/v1beta"
    assert moved.models["sim-kimi"].base_url == "http://127.0.0.1:9999/v1"
