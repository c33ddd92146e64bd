"""A fresh stack per fault test, and the counting the guarantee is asserted with.

Every fault test builds its own nats-server, simulator and service processes in a temp dir
(so a killed server or a stuck consumer can never disturb another test) and proves effects by
counting what is stored — keys and revisions in KV ``brandlens_cells``, the run record, the
simulator's request counters — never by trusting a service's own report of what it did.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import nats.errors
import nats.js.errors
from nats.aio.msg import Msg
from nats.js.kv import KeyValue

from shared import subjects
from shared.auth import adapter_user
from shared.client import BrandlensClient
from shared.contracts import TERMINAL_RUN, CellRecord, RunRecord, cell_decoder, run_decoder
from shared.embedded import NatsServer
from shared.validation import plan_cells
from tests.conftest import wait_ready
from tests.harness import Harness, Proc

# Provider model ids of the test catalogue's simulated models (what the simulator counts by).
PROVIDER_MODEL = {"sim-deepseek": "deepseek-chat", "sim-qwen": "qwen-max", "sim-doubao": "doubao-seed-1-6"}

# Fast crash recovery: a job held by a dead adapter comes back after 2 s, a poison job ends
# after 2 deliveries. Production defaults are 5 s (jobs; 30 s for results) and 5 (docs/reliability.md).
FAST_RECOVERY = {"BRANDLENS_ACK_WAIT_S": "2", "BRANDLENS_MAX_DELIVER": "2"}


def diagnosis(models: list[str], questions: int = 3, samples: int = 1, deadline_s: float = 60,
              **overrides: Any) -> dict[str, Any]:
    """A request of `questions` × `models` × `samples` cells (every question is distinct)."""
    request: dict[str, Any] = {
        "brand": {"name": "欧派", "aliases": ["OPPEIN"]},
        "competitors": [{"name": "索菲亚", "aliases": ["SOGAL"]}, {"name": "志邦", "aliases": []}],
        "questions": [f"全屋定制品牌哪家好（第{i + 1}问）" for i in range(questions)],
        "models": models, "samples": samples, "deadline_s": deadline_s,
    }
    request.update(overrides)
    return request


@dataclass
class FaultStack:
    harness: Harness
    client: BrandlensClient
    models: list[str]
    cells_kv: KeyValue
    runs_kv: KeyValue
    _writes: dict[str, list[str]] = field(default_factory=dict)
    _write_subs: list[Any] = field(default_factory=list)

    # --- processes ------------------------------------------------------------------------

    def proc(self, name: str) -> Proc:
        return self.harness.procs[name]

    def restart(self, name: str, env: dict[str, str] | None = None) -> Proc:
        """Start `name` again with the arguments (and role) it was first started with."""
        old = self.harness.procs[name]
        assert not old.alive, f"{name} is still running"
        return self.harness.start(name, *old.args, env={**old.env, **(env or {})})

    def logs(self, lines: int = 80) -> str:
        parts = [f"--- {p.name} ---\n{p.log(lines)}" for p in self.harness.procs.values()]
        if self.harness.nats:
            parts.append(f"--- nats-server ---\n{self.harness.nats.log_tail(20)}")
        return "\n".join(parts)

    def expect(self, record: RunRecord, status: str) -> None:
        """The run ended with `status`; otherwise fail with every process's log."""
        assert record.status == status, f"{record.status}: {record.reason}\n{self.logs()}"

    def all_alive(self) -> dict[str, bool]:
        return {name: proc.alive for name, proc in self.harness.procs.items()}

    # --- the simulator ----------------------------------------------------------------------

    def sim(self, method: str, path: str, **kwargs: Any) -> Any:
        response = httpx.request(method, f"{self.harness.simulator_url}{path}", timeout=5, **kwargs)
        response.raise_for_status()
        return response.json()

    def slow(self, model: str, delay_ms: float) -> None:
        """Every call to `model` takes at least `delay_ms` (a simulator `slow` fault)."""
        self.sim("POST", "/_sim/faults", json={"mode": "slow", "model": PROVIDER_MODEL[model], "delay_ms": delay_ms})

    def sim_count(self, key: str, model: str) -> int:
        stats: dict[str, dict[str, int]] = self.sim("GET", "/_sim/stats")
        return int(stats[key].get(PROVIDER_MODEL[model], 0))

    async def until_in_flight(self, model: str, at_least: int = 1, timeout_s: float = 20) -> None:
        """Until the simulator holds `at_least` calls of `model` open: cells are mid-call."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while self.sim_count("in_flight", model) < at_least:
            if loop.time() > deadline:
                raise AssertionError(f"no call of {model} in flight within {timeout_s}s\n{self.logs()}")
            await asyncio.sleep(0.02)

    # --- what is stored -------------------------------------------------------------------

    async def cells(self, run_id: str) -> dict[str, tuple[int, CellRecord]]:
        """Every stored cell of the run: cell id -> (KV revision, record), read server-side.

        The keys come from the bucket stream's per-subject counts (a KV watch can end early
        when its consumer is recreated); each must hold exactly one message.
        """
        prefix = f"$KV.{subjects.CELLS_BUCKET}.{run_id}."
        info = await self.client.js.stream_info(f"KV_{subjects.CELLS_BUCKET}", subjects_filter=f"{prefix}>")
        counts = info.state.subjects or {}
        found: dict[str, tuple[int, CellRecord]] = {}
        for subject, count in counts.items():
            assert count == 1, f"{subject} holds {count} messages"
            cell_id = subject.removeprefix(prefix)
            entry = await self.cells_kv.get(subjects.cell_key(run_id, cell_id))
            found[cell_id] = (entry.revision or 0, cell_decoder.decode(entry.value or b""))
        return found

    async def run_record(self, run_id: str) -> RunRecord:
        entry = await self.runs_kv.get(run_id)
        return run_decoder.decode(entry.value or b"")

    async def planned(self, run_id: str) -> list[str]:
        """The cell ids the dispatcher accepted for the run (the plan is deterministic)."""
        record = await self.run_record(run_id)
        return [cell.cell_id for cell in plan_cells(record.request)]

    async def wait_terminal(self, run_id: str, timeout_s: float = 60) -> tuple[RunRecord, float]:
        """Poll the run record until it is terminal; tolerates NATS being down meanwhile.

        Returns the record and the wall-clock time it was first seen terminal.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            with contextlib.suppress(nats.errors.Error, nats.js.errors.Error, TimeoutError):
                record = await self.run_record(run_id)
                if record.status in TERMINAL_RUN:
                    return record, time.time()
            if loop.time() > deadline:
                raise AssertionError(f"run {run_id} not finished within {timeout_s}s\n{self.logs()}")
            await asyncio.sleep(0.05)

    async def assert_every_cell_once(self, run_id: str) -> dict[str, tuple[int, CellRecord]]:
        """The guarantee: each accepted cell stored exactly once, with one terminal status."""
        planned = await self.planned(run_id)
        stored = await self.cells(run_id)
        assert sorted(stored) == sorted(planned), (set(planned) ^ set(stored))
        report = await self.client.report(run_id)
        assert sorted(c.cell_id for c in report.cells) == sorted(planned)
        for cell in report.cells:
            assert cell.status == stored[cell.cell_id][1].result.status
        return stored

    # --- writes to the cells bucket -------------------------------------------------------

    async def count_writes(self, run_id: str) -> None:
        """From now on, record every write to the run's cell keys (each KV put is a message)."""
        writes = self._writes.setdefault(run_id, [])
        prefix = f"$KV.{subjects.CELLS_BUCKET}.{run_id}."

        async def on_write(msg: Msg) -> None:
            writes.append(msg.subject.removeprefix(prefix))

        self._write_subs.append(await self.client.nc.subscribe(f"$KV.{subjects.CELLS_BUCKET}.{run_id}.>",
                                                                cb=on_write))
        await self.client.nc.flush()

    def writes(self, run_id: str) -> list[str]:
        return list(self._writes.get(run_id, []))

    # --- service introspection ------------------------------------------------------------

    async def service_stats(self, service: str, wait_s: float = 0.5) -> list[dict[str, Any]]:
        """`$SRV.STATS.<service>` from every instance: each reply's custom `data` plus its id."""
        nc = self.client.nc
        inbox = nc.new_inbox()
        sub = await nc.subscribe(inbox)
        try:
            await nc.publish(f"$SRV.STATS.{service}", b"", reply=inbox)
            replies = []
            with contextlib.suppress(nats.errors.TimeoutError):
                while True:
                    msg = await sub.next_msg(timeout=wait_s)
                    body = json.loads(msg.data)
                    data = next((e.get("data") for e in body.get("endpoints", []) if e.get("data")), None)
                    replies.append({"id": body["id"], **(data or {})})
            return replies
        finally:
            await sub.unsubscribe()

    async def adapter_stats(self, model: str) -> dict[str, Any]:
        for stats in await self.service_stats("brandlens-adapter"):
            if stats.get("model") == model:
                return stats
        raise AssertionError(f"no stats from the {model} adapter")

    async def close(self) -> None:
        for sub in self._write_subs:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        await self.client.close()
        self.harness.close()


