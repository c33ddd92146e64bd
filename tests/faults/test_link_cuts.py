"""The link between one service and nats-server is cut for 5 s mid-run, through a TCP fault
proxy: the service reconnects by itself and the run completes with every cell once."""

from __future__ import annotations

import asyncio
import time

import pytest

from shared.embedded import free_port
from tests.faults.conftest import StackFactory
from tests.faults.proxy import FaultProxy, Mode
from tests.faults.stack import FAST_RECOVERY, bounded, diagnosis

pytestmark = pytest.mark.faults

MODEL = "sim-deepseek"
CUT_S = 5.0


async def proxy_to_nats(port: int) -> FaultProxy:
    return await FaultProxy("127.0.0.1", port).start()


class TestLinkCut:
    @pytest.mark.parametrize("mode", ["reset", "blackhole"])
    async def test_adapter_cut_off_from_nats_for_five_seconds(self, make_stack: StackFactory, mode: Mode) -> None:
        """The adapter's NATS link is reset (or blackholed) for 5 s while its calls are in flight:
        the adapter keeps running, reconnects, and every cell is stored exactly once."""
        nats_port = free_port()
        proxy = await proxy_to_nats(nats_port)
        try:
            stack = await make_stack([MODEL], env=FAST_RECOVERY, nats_port=nats_port,
                                     adapter_env={MODEL: {"NATS_URL": proxy.url}})
            async with bounded(60, stack):
                stack.slow(MODEL, 1000)
                accepted = await stack.client.submit(diagnosis([MODEL], questions=6, samples=2))
                await stack.count_writes(accepted.run_id)
                await stack.until_in_flight(MODEL, at_least=4)
                proxy.set_mode(mode)
                await asyncio.sleep(CUT_S)
                proxy.set_mode("pass")
                healed_at = time.monotonic()
                record, _ = await stack.wait_terminal(accepted.run_id, timeout_s=40)
                stack.expect(record, "complete")
                await stack.assert_every_cell_once(accepted.run_id)
                assert sorted(stack.writes(accepted.run_id)) == sorted(set(stack.writes(accepted.run_id)))
                assert len(stack.writes(accepted.run_id)) == accepted.cells
                assert stack.proc(f"adapter-{MODEL}").alive
                if mode == "reset":
                    assert proxy.resets >= 1 and proxy.connections >= 2  # it did reconnect
                healed_s = time.monotonic() - healed_at
                print(f"adapter link {mode} {CUT_S:g}s: run complete {healed_s:.2f}s after healing")
        finally:
            await proxy.close()

    async def test_aggregator_cut_off_from_nats_for_five_seconds(self, make_stack: StackFactory) -> None:
        """The aggregator's NATS link is reset for 5 s while results arrive: results wait in the
        stream (or come back after AckWait), and the run completes with every cell once."""
        nats_port = free_port()
        proxy = await proxy_to_nats(nats_port)
        try:
            stack = await make_stack([MODEL], env=FAST_RECOVERY, nats_port=nats_port,
                                     aggregator_env={"NATS_URL": proxy.url})
            async with bounded(60, stack):
                stack.slow(MODEL, 400)
                accepted = await stack.client.submit(diagnosis([MODEL], questions=8, samples=2))
                await stack.count_writes(accepted.run_id)
                await stack.until_in_flight(MODEL, at_least=4)
                await asyncio.sleep(0.5)
                proxy.set_mode("reset")
                await asyncio.sleep(CUT_S)
                proxy.set_mode("pass")
                healed_at = time.monotonic()
                record, _ = await stack.wait_terminal(accepted.run_id, timeout_s=40)
                stack.expect(record, "complete")
                await stack.assert_every_cell_once(accepted.run_id)
                assert len(stack.writes(accepted.run_id)) == accepted.cells
                assert stack.proc("aggregator").alive
                assert proxy.resets >= 1 and proxy.connections >= 2
                healed_s = time.monotonic() - healed_at
                print(f"aggregator link reset {CUT_S:g}s: run complete {healed_s:.2f}s after healing")
        finally:
            await proxy.close()
