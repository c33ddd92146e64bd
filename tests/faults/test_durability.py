"""The durability settings, as declared on a real nats-server: file storage, dedupe window,
replicas, AckWait and MaxDeliver on the consumers, the advisory stream — and what a SIGKILL of
nats-server keeps (every message it acknowledged)."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest
from nats.js.api import AckPolicy, RetentionPolicy, StorageType

from shared import subjects
from shared.bus import ensure_topology
from shared.config import load_settings
from shared.embedded import NatsServer
from tests.faults.conftest import StackFactory
from tests.faults.stack import bounded, diagnosis

pytestmark = pytest.mark.faults

MODEL = "sim-deepseek"
DURABILITY_ENV = {"BRANDLENS_ACK_WAIT_S": "7", "BRANDLENS_MAX_DELIVER": "4", "BRANDLENS_DEDUPE_WINDOW_S": "900",
                  "BRANDLENS_RETENTION_DAYS": "2"}


@pytest.fixture
def store_dir() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="brandlens-durability-"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


class TestDeclaredSettings:
    async def test_streams_buckets_and_consumers_carry_the_configured_durability(
        self, make_stack: StackFactory
    ) -> None:
        """Services started with BRANDLENS_* settings declare file-backed work-queue streams with
        that dedupe window, retention and replicas, file-backed KV buckets keeping one revision,
        the MaxDeliver advisory stream, and consumers with that AckWait and MaxDeliver."""
        stack = await make_stack([MODEL], env=DURABILITY_ENV)
        async with bounded(30, stack):
            js = stack.client.js
            accepted = await stack.client.submit(diagnosis([MODEL], questions=1))
            await stack.wait_terminal(accepted.run_id, timeout_s=20)
            for name in (subjects.JOBS_STREAM, subjects.RESULTS_STREAM):
                config = (await js.stream_info(name)).config
                assert config.storage == StorageType.FILE
                assert config.retention == RetentionPolicy.WORK_QUEUE
                assert config.duplicate_window == 900
                assert config.num_replicas == 1
                assert config.max_age == 2 * 86400
            events = (await js.stream_info(subjects.EVENTS_STREAM)).config
            assert events.storage == StorageType.FILE
            advisories = (await js.stream_info(subjects.ADVISORIES_STREAM)).config
            assert advisories.storage == StorageType.FILE
            assert advisories.subjects == [subjects.max_deliveries_advisory()]
            assert advisories.retention == RetentionPolicy.WORK_QUEUE
            for bucket in (subjects.RUNS_BUCKET, subjects.CELLS_BUCKET, subjects.REQUESTS_BUCKET):
                kv = (await js.stream_info(f"KV_{bucket}")).config
                assert kv.storage == StorageType.FILE and kv.max_msgs_per_subject == 1
            reports = (await js.stream_info(f"OBJ_{subjects.REPORTS_STORE}")).config
            assert reports.storage == StorageType.FILE

            adapter = (await js.consumer_info(subjects.JOBS_STREAM, subjects.adapter_consumer(MODEL))).config
            assert adapter.ack_policy == AckPolicy.EXPLICIT
            assert adapter.ack_wait == 7 and adapter.max_deliver == 4
            assert adapter.filter_subject == subjects.job_subject(MODEL)
            results = (await js.consumer_info(subjects.RESULTS_STREAM, subjects.AGGREGATOR_RESULTS_CONSUMER)).config
            # Storing is idempotent, so results are redelivered until stored: never given up on.
            assert results.ack_policy == AckPolicy.EXPLICIT and results.max_deliver == -1
            assert results.ack_wait == 7

    async def test_replicas_setting_reaches_the_stream_config(self, store_dir: Path) -> None:
        """BRANDLENS_REPLICAS is validated to 1, 3 or 5 and declared on every stream (a single
        server accepts only 1: clusters get 3 from the same setting)."""
        with pytest.raises(ValueError, match="BRANDLENS_REPLICAS"):
            load_settings({"BRANDLENS_REPLICAS": "2"})
        assert load_settings({"BRANDLENS_REPLICAS": "3"}).replicas == 3
        server = NatsServer(store_dir).start()
        try:
            nc = await nats.connect(server.url)
            try:
                await ensure_topology(nc.jetstream(), load_settings({"BRANDLENS_REPLICAS": "1"}))
                info = await nc.jetstream().stream_info(subjects.JOBS_STREAM)
                assert info.config.num_replicas == 1
            finally:
                await nc.close()
        finally:
            server.stop()


class TestServerCrash:
    @pytest.mark.parametrize("sync_interval", [None, "always"])
    async def test_every_acknowledged_message_survives_a_sigkill_of_nats_server(
        self, store_dir: Path, sync_interval: str | None
    ) -> None:
        """A PubAck means the message is in the store: 500 acknowledged jobs are all there after
        nats-server is SIGKILLed and restarted on the same store dir (with the default flush,
        and with sync_interval=always, which also survives an OS crash)."""
        server = NatsServer(store_dir, sync_interval=sync_interval).start()
        if sync_interval:
            assert f"sync_interval: {sync_interval}" in (store_dir / "nats-server.conf").read_text()
        try:
            nc = await nats.connect(server.url)
            js = nc.jetstream()
            await ensure_topology(js, load_settings({}))
            acks = [await js.publish_async(subjects.job_subject(MODEL), b'{"n": %d}' % i,
                                           headers={"Nats-Msg-Id": f"crash.{i}"}) for i in range(500)]
            await asyncio.gather(*acks)
            server.kill()
            await nc.close()
            server = NatsServer(store_dir, port=server.port, sync_interval=sync_interval).start()
            nc = await nats.connect(server.url)
            try:
                info = await nc.jetstream().stream_info(subjects.JOBS_STREAM)
                assert info.state.messages == 500
                # The dedupe window survives too: a re-publish after the restart is dropped.
                ack = await nc.jetstream().publish(subjects.job_subject(MODEL), b"{}",
                                                   headers={"Nats-Msg-Id": "crash.0"})
                assert ack.duplicate
            finally:
                await nc.close()
        finally:
            server.stop()
