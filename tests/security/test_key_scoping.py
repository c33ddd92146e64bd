"""Each process of `brandlens up` holds only the secrets it uses, and other commands find the stack.

The real `Stack` (what `brandlens up` runs) starts with two keyed models and a sentinel key
each. Every child's and grandchild's /proc/<pid>/environ, every log, every report rendering,
every KV value and every NATS message are searched for the sentinels: each is found exactly
once, in the environment of the adapter that calls with it.

While another program holds port 4222, `up` falls back to a free port and records the URL in
BRANDLENS_HOME: `brandlens models` with only BRANDLENS_HOME set still reaches it, and
`brandlens env` prints what other tools need.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import msgspec
import nats
import pytest
from nats.aio.msg import Msg

from services.cli.local import URL_FILE
from services.cli.stack import Stack
from shared import subjects
from shared.bus import kv_keys
from shared.catalogue import load_catalogue
from shared.client import BrandlensClient
from shared.config import load_settings
from shared.report.formats import render
from tests.harness import REPO, TEST_CATALOGUE

KEYED = f"sk-sentinel-keyed-{uuid.uuid4().hex}"
# The simulator rejects (and echoes, as providers do) keys starting sk-invalid-.
BAD = f"sk-invalid-{uuid.uuid4().hex}"
MODELS = ["sim-deepseek", "keyed", "badkey"]
OWNER = {KEYED: "adapter-keyed", BAD: "adapter-badkey"}


@pytest.fixture(scope="module")
def port_4222_taken() -> Iterator[None]:
    """Another program listening on 4222 (or one already is)."""
    sock = socket.socket()
    try:
        sock.bind(("127.0.0.1", 4222))
        sock.listen()
    except OSError:
        pass  # already held by someone else: the situation under test either way
    try:
        yield
    finally:
        sock.close()


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory, port_4222_taken: None) -> AsyncIterator[Stack]:
    home = tmp_path_factory.mktemp("keys") / "home"
    env = {"BRANDLENS_MODELS": str(TEST_CATALOGUE), "BRANDLENS_HOME": str(home),
           "BRANDLENS_TEST_SENTINEL_KEY": KEYED, "BRANDLENS_TEST_BAD_KEY": BAD, "BRANDLENS_LOG_FORMAT": "json"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    for name in [k for k in os.environ if k.startswith("NATS_")]:
        saved[name] = os.environ.pop(name)
    settings = load_settings()
    catalogue = load_catalogue(settings.models_path)
    up = Stack(settings, catalogue, models=[catalogue.models[m] for m in MODELS], quiet=True)
    try:
        await up.start()
        yield up
    finally:
        with contextlib.suppress(Exception):
            await up.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def descendants(root: int) -> list[int]:
    """Every live process below ``root`` (analysis workers are the aggregator's children)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        for pid in children.get(todo.pop(), []):
            found.append(pid)
            todo.append(pid)
    return found


def environs(stack: Stack) -> dict[str, bytes]:
    """/proc/<pid>/environ of nats-server, every child of `up`, and all their descendants."""
    assert stack.nats is not None and stack.nats.proc is not None
    named = {"nats-server": stack.nats.proc.pid, **{c.name: c.proc.pid for c in stack.children}}
    out: dict[str, bytes] = {}
    for name, pid in named.items():
        out[name] = Path(f"/proc/{pid}/environ").read_bytes()
        for sub in descendants(pid):
            with contextlib.suppress(OSError):
                out[f"{name}/{sub}"] = Path(f"/proc/{sub}/environ").read_bytes()
    return out


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")
class TestKeysOnlyWhereTheyBelong:
    async def test_each_sentinel_is_only_in_its_own_adapters_environment(self, stack: Stack) -> None:
        """Across every process of the stack (nats-server, simulator, dispatcher, aggregator and its
        workers, adapters), each key is in exactly one environment: its model's adapter."""
        found = environs(stack)
        assert {"nats-server", "simulator", "dispatcher", "aggregator", "adapter-keyed", "adapter-badkey"} <= set(found)
        for secret, owner in OWNER.items():
            holders = [name for name, data in found.items() if secret.encode() in data]
            assert holders == [owner], (secret[:20], holders)

    async def test_no_sentinel_in_logs_reports_kv_or_messages(self, stack: Stack) -> None:
        """A run (one model answering, one rejected with the echoed key) and a reanalysis later:
        no log line, report format, KV value or NATS message carries a key; the reanalysis
        workers, like the other processes, never held one."""
        spy = await nats.connect(stack.nats_url, user="operator", password=stack.credentials["operator"])
        seen: list[bytes] = []

        async def record(msg: Msg) -> None:
            seen.append(msg.subject.encode() + b" " + repr(msg.headers).encode() + b" " + msg.data)

        await spy.subscribe(">", cb=record)
        client = await BrandlensClient.connect(stack.nats_url, settings=stack.client_settings())
        try:
            request = {"brand": {"name": "欧派"}, "competitors": [{"name": "索菲亚"}],
                       "questions": ["全屋定制品牌哪家好", "{brand}的口碑怎么样"],
                       "models": ["keyed", "badkey"], "deadline_s": 60}
            report = await client.run(request, timeout_s=60)
            await client.reanalyze(report.run_id, timeout_s=60)
            later = environs(stack)
            await asyncio.sleep(0.3)
            haystacks: list[tuple[str, bytes]] = [("nats", m) for m in seen]
            haystacks += [(f"report.{fmt}", render(report, fmt)) for fmt in ("json", "md", "html", "csv", "answers")]
            haystacks += [(p.name, p.read_bytes()) for p in (stack.home / "logs").glob("*.log")]
            assert stack.nats is not None
            haystacks.append(("nats-server.log", stack.nats.log_path.read_bytes()))
            for bucket in (subjects.CELLS_BUCKET, subjects.RUNS_BUCKET, subjects.HEALTH_BUCKET,
                           subjects.REQUESTS_BUCKET):
                kv = await spy.jetstream().key_value(bucket)
                for key in await kv_keys(spy.jetstream(), bucket):
                    entry = await kv.get(key)
                    haystacks.append((f"kv {bucket}/{key}", entry.value or b""))
        finally:
            await client.close()
            await spy.close()
        assert {c.status for c in report.cells if c.model == "keyed"} == {"ok"}
        assert {c.status for c in report.cells if c.model == "badkey"} == {"auth_error"}
        assert len(seen) > 20
        for secret, owner in OWNER.items():
            for variant in (secret, secret.rsplit("-", 1)[1]):
                leaks = [name for name, data in haystacks if variant.encode() in data]
                assert not leaks, f"key leaked into {leaks[:5]}"
            assert [n for n, data in later.items() if secret.encode() in data] == [owner]


class TestFindingTheStack:
    def _cli(self, stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
        # Only BRANDLENS_HOME (and what any program has): no NATS_URL, no credentials.
        env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"),
               "BRANDLENS_HOME": str(stack.home)}
        return subprocess.run([sys.executable, "-m", "services.cli", *args], env=env, cwd=REPO,
                              capture_output=True, text=True, timeout=60, check=False)

    async def test_up_records_its_url_and_models_finds_it_with_only_brandlens_home(self, stack: Stack) -> None:
        """4222 is held by another program, so `up` listens elsewhere; `brandlens models` with only
        BRANDLENS_HOME set reaches that server as `client` and lists the ready adapters."""
        assert not stack.nats_url.endswith(":4222")
        assert (stack.home / URL_FILE).read_text(encoding="utf-8").strip() == stack.nats_url
        result = await asyncio.to_thread(self._cli, stack, "models")
        assert result.returncode == 0, result.stderr
        assert "keyed" in result.stdout and "sim-deepseek" in result.stdout

    async def test_env_prints_the_url_and_the_client_user_for_other_tools(self, stack: Stack) -> None:
        """`brandlens env` prints `export NATS_URL=… NATS_USER=client NATS_PASSWORD=…` that a shell
        can eval; the values are the recorded URL and the client's password."""
        result = await asyncio.to_thread(self._cli, stack, "env")
        assert result.returncode == 0, result.stderr
        line = result.stdout.strip()
        assert line.startswith("export ")
        script = f"{line}; printf '%s\\n%s\\n%s' \"$NATS_URL\" \"$NATS_USER\" \"$NATS_PASSWORD\""
        shell = await asyncio.to_thread(subprocess.run, ["sh", "-c", script], capture_output=True, text=True,
                                        timeout=10, check=True)
        url, user, password = shell.stdout.split("\n")
        assert (url, user, password) == (stack.nats_url, "client", stack.credentials["client"])
        assert msgspec.json.decode((stack.home / "credentials.json").read_bytes())["client"] == password
