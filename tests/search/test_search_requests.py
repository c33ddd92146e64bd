"""A search run asks every model with search on, or is rejected; search fees are priced and estimated."""

from __future__ import annotations

import json

import msgspec
import pytest

from shared.catalogue import Price, load_catalogue
from shared.config import load_settings
from shared.contracts import Usage
from shared.validation import RequestInvalid, decode_request, validate_request

SETTINGS = load_settings({})
CATALOGUE = load_catalogue(environ={})


def request(models: list[str], search: bool) -> bytes:
    return json.dumps({
        "brand": {"name": "欧派"}, "questions": ["全屋定制品牌哪家好"], "models": models, "search": search,
    }).encode()


class TestSearchValidation:
    def test_model_without_search_is_rejected_naming_its_index(self) -> None:
        """"search": true with a model whose provider has no server-side search (DeepSeek) is a 400
        naming models[i], never a run silently made without search."""
        no_search = [name for name, spec in CATALOGUE.models.items() if spec.search is None]
        assert "deepseek-chat" in no_search
        req = decode_request(request(["deepseek-chat"], search=True), SETTINGS)
        with pytest.raises(RequestInvalid) as caught:
            validate_request(req, SETTINGS, CATALOGUE)
        fields = {f.field: f.reason for f in caught.value.fields}
        assert "models[0]" in fields and "web search" in fields["models[0]"]

    def test_the_same_model_is_accepted_without_search(self) -> None:
        """Without "search" the model is fine: the rejection is about search, not the model."""
        req = decode_request(request(["deepseek-chat"], search=False), SETTINGS)
        assert validate_request(req, SETTINGS, CATALOGUE)

    def test_every_search_dialect_in_the_catalogue_has_a_client(self) -> None:
        """A catalogue `search` value names a registered dialect: a typo cannot reach an adapter."""
        from shared.providers.search import DIALECTS

        named = {spec.search for spec in CATALOGUE.models.values() if spec.search is not None}
        assert named <= set(DIALECTS), named - set(DIALECTS)


class TestSearchFees:
    def test_per_search_fee_is_added_per_search_call(self) -> None:
        """Price.cost adds per_search × Usage.search_calls on top of tokens (Kimi ¥0.03 per search)."""
        price = Price(input_per_mtok=4.0, output_per_mtok=16.0, currency="CNY", per_search=0.03)
        tokens = Usage(input_tokens=1_000_000, output_tokens=0)
        assert price.cost(tokens) == pytest.approx(4.0)
        assert price.cost(msgspec.structs.replace(tokens, search_calls=3)) == pytest.approx(4.09)

    def test_estimate_includes_expected_searches_only_for_search_runs(self) -> None:
        """The dry run and max_cost pacing price a search cell with the entry's expected searches."""
        spec = next(iter(CATALOGUE.models.values()))
        priced = msgspec.structs.replace(
            spec, price=Price(input_per_mtok=1.0, output_per_mtok=1.0, per_search=0.01), expected_searches=2)
        plain, searched = priced.estimated_cell_cost(), priced.estimated_cell_cost(search=True)
        assert plain is not None and searched is not None
        assert searched - plain == pytest.approx(0.02)
