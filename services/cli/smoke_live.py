"""`make smoke-live`: one 2-question diagnosis on every real model whose key is set.

For users with provider keys, never for CI (it spends money and needs the internet). The whole
stack runs as `brandlens up` would run it, the diagnosis goes through the dispatcher, the
adapters and the aggregator, and one line per model reports what the provider really did:
status, latency, tokens (reasoning included), cost and how any failure was classified. Models
without a key are listed with the reason they were skipped. Keys are read from the environment
by the adapters only; nothing printed here can contain one (every line is sanitised with the
keys replaced wherever they would occur).

    make smoke-live                                  # every keyed real model
    python -m services.cli.smoke_live --models gpt,claude
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import Callable, Iterable

import msgspec

from services.cli.stack import Stack
from shared.catalogue import Catalogue, ModelSpec, load_catalogue
from shared.client import BrandlensClient
from shared.config import Settings, load_settings
from shared.contracts import DiagnosisRequest
from shared.errors import REDACTED
from shared.report.formats import render
from shared.report.types import CellView, Report

QUESTIONS = ["全屋定制品牌哪家好", "{brand}的口碑怎么样"]
DEADLINE_S = 600.0
GOOD = frozenset({"ok", "truncated", "filtered"})


def choose(
    catalogue: Catalogue, environ: dict[str, str], names: Iterable[str] | None = None
) -> tuple[list[ModelSpec], list[tuple[str, str]]]:
    """(models to run, [(skipped model, why)]): real entries whose key is set, or those named."""
    wanted = list(names) if names else None
    run: list[ModelSpec] = []
    skipped: list[tuple[str, str]] = []
    for name in wanted or catalogue.names():
        spec = catalogue.get(name)
        if spec is None:
            skipped.append((name, "not in the catalogue"))
        elif spec.simulated and wanted is None:
            skipped.append((name, "simulated (this smoke test is for real providers)"))
        elif spec.missing_env(environ):
            skipped.append((name, f"{spec.api_key_env} is not set"))
        elif not spec.api_key_env and wanted is None:
            skipped.append((name, "needs no key (a local server): name it with --models to include it"))
        else:
            run.append(spec)
    return run, skipped


def _tokens(cell: CellView) -> str:
    usage = cell.usage
    if usage.input_tokens is None and usage.output_tokens is None:
        return "tokens ?"
    text = f"in {usage.input_tokens if usage.input_tokens is not None else '?'}"
    if usage.cached_input_tokens:
        text += f" ({usage.cached_input_tokens} cached)"
    text += f" / out {usage.output_tokens if usage.output_tokens is not None else '?'}"
    if usage.reasoning_tokens:
        text += f" ({usage.reasoning_tokens} reasoning)"
    return text


def rows(report: Report, secrets: tuple[str, ...]) -> list[str]:
    """One line per cell, grouped by model in the request's order."""
    lines = []
    for model in report.models:
        for cell in (c for c in report.cells if c.model == model):
            latency = f"{cell.latency_ms / 1000:.1f}s" if cell.latency_ms is not None else "-"
            cost = f"{cell.cost:.6f} {cell.currency}" if cell.cost is not None else "cost ?"
            line = f"{model:<18} Q{cell.question_index + 1} {cell.status:<16} {latency:>7}  {_tokens(cell)}  {cost}"
            if cell.error is not None:
                code = f" [{cell.error.provider_code}]" if cell.error.provider_code else ""
                line += f"  {cell.error.error_class}{code}: {cell.error.message}"
            # Messages are sanitised where the errors are made; the keys are replaced once more here
            # (not sanitize(), which would also fold the columns' spaces).
            for secret in secrets:
                line = line.replace(secret, REDACTED)
            lines.append(line)
    return lines


async def smoke(settings: Settings, catalogue: Catalogue, models: list[ModelSpec],
                out: Callable[[str], None] = print) -> int:
    """Run the diagnosis and print the rows; 0 when every cell got an answer from its provider."""
    secrets = tuple(k for k in (spec.api_key(dict(os.environ)) for spec in models) if k)
    request = msgspec.convert({
        "brand": {"name": "欧派", "aliases": ["OPPEIN"]}, "competitors": [{"name": "索菲亚", "aliases": ["SOGAL"]}],
        "questions": QUESTIONS, "models": [spec.name for spec in models], "samples": 1,
        "deadline_s": DEADLINE_S, "client": "smoke-live",
    }, DiagnosisRequest)
    stack = Stack(settings, catalogue, models=models, quiet=True)
    try:
        await stack.start()
        client = await BrandlensClient.connect(stack.nats_url, settings=stack.client_settings(), timeout_s=5)
        try:
            accepted = await client.submit(request)
            await client.wait(accepted.run_id, timeout_s=DEADLINE_S + 60)
            report = await client.report(accepted.run_id)
        finally:
            await client.close()
    finally:
        with contextlib.suppress(Exception):
            await stack.stop()
    for line in rows(report, secrets):
        out(line)
    good = all(cell.status in GOOD for cell in report.cells) and len(report.cells) == len(models) * len(QUESTIONS)
    out(f"run {report.run_id}: {report.status}; logs in {settings.home / 'logs'}")
    # Real answers are what the analyser's held-out set needs (docs/analysis.md): keep them.
    answers = settings.home / "smoke-live" / f"{report.run_id}.answers.jsonl"
    answers.parent.mkdir(parents=True, exist_ok=True)
    answers.write_bytes(render(report, "answers"))
    out(f"answers (for labelling, `brandlens analyze` input): {answers}")
    return 0 if good else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="smoke-live", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--models", help="comma-separated catalogue names (default: every real model with a key)")
    args = parser.parse_args(argv)
    settings = load_settings()
    catalogue = load_catalogue(settings.models_path)
    names = [n.strip() for n in args.models.split(",") if n.strip()] if args.models else None
    models, skipped = choose(catalogue, dict(os.environ), names)
    for name, why in skipped:
        print(f"{name:<18} skipped: {why}")
    if not models:
        print("no model to run: set a provider key (docs/providers.md lists each entry's variable)")
        return 0
    print(f"running 1 diagnosis ({len(QUESTIONS)} questions) on {', '.join(s.name for s in models)}", flush=True)
    return asyncio.run(smoke(settings, catalogue, models))


if __name__ == "__main__":
    sys.exit(main())
