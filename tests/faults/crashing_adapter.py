"""`python -m tests.faults.crashing_adapter --model X --crash-cells GLOB`: the fault suite's adapter.

The production adapter's handler never raises for a real job (the retry layer turns every
provider failure into a result), so the poison-job test needs a handler bug on purpose. It
lives here, in the test tree, rather than behind an environment variable in the product: this
is `services.adapter` with a provider caller that raises `InjectedCrash` for the matching
cells before any provider call.
"""

from __future__ import annotations

import argparse
import fnmatch
import sys

from services.adapter.caller import Caller
from services.adapter.service import AdapterService
from shared.contracts import CellResult, Job
from shared.runtime import bootstrap, run_service, run_until_stopped


class InjectedCrash(RuntimeError):
    """The deliberate handler bug: raised for every delivery of a matching cell."""


class CrashingCaller:
    """Wraps the real caller: matching cells raise, the others are called as usual."""

    def __init__(self, inner: Caller, pattern: str) -> None:
        self.inner = inner
        self.pattern = pattern

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    async def call(self, job: Job) -> CellResult:
        if fnmatch.fnmatchcase(job.cell_id, self.pattern):
            raise InjectedCrash(f"--crash-cells {self.pattern} matches {job.cell_id}")
        return await self.inner.call(job)


class CrashingAdapter(AdapterService):
    def __init__(self, *args: object, crash_cells: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # forwarded unchanged
        self.crash_cells = crash_cells

    async def start(self) -> None:
        await super().start()
        assert self.caller is not None
        self.caller = CrashingCaller(self.caller, self.crash_cells)  # type: ignore[assignment]  # duck-typed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.faults.crashing_adapter")
    parser.add_argument("--model", required=True)
    parser.add_argument("--crash-cells", required=True, help="fnmatch glob of cell ids whose handler raises")
    args = parser.parse_args(argv)
    settings, catalogue = bootstrap()
    spec = catalogue.get(args.model)
    if spec is None:
        print(f"unknown model {args.model!r}", file=sys.stderr)
        return 2

    async def make() -> AdapterService:
        return CrashingAdapter(settings, spec, crash_cells=args.crash_cells)

    return run_service(run_until_stopped(make), settings.event_loop)


if __name__ == "__main__":
    sys.exit(main())
