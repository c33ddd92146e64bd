"""Lanes: the (model, surface) rows of the report.

api and api+search answers are never one figure, so a model whose cells ran on both surfaces
gets a row per surface; in such a run every row is labelled "model (surface)".
"""

from __future__ import annotations

from shared.contracts import CellRecord, Surface
from shared.report.citations import SURFACE_ORDER

Lane = tuple[str, Surface]


def lanes_of(model_order: list[str], cells: list[CellRecord], primary: Surface) -> list[Lane]:
    """(model, surface) rows in model order: each surface a model's cells ran on (the request's
    surface for a model without cells)."""
    seen = {(c.spec.model, c.result.surface) for c in cells}
    lanes: list[Lane] = []
    for model in model_order:
        mine = [s for s in SURFACE_ORDER if (model, s) in seen]
        lanes += [(model, s) for s in mine or [primary]]
    return lanes


def lane_label(model: str, surface: Surface, mixed: bool) -> str:
    """The row's key: the model, with its surface when the run's cells ran on both."""
    return f"{model} ({surface})" if mixed else model
