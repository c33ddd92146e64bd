"""The run's spend (``CostSummary``): per model and currency, and in total per currency.

A cell that reported no cost is counted as unpriced and never guessed: the amounts it would
have added are missing, so every line with unpriced cells says its amount is a lower bound.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from shared.report.types import CostLine, CostSummary

NO_COST = "no cell reported a cost"


@dataclass(slots=True)
class CostTally:
    costs: dict[tuple[str, str | None], float] = field(default_factory=dict)
    priced: Counter[tuple[str, str | None]] = field(default_factory=Counter)
    unpriced: Counter[str] = field(default_factory=Counter)

    def add(self, model: str, cost: float | None, currency: str | None) -> None:
        if cost is None:
            self.unpriced[model] += 1
            return
        key = (model, currency)
        self.costs[key] = self.costs.get(key, 0.0) + cost
        self.priced[key] += 1

    def finish(self, model_order: list[str]) -> CostSummary:
        by_model: list[CostLine] = []
        totals: dict[str | None, float] = {}
        priced_totals: Counter[str | None] = Counter()
        for model in model_order:
            unpriced = self.unpriced.get(model, 0)
            lines = [(currency, amount) for (m, currency), amount in self.costs.items() if m == model]
            if not lines:
                if unpriced:
                    by_model.append(CostLine(model=model, unpriced_cells=unpriced, reason=NO_COST))
                continue
            for currency, amount in sorted(lines, key=lambda line: line[0] or ""):
                priced = self.priced[(model, currency)]
                totals[currency] = totals.get(currency, 0.0) + amount
                priced_totals[currency] += priced
                by_model.append(
                    CostLine(
                        model=model,
                        amount=amount,
                        currency=currency,
                        priced_cells=priced,
                        unpriced_cells=unpriced,
                        reason=_unpriced_reason(unpriced),
                    )
                )
        unpriced_all = sum(self.unpriced.values())
        if not totals:
            total = [CostLine(unpriced_cells=unpriced_all, reason=NO_COST)]
        else:
            total = [
                CostLine(
                    amount=amount,
                    currency=currency,
                    priced_cells=priced_totals[currency],
                    unpriced_cells=unpriced_all,
                    reason=_unpriced_reason(unpriced_all),
                )
                for currency, amount in sorted(totals.items(), key=lambda item: item[0] or "")
            ]
        return CostSummary(by_model=by_model, total=total)


def _unpriced_reason(unpriced: int) -> str | None:
    if unpriced == 0:
        return None
    return f"{unpriced} cell(s) reported no cost and are not included: the amount is a lower bound"
