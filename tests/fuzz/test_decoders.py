"""Bad input never crashes anything: every decoder either returns a typed value or raises the one
error its caller turns into a structured rejection."""

from __future__ import annotations

import json
import random
import string
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.catalogue import load_catalogue
from shared.config import load_settings
from shared.contracts import (
    cell_decoder,
    event_decoder,
    health_decoder,
    job_decoder,
    result_decoder,
    run_decoder,
)
from shared.validation import RequestInvalid, decode_request, validate_request

SETTINGS = load_settings({})
CATALOGUE = load_catalogue(environ={})
VALID = {
    "request_id": "abc", "brand": {"name": "欧派", "aliases": ["OPPEIN"]},
    "competitors": [{"name": "索菲亚", "aliases": []}], "questions": ["全屋定制品牌哪家好", "{brand}的口碑怎么样"],
    "models": ["sim-deepseek", "sim-qwen"], "samples": 1, "deadline_s": 900,
}
BUS_DECODERS: list[msgspec.json.Decoder[Any]] = [
    job_decoder, result_decoder, event_decoder, health_decoder, run_decoder, cell_decoder]
NASTY = ["{brand}", "{brandName}", "${x}", "%(a)s", "\x00", "\u202e", "\ud7ff", "..", "/", ">", "*", "\n",
         "<script>", "'", '"', "\\", "好" * 600, "", " ", "9" * 40, "-1", "1e309", "null", "[]", "{}"]


def accept_or_reject(data: bytes) -> None:
    """The dispatcher's whole decision; anything but RequestInvalid escaping is a bug."""
    try:
        request = decode_request(data, SETTINGS)
        validate_request(request, SETTINGS, CATALOGUE)
    except RequestInvalid as exc:
        assert exc.fields and all(f.field and f.reason for f in exc.fields)


def mutate(rng: random.Random, value: object, depth: int = 0) -> object:
    """Replace, drop or retype parts of a valid request."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            roll = rng.random()
            if roll < 0.08:
                continue
            if roll < 0.12:
                key = rng.choice([*NASTY, "v", "samples", "unknown_field"])
            out[key] = mutate(rng, item, depth + 1)
        if rng.random() < 0.05:
            out[rng.choice(NASTY)] = rng.choice(NASTY)
        return out
    if isinstance(value, list):
        items = [mutate(rng, item, depth + 1) for item in value if rng.random() > 0.1]
        if rng.random() < 0.2:
            items.append(rng.choice([*NASTY, 1, None, {}, []]))
        if rng.random() < 0.02:
            items = items * rng.randint(50, 400)
        return items
    roll = rng.random()
    if roll < 0.15:
        return rng.choice([None, 0, -1, 1.5, True, 10**20, [], {}, "x"])
    if roll < 0.35 and isinstance(value, str):
        pos = rng.randint(0, len(value))
        return value[:pos] + rng.choice(NASTY) + value[pos:]
    if roll < 0.4 and isinstance(value, int | float):
        return rng.choice([0, -5, 2**63, 1e300, float("inf") if rng.random() < 0.5 else -0.0])
    return value


@pytest.mark.slow  # over 3 s: kept out of make test-fast, run by make test
def test_one_hundred_thousand_generated_requests_never_escape_as_exceptions() -> None:
    """100,000 mutated and random inputs: each is accepted or rejected with named fields; none crashes."""
    rng = random.Random(20261128)
    accepted = rejected = 0
    for i in range(100_000):
        if i % 10 == 0:
            data = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 64)))
        elif i % 10 == 1:
            data = "".join(rng.choice(string.printable + "{}[]\":,好") for _ in range(rng.randint(0, 80))).encode()
        else:
            doc = mutate(rng, VALID)
            try:
                data = json.dumps(doc, ensure_ascii=rng.random() < 0.5, allow_nan=True).encode("utf-8", "surrogatepass")
            except (ValueError, TypeError):
                continue
            if rng.random() < 0.05:
                cut = rng.randint(0, len(data))
                data = data[:cut]
        try:
            request = decode_request(data, SETTINGS)
            validate_request(request, SETTINGS, CATALOGUE)
            accepted += 1
        except RequestInvalid as exc:
            assert exc.fields and all(f.field and f.reason for f in exc.fields)
            rejected += 1
    assert accepted > 1_000 and rejected > 50_000


def test_every_bus_decoder_fails_only_with_msgspec_errors() -> None:
    """Bus decoders raise only msgspec errors on garbage, which every consumer catches and terminates."""
    rng = random.Random(7)
    samples = [b"", b"null", b"{}", b'{"type":"job"}', b'{"type":"result","status":"ok"}', b"\xff\xfe"]
    samples += [bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 40))) for _ in range(3_000)]
    samples += [json.dumps(mutate(rng, {"type": "progress", "run_id": "r", "stage": "running", "done": 1,
                                        "total": 2})).encode() for _ in range(3_000)]
    for decoder in BUS_DECODERS:
        for data in samples:
            try:
                decoder.decode(data)
            except (msgspec.DecodeError, msgspec.ValidationError):
                pass


@settings(max_examples=1_500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.text(min_size=0, max_size=120), question=st.text(min_size=0, max_size=700),
       samples=st.integers(min_value=-3, max_value=30), models=st.lists(st.text(max_size=20), max_size=4))
def test_structured_requests_with_arbitrary_text_are_accepted_or_rejected(
    name: str, question: str, samples: int, models: list[str]
) -> None:
    """Arbitrary Unicode in names and questions (control characters, placeholders) never crashes validation."""
    doc = dict(VALID, brand={"name": name, "aliases": [name[:5]]}, questions=[question], samples=samples,
               models=models or ["sim-qwen"])
    accept_or_reject(json.dumps(doc).encode())


class TestSpecificBadInput:
    def test_control_characters_in_brand_names_are_rejected(self) -> None:
        """A brand name with a control character is rejected naming brand.name."""
        doc = dict(VALID, brand={"name": "欧\x07派"})
        try:
            accept_or_reject(json.dumps(doc).encode())
            validate_request(decode_request(json.dumps(doc).encode(), SETTINGS), SETTINGS, CATALOGUE)
        except RequestInvalid as exc:
            assert exc.fields[0].field == "brand.name"
        else:
            raise AssertionError("accepted a control character")

    def test_unknown_version_is_rejected_naming_v(self) -> None:
        """A request from a newer contract version is rejected with field v."""
        try:
            validate_request(decode_request(json.dumps(dict(VALID, v=99)).encode(), SETTINGS), SETTINGS, CATALOGUE)
        except RequestInvalid as exc:
            assert [f.field for f in exc.fields] == ["v"]
        else:
            raise AssertionError("accepted v=99")

    def test_unknown_fields_are_ignored_for_forward_compatibility(self) -> None:
        """A newer client's extra fields do not break an older dispatcher."""
        request = decode_request(json.dumps(dict(VALID, future_field={"x": 1})).encode(), SETTINGS)
        assert validate_request(request, SETTINGS, CATALOGUE)
