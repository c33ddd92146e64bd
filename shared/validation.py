"""Turning a client's bytes into a validated request and the list of cells it defines.

Why here and not in the dispatcher: the CLI's `--dry-run`, the client library and the
dispatcher must agree on what a request means, and the cell list is the contract the
aggregator counts against (the replaced system's expected cell count disagreed with its
loop). Every rejection names the field and the reason; nothing is published for a
rejected request.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping

import msgspec

from shared.catalogue import Catalogue
from shared.config import Settings
from shared.contracts import (
    CONTRACT_VERSION,
    Brand,
    CellSpec,
    DiagnosisRequest,
    FieldError,
    request_decoder,
)

MAX_BRAND_CHARS = 100
MAX_ALIASES = 20
MAX_SAMPLES = 20
MAX_REQUEST_ID_CHARS = 128
ALLOWED_PLACEHOLDERS = frozenset({"brand", "competitor"})
_PLACEHOLDER = re.compile(r"\{\s*([^{}]*?)\s*\}|\{\{|\}\}|\$\{[^}]*\}|%\([a-zA-Z_]+\)s")
_PATH_IN_ERROR = re.compile(r"at `\$([^`]*)`")

# Why a model is not usable right now; None means it is ready. Supplied by the dispatcher from
# the health bucket so validation stays a pure function.
ModelReadiness = Callable[[str], str | None]


class RequestInvalid(ValueError):
    """The request is rejected; ``fields`` says which field and why, one entry per problem."""

    def __init__(self, fields: list[FieldError]) -> None:
        self.fields = fields
        super().__init__("; ".join(f"{f.field}: {f.reason}" for f in fields))


def _has_control_chars(text: str) -> bool:
    return any(unicodedata.category(ch) in {"Cc", "Cf"} for ch in text)


def decode_request(data: bytes, settings: Settings) -> DiagnosisRequest:
    if len(data) > settings.max_request_bytes:
        raise RequestInvalid(
            [FieldError(field="$", reason=f"payload is {len(data)} bytes; the limit is {settings.max_request_bytes}")]
        )
    try:
        return request_decoder.decode(data)
    except msgspec.ValidationError as exc:
        match = _PATH_IN_ERROR.search(str(exc))
        field = match.group(1).lstrip(".") if match else "$"
        reason = _PATH_IN_ERROR.sub("", str(exc)).strip().rstrip("-").strip() or "invalid value"
        raise RequestInvalid([FieldError(field=field or "$", reason=reason)]) from None
    except msgspec.DecodeError as exc:
        raise RequestInvalid([FieldError(field="$", reason=f"not valid JSON: {exc}")]) from None


# A bare host name, lower or upper case: labels of letters, digits and hyphens, at least one dot.
_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")


def _check_name(field: str, name: str, errors: list[FieldError]) -> None:
    if not name.strip():
        errors.append(FieldError(field=field, reason="must not be empty"))
    elif len(name) > MAX_BRAND_CHARS:
        errors.append(FieldError(field=field, reason=f"is {len(name)} characters; the limit is {MAX_BRAND_CHARS}"))
    elif _has_control_chars(name):
        errors.append(FieldError(field=field, reason="contains control characters"))
    elif "{" in name or "}" in name:
        errors.append(FieldError(field=field, reason="must not contain '{' or '}' (placeholders are not names)"))


def _check_brand(field: str, brand: Brand, errors: list[FieldError]) -> None:
    _check_name(f"{field}.name", brand.name, errors)
    if len(brand.aliases) > MAX_ALIASES:
        errors.append(FieldError(field=f"{field}.aliases", reason=f"at most {MAX_ALIASES} aliases"))
    for i, alias in enumerate(brand.aliases):
        _check_name(f"{field}.aliases[{i}]", alias, errors)
    if len(brand.domains) > MAX_ALIASES:
        errors.append(FieldError(field=f"{field}.domains", reason=f"at most {MAX_ALIASES} domains"))
    for i, domain in enumerate(brand.domains):
        if not _DOMAIN.fullmatch(domain):
            reason = f"{domain[:80]!r} is not a host name like 'oppein.com' (no scheme, path or port)"
            errors.append(FieldError(field=f"{field}.domains[{i}]", reason=reason))


def _placeholders(question: str) -> list[str]:
    found = []
    for match in _PLACEHOLDER.finditer(question):
        token = match.group(0)
        name = match.group(1)
        if name is not None and name in ALLOWED_PLACEHOLDERS and token == "{" + name + "}":
            continue
        found.append(token)
    return found


def validate_request(
    req: DiagnosisRequest,
    settings: Settings,
    catalogue: Catalogue,
    readiness: ModelReadiness | None = None,
) -> list[CellSpec]:
    """Check every field; return the cells the run will expect, or raise RequestInvalid."""
    errors: list[FieldError] = []
    if req.v > CONTRACT_VERSION:
        errors.append(FieldError(field="v", reason=f"version {req.v} is newer than this service ({CONTRACT_VERSION})"))
    if req.request_id is not None:
        if not req.request_id.strip() or len(req.request_id) > MAX_REQUEST_ID_CHARS:
            errors.append(FieldError(field="request_id", reason=f"must be 1..{MAX_REQUEST_ID_CHARS} characters"))
        elif _has_control_chars(req.request_id):
            errors.append(FieldError(field="request_id", reason="contains control characters"))
    _check_brand("brand", req.brand, errors)
    if len(req.competitors) > settings.max_competitors:
        errors.append(FieldError(field="competitors", reason=f"at most {settings.max_competitors} competitors"))
    seen = {req.brand.name.strip().casefold()}
    for i, comp in enumerate(req.competitors):
        _check_brand(f"competitors[{i}]", comp, errors)
        key = comp.name.strip().casefold()
        if key and key in seen:
            errors.append(FieldError(field=f"competitors[{i}].name", reason=f"{comp.name!r} is listed twice"))
        seen.add(key)

    # A question's rendered length is checked against the longest name {competitor} can take.
    longest = max([req.brand.name] + [c.name for c in req.competitors], key=len)
    if not req.questions:
        errors.append(FieldError(field="questions", reason="at least one question is required"))
    elif len(req.questions) > settings.max_questions:
        errors.append(FieldError(field="questions", reason=f"at most {settings.max_questions} questions"))
    for i, question in enumerate(req.questions):
        field = f"questions[{i}]"
        if not question.strip():
            errors.append(FieldError(field=field, reason="must not be empty"))
            continue
        if _has_control_chars(question.replace("\n", " ").replace("\t", " ")):
            errors.append(FieldError(field=field, reason="contains control characters"))
        bad = _placeholders(question)
        if bad:
            errors.append(
                FieldError(field=field, reason=f"unrendered placeholder {', '.join(bad)}; only {{brand}} and "
                           "{competitor} are filled")
            )
        if "{competitor}" in question and not req.competitors:
            errors.append(FieldError(field=field, reason="uses {competitor} but no competitors are given"))
        rendered_len = len(question.replace("{brand}", req.brand.name).replace("{competitor}", longest))
        if rendered_len > settings.max_question_chars:
            errors.append(
                FieldError(field=field, reason=f"is {rendered_len} characters once rendered; the limit is "
                           f"{settings.max_question_chars}")
            )

    if not req.models:
        errors.append(FieldError(field="models", reason=f"at least one model is required; valid: "
                                 f"{', '.join(catalogue.names())}"))
    if len(set(req.models)) != len(req.models):
        errors.append(FieldError(field="models", reason="lists a model more than once"))
    for i, model in enumerate(req.models):
        spec = catalogue.get(model)
        if spec is None:
            errors.append(
                FieldError(field=f"models[{i}]", reason=f"unknown model {model[:60]!r}; valid: "
                           f"{', '.join(catalogue.names())}")
            )
            continue
        if req.search and spec.search is None:
            errors.append(FieldError(field=f"models[{i}]", reason=(
                f"{model} has no server-side web search ({spec.provider or spec.protocol}); drop it or "
                "ask without \"search\": true — a search run never silently runs without search")))
            continue
        problem = readiness(model) if readiness else None
        if problem:
            errors.append(FieldError(field=f"models[{i}]", reason=problem))

    if req.judge is not None:
        errors += _judge_problems(req.judge, catalogue, readiness)

    if req.samples < 1:
        errors.append(FieldError(field="samples", reason="must be at least 1"))
    elif req.samples > MAX_SAMPLES:
        errors.append(FieldError(field="samples", reason=f"at most {MAX_SAMPLES}"))
    if not req.deadline_s > 0:
        errors.append(FieldError(field="deadline_s", reason="must be greater than 0"))
    elif req.deadline_s > settings.max_deadline_s:
        errors.append(FieldError(field="deadline_s", reason=f"at most {settings.max_deadline_s:g} seconds"))
    if req.max_cost is not None:
        errors += _budget_problems(req, catalogue)
    if req.client is not None and (len(req.client) > 100 or _has_control_chars(req.client)):
        errors.append(FieldError(field="client", reason="must be at most 100 printable characters"))

    if errors:
        raise RequestInvalid(errors)
    cells = plan_cells(req)
    if len(cells) > settings.max_cells:
        raise RequestInvalid(
            [FieldError(field="$", reason=f"defines {len(cells)} cells (questions × competitors × models × "
                        f"samples); the limit is {settings.max_cells}")]
        )
    return cells


def _judge_problems(judge: str, catalogue: Catalogue, readiness: ModelReadiness | None) -> list[FieldError]:
    """The judge is a catalogue model like any other, and must be ready to take its jobs."""
    if catalogue.get(judge) is None:
        valid = ", ".join(catalogue.names())
        return [FieldError(field="judge", reason=f"unknown model {judge[:60]!r}; valid: {valid}")]
    problem = readiness(judge) if readiness else None
    return [FieldError(field="judge", reason=problem)] if problem else []


def _budget_problems(req: DiagnosisRequest, catalogue: Catalogue) -> list[FieldError]:
    """A budget must be enforceable: spend is known only for priced models, in one currency."""
    assert req.max_cost is not None
    if not req.max_cost > 0:
        return [FieldError(field="max_cost", reason="must be greater than 0 when given")]
    # The judge's calls count against the budget too, so the judge must be priced as well.
    judged = [*req.models, *([req.judge] if req.judge is not None and req.judge not in req.models else [])]
    specs = [spec for spec in (catalogue.get(m) for m in judged) if spec is not None]
    unpriced = [spec.name for spec in specs if spec.price is None]
    if unpriced:
        return [FieldError(field="max_cost", reason=f"cannot be enforced: no price in the catalogue for "
                           f"{', '.join(unpriced)}")]
    currencies = sorted({spec.price.currency for spec in specs if spec.price is not None})
    if len(currencies) > 1:
        return [FieldError(field="max_cost", reason=f"the selected models bill in {' and '.join(currencies)}; "
                           "one budget needs one currency")]
    return []


def cell_id(question_index: int, competitor_index: int | None, sample: int, model: str) -> str:
    # Deterministic and KV-key safe: the same request always yields the same ids, so runs can
    # be compared cell by cell and a re-published job deduplicates.
    comp = f".c{competitor_index + 1}" if competitor_index is not None else ""
    return f"q{question_index + 1}{comp}.s{sample}.{model}"


def plan_cells(req: DiagnosisRequest) -> list[CellSpec]:
    """The run's cells: questions × (competitors where {competitor} appears) × models × samples."""
    cells: list[CellSpec] = []
    for qi, template in enumerate(req.questions):
        text = template.replace("{brand}", req.brand.name.strip())
        variants: list[tuple[int | None, str, str | None]]
        if "{competitor}" in text:
            variants = [
                (ci, text.replace("{competitor}", comp.name.strip()), comp.name.strip())
                for ci, comp in enumerate(req.competitors)
            ]
        else:
            variants = [(None, text, None)]
        for ci, question, competitor in variants:
            for model in req.models:
                for sample in range(1, req.samples + 1):
                    cells.append(
                        CellSpec(
                            cell_id=cell_id(qi, ci, sample, model),
                            question_index=qi,
                            question=question,
                            model=model,
                            sample=sample,
                            competitor=competitor,
                        )
                    )
    return cells


def plan_index(req: DiagnosisRequest) -> Mapping[str, CellSpec]:
    return {cell.cell_id: cell for cell in plan_cells(req)}
