"""The shipped catalogue: real providers are conservative and keyed, simulated ones keyless."""

from __future__ import annotations

from typing import Any, ClassVar

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


class TestThinkingControl:
    """Thinking-by-default models share the output cap with their reasoning: each entry says how."""

    THINKING_BY_DEFAULT: ClassVar[dict[str, str]] = {"gemini": "budget", "glm": "off", "doubao": "off", "grok": "on",
                           "deepseek-reasoner": "on", "sim-gemini": "budget", "sim-glm": "off",
                           "sim-doubao": "off"}

    def test_thinking_by_default_models_declare_their_control(self) -> None:
        """gemini-2.5-flash, glm-4.6, doubao-seed-1-6, grok-4 and deepseek-reasoner each name theirs."""
        assert {n: CATALOGUE.models[n].thinking for n in self.THINKING_BY_DEFAULT} == self.THINKING_BY_DEFAULT

    def test_on_entries_have_room_for_an_answer_and_the_estimate_counts_reasoning(self) -> None:
        """A model that cannot stop thinking gets a cap above its expected reasoning plus an answer,
        and its dry-run estimate includes the expected reasoning tokens."""
        from shared.catalogue import TYPICAL_INPUT_TOKENS, TYPICAL_OUTPUT_TOKENS

        grok = CATALOGUE.models["grok"]
        assert grok.max_tokens >= grok.reasoning_estimate + TYPICAL_OUTPUT_TOKENS
        assert grok.price is not None
        want = (TYPICAL_INPUT_TOKENS * 3.0 + (TYPICAL_OUTPUT_TOKENS + 2500) * 15.0) / 1e6
        assert grok.estimated_cell_cost() == pytest.approx(want)

    @pytest.mark.parametrize(("fields", "needle"), [
        ({"thinking": "budget"}, "thinking_budget > 0"),
        ({"thinking": "on"}, "expected_reasoning_tokens"),
        ({"thinking": "on", "expected_reasoning_tokens": 4000, "max_tokens": 2048}, "max_tokens: 2048"),
        ({"thinking": "off"}, "extra_body"),
        ({"thinking_budget": 512}, "only used with"),
    ])
    def test_unworkable_settings_are_rejected_naming_the_field(self, tmp_path: Any, fields: dict[str, Any],
                                                               needle: str) -> None:
        """A catalogue whose thinking settings cannot work fails to load, saying which field and why."""
        from shared.catalogue import CatalogueError

        lines = ['[models.x]', 'protocol = "openai"', 'base_url = "https://example.invalid/v1"', 'model = "m"']
        lines += [f"{k} = {v!r}".replace("'", '"') for k, v in fields.items()]
        path = tmp_path / "models.toml"
        path.write_text("\n".join(lines) + "\n")
        with pytest.raises(CatalogueError, match=r"models\.x") as caught:
            load_catalogue(path, environ={})
        assert needle in str(caught.value)


def test_the_providers_doc_table_matches_every_entry() -> None:
    """docs/providers.md's per-entry table names each entry once, with its thinking control and
    its output cap exactly as the catalogue sets them."""
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "providers.md").read_text(encoding="utf-8")
    section = doc.split("## Thinking, caps and prices per entry", 1)[1].split("\n## ", 1)[0]
    seen: dict[str, tuple[str, str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or not cells[0].startswith("`"):
            continue
        for name in cells[0].replace("`", "").split(","):
            seen[name.strip()] = (cells[1], cells[2])
    assert set(seen) == set(CATALOGUE.names())
    for name, (thinking, cap) in seen.items():
        spec = CATALOGUE.models[name]
        assert thinking.split()[0].rstrip(",") == spec.thinking, name
        budget = f" + {spec.thinking_budget}" if spec.thinking == "budget" else ""
        assert cap == f"{spec.max_tokens}{budget}", name
