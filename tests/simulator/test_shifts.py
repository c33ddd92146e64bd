"""Visibility shifts: from their start, a shifted brand leaves the recommended options (issue #17).

Real HTTP to the session's simulator process; the shift is installed and removed over the control API.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.simulator.conftest import chat_text

QUESTION = "全屋定制品牌哪家好"


@pytest.fixture
def clean(http: httpx.Client) -> Iterator[httpx.Client]:
    http.delete("/_sim/shifts").raise_for_status()
    yield http
    http.delete("/_sim/shifts").raise_for_status()


def test_shift_removes_the_brand_from_then_on(clean: httpx.Client) -> None:
    """remove_rate 1: no seeded answer names the brand; before the shift (and after DELETE) they do."""
    seeds = range(1, 9)
    before = [chat_text(clean, "deepseek-chat", QUESTION, seed=s) for s in seeds]
    assert any("志邦" in t for t in before)
    clean.post("/_sim/shifts", json={"brand": "志邦", "remove_rate": 1.0}).raise_for_status()
    assert clean.get("/_sim/shifts").json()[0]["brand"] == "志邦"
    after = [chat_text(clean, "deepseek-chat", QUESTION, seed=s) for s in seeds]
    assert not any("志邦" in t for t in after)
    clean.delete("/_sim/shifts").raise_for_status()
    assert [chat_text(clean, "deepseek-chat", QUESTION, seed=s) for s in seeds] == before


def test_shift_waits_for_its_start_and_its_model(clean: httpx.Client) -> None:
    """A shift starting in the future, or for another model, changes nothing yet."""
    text = chat_text(clean, "deepseek-chat", QUESTION, seed=3)
    clean.post("/_sim/shifts", json={"brand": "志邦", "start_at": time.time() + 3600}).raise_for_status()
    clean.post("/_sim/shifts", json={"brand": "志邦", "model": "qwen-max"}).raise_for_status()
    assert chat_text(clean, "deepseek-chat", QUESTION, seed=3) == text


@pytest.mark.parametrize(("body", "field"), [({"brand": "X", "remove_rate": 2}, "remove_rate"),
                                            ({"remove_rate": 0.5}, "brand")])
def test_bad_shift_is_rejected_naming_the_field(clean: httpx.Client, body: dict[str, object], field: str) -> None:
    """A bad shift gets 400 with the field in the error."""
    response = clean.post("/_sim/shifts", json=body)
    assert response.status_code == 400 and field in response.json()["error"]
