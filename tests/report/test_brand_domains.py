"""A brand's optional ``domains`` (issue #18): the sites the report's taxonomy calls its own.

Bad values are a 400 naming the field and the reason; good ones pass validation unchanged.
"""

from __future__ import annotations

import json

import pytest

from shared.catalogue import load_catalogue
from shared.config import load_settings
from shared.validation import RequestInvalid, decode_request, validate_request

SETTINGS = load_settings({})
CATALOGUE = load_catalogue(environ={})


def validated(brand: dict[str, object], competitors: list[dict[str, object]] | None = None) -> None:
    body = {"brand": brand, "competitors": competitors or [], "questions": ["全屋定制品牌哪家好"],
            "models": ["deepseek-chat"]}
    req = decode_request(json.dumps(body).encode(), SETTINGS)
    validate_request(req, SETTINGS, CATALOGUE)


class TestBrandDomains:
    def test_host_names_are_accepted(self) -> None:
        """Bare host names, for the brand and its competitors, pass validation."""
        validated({"name": "欧派", "domains": ["oppein.com", "www.oppein.cn"]},
                  [{"name": "索菲亚", "domains": ["sogal.com"]}])

    @pytest.mark.parametrize("bad", ["https://oppein.com", "oppein.com/about", "oppein", "oppein.com:443", ""])
    def test_a_url_or_non_host_is_rejected_naming_the_field(self, bad: str) -> None:
        """A scheme, path, port or a dot-less word is a 400 on brand.domains[i], saying what is expected."""
        with pytest.raises(RequestInvalid) as caught:
            validated({"name": "欧派", "domains": ["oppein.com", bad]})
        fields = {f.field: f.reason for f in caught.value.fields}
        assert "brand.domains[1]" in fields and "host name" in fields["brand.domains[1]"]

    def test_a_competitor_domain_is_named_by_its_index(self) -> None:
        """The error names the competitor's index, never just "domains"."""
        with pytest.raises(RequestInvalid) as caught:
            validated({"name": "欧派"}, [{"name": "索菲亚"}, {"name": "志邦", "domains": ["http://zbom.com"]}])
        assert "competitors[1].domains[0]" in {f.field for f in caught.value.fields}