async def open_stack(
    root: Path,
    models: list[str],
    *,
    env: dict[str, str] | None = None,
    adapter_env: dict[str, dict[str, str]] | None = None,
    aggregator_env: dict[str, str] | None = None,
    crash_cells: dict[str, str] | None = None,
    latency_scale: float = 0.002,
    nats_port: int | None = None,
    catalogue: Path | None = None,
) -> FaultStack:
    """Start nats-server, the simulator, the aggregator, the dispatcher and one adapter per model.

    `adapter_env`/`aggregator_env` override one process's environment (e.g. a NATS_URL through
    the fault proxy) on top of `env`, which every service gets. `crash_cells` runs a model's
    adapter as tests/faults/crashing_adapter.py, raising for the cell ids matching its glob.
    """
    harness = Harness(root, latency_scale=latency_scale, extra_env=dict(env or {}))
    if catalogue is not None:
        harness.catalogue = catalogue
    if nats_port is not None:
        # Harness.start_nats keeps the port of the server it replaces: a fault proxy can be
        # listening in front of that port before the server starts.
        harness.nats = NatsServer(root / "nats", port=nats_port)
    try:
        harness.start_nats()
        harness.start_simulator()
        harness.start("aggregator", "-m", "services.aggregator", role="aggregator", env=aggregator_env)
        harness.start("dispatcher", "-m", "services.dispatcher", role="dispatcher")
        for model in models:
            glob = (crash_cells or {}).get(model)
            entry = ["-m", "services.adapter"]
            if glob:
                entry = ["-m", "tests.faults.crashing_adapter", "--crash-cells", glob]
            harness.start(f"adapter-{model}", *entry, "--model", model,
                          role=adapter_user(model), env=(adapter_env or {}).get(model))
        await wait_ready(harness, models)
        assert harness.nats is not None
        client = await BrandlensClient.connect(harness.nats.url, settings=harness.settings(), timeout_s=10)
    except BaseException:
        harness.close()
        raise
    cells_kv = await client.js.key_value(subjects.CELLS_BUCKET)
    runs_kv = await client.js.key_value(subjects.RUNS_BUCKET)
    return FaultStack(harness, client, models, cells_kv, runs_kv)


@contextlib.asynccontextmanager
async def bounded(seconds: float, stack: FaultStack | None = None) -> AsyncIterator[None]:
    """A per-test time bound: a fault that hangs the pipeline fails the test, with the logs."""
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError:
        logs = stack.logs() if stack else ""
        raise AssertionError(f"test exceeded its {seconds}s bound\n{logs}") from None
