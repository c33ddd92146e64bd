"""Fault rules per model id: installed from the config file or the control API, drawn per request."""

from __future__ import annotations

import itertools
import random

import msgspec

from services.simulator.config import FaultSpec

_BURST_DEFAULT_COUNT = 3


class _Rule:
    __slots__ = ("id", "remaining", "spec")

    def __init__(self, rule_id: int, spec: FaultSpec) -> None:
        self.id = rule_id
        self.spec = spec
        if spec.count is None and spec.mode == "burst":
            self.remaining: int | None = _BURST_DEFAULT_COUNT
        else:
            self.remaining = spec.count


class FaultRegistry:
    def __init__(self, seed: int = 0) -> None:
        self._rules: list[_Rule] = []
        self._ids = itertools.count(1)
        self._rng = random.Random(seed)

    def add(self, spec: FaultSpec) -> int:
        rule = _Rule(next(self._ids), spec)
        self._rules.append(rule)
        return rule.id

    def clear(self, model: str | None = None) -> int:
        before = len(self._rules)
        self._rules = [] if model is None else [r for r in self._rules if r.spec.model != model]
        return before - len(self._rules)

    def draw(self, model: str) -> FaultSpec | None:
        """The fault this request gets, if any; consumes one application of a counted rule.

        Rules are tried in installation order; a rule that does not fire (rate) lets later ones try.
        """
        if not self._rules:
            return None
        for rule in self._rules:
            spec = rule.spec
            if spec.model != "*" and spec.model != model:
                continue
            if spec.rate < 1.0 and self._rng.random() >= spec.rate:
                continue
            if rule.remaining is not None:
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._rules.remove(rule)
            return spec
        return None

    def snapshot(self) -> list[dict[str, object]]:
        rows = []
        for rule in self._rules:
            row = msgspec.to_builtins(rule.spec)
            row["id"] = rule.id
            row["remaining"] = rule.remaining
            rows.append(row)
        return rows
