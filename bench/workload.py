"""The benchmark workload: per-cell latencies drawn from the real latency distributions, the
ideal makespan those draws allow, and the diagnosis requests that carry them.

Each cell's latency is drawn here, not in the simulator, and sent inside the question as a
`[latency_ms:<provider model>=N]` hint (docs/simulator.md, "Latency hints"); so the provider
limit — the makespan a perfect scheduler would reach — is computed from exactly the latencies
the simulator then serves.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass

from services.simulator.latency import lognormal_params


@dataclass(frozen=True)
class ModelProfile:
    name: str  # the catalogue name (bench/models.bench.toml)
    provider_model: str  # the model id the simulator sees
    p50_ms: float
    p90_ms: float


# deepseek, doubao, qwen and glm (zhipu): fitted to the corpus (latency_by_platform.json, 347 real
# answers). The corpus has no kimi or ernie timings: those two use the simulator's persona defaults.
PROFILES: tuple[ModelProfile, ...] = (
    ModelProfile("sim-deepseek", "deepseek-chat", 19449, 21757),
    ModelProfile("sim-doubao", "doubao-seed-1-6", 35515, 50213),
    ModelProfile("sim-qwen", "qwen-max", 13903, 26726),
    ModelProfile("sim-glm", "glm-4-plus", 7870, 17927),
    ModelProfile("sim-kimi", "moonshot-v1-8k", 12000, 24000),
    ModelProfile("sim-ernie", "ernie-4.0-8k", 9000, 20000),
)

BRAND = {"name": "欧派", "aliases": ["OPPEIN"]}
COMPETITORS = [{"name": "索菲亚", "aliases": ["SOGAL"]}, {"name": "志邦", "aliases": ["ZBOM"]}]
TOPICS = ("全屋定制品牌哪家好", "定制衣柜选哪个牌子靠谱", "{brand}的口碑怎么样", "橱柜定制推荐哪些品牌")


def draw_latencies(profiles: tuple[ModelProfile, ...], questions: int, scale: float,
                   rng: random.Random) -> dict[str, list[float]]:
    """Milliseconds per (model, question index): lognormal fitted to p50/p90, times `scale`."""
    draws: dict[str, list[float]] = {}
    for profile in profiles:
        mu, sigma = lognormal_params(profile.p50_ms, profile.p90_ms)
        draws[profile.name] = [round(rng.lognormvariate(mu, sigma) * scale, 1) for _ in range(questions)]
    return draws


def list_schedule_makespan_ms(latencies: list[float], slots: int) -> float:
    """Greedy list scheduling in submission order: each cell starts on the first free slot.

    This is what a provider that allows `slots` concurrent calls permits when cells are handed
    out in order with zero overhead: the limit brandlens is measured against.
    """
    free_at = [0.0] * slots
    heapq.heapify(free_at)
    end = 0.0
    for latency in latencies:
        start = heapq.heappop(free_at)
        finish = start + latency
        end = max(end, finish)
        heapq.heappush(free_at, finish)
    return end


def provider_limit_ms(draws: dict[str, list[float]], slots: int) -> float:
    """Models are independent providers: the run ends when the slowest model's cells do."""
    return max(list_schedule_makespan_ms(latencies, slots) for latencies in draws.values())


def hinted_question(index: int, profiles: tuple[ModelProfile, ...], draws: dict[str, list[float]]) -> str:
    topic = TOPICS[index % len(TOPICS)]
    hints = "".join(f"[latency_ms:{p.provider_model}={draws[p.name][index]:g}]" for p in profiles)
    return f"{topic} #{index + 1} {hints}"


def request(questions: list[str], models: list[str], *, samples: int = 1, deadline_s: float = 600,
            client: str = "bench") -> dict[str, object]:
    return {
        "brand": BRAND, "competitors": COMPETITORS, "questions": questions, "models": models,
        "samples": samples, "deadline_s": deadline_s, "client": client,
    }


def plain_questions(count: int, tag: str = "", latency_ms: float | None = None) -> list[str]:
    """`count` distinct questions (optionally with one latency hint for every model)."""
    hint = f" [latency_ms={latency_ms:g}]" if latency_ms is not None else ""
    return [f"{TOPICS[i % len(TOPICS)]} {tag}#{i + 1}{hint}" for i in range(count)]
