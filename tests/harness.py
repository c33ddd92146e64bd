"""Real parts for tests: nats-server on a free port with a temp store, the simulator and
service processes, each keeping its log so a failure shows what happened.

Nothing here mocks the bus or HTTP: tests count effects (cells in KV, requests the simulator
saw) on the same binaries and modules that `brandlens up` runs.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

import httpx

from services.cli.stack import scoped_environ
from shared.auth import adapter_user, load_or_create_credentials, server_auth_block
from shared.catalogue import load_catalogue
from shared.config import Settings, load_settings
from shared.embedded import NatsServer

REPO = Path(__file__).resolve().parent.parent
TEST_CATALOGUE = REPO / "tests" / "models.test.toml"


class SimStats(TypedDict):
    """The simulator's /_sim/stats body (services/simulator/stats.py Stats.snapshot), counts by provider model."""

    total: int
    requests: dict[str, int]
    by_status: dict[str, dict[str, int]]  # model -> HTTP status (as a string) -> count
    in_flight: dict[str, int]
    max_in_flight: dict[str, int]
    disconnects: dict[str, int]


@dataclass
class Proc:
    name: str
    args: list[str]
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Proc:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, *self.args], stdout=log, stderr=subprocess.STDOUT,
                                         env=self.env, cwd=REPO, start_new_session=True)
        return self

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig: int) -> None:
        if self.alive:
            assert self.proc is not None
            self.proc.send_signal(sig)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(10)

    def stop(self, timeout_s: float = 20) -> int | None:
        self.signal(signal.SIGTERM)
        if self.proc is None:
            return None
        try:
            return self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def log(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class Harness:
    """One stack: nats-server, simulator, and the services a test asks for."""

    root: Path
    catalogue: Path = TEST_CATALOGUE
    latency_scale: float = 0.002
    extra_env: dict[str, str] = field(default_factory=dict)
    # Per-role NATS users with subject permissions, as `brandlens up` runs them.
    auth: bool = False
    credentials: dict[str, str] = field(default_factory=dict)
    nats: NatsServer | None = None
    simulator: Proc | None = None
    simulator_url: str = ""
    procs: dict[str, Proc] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BRANDLENS_", "NATS_"))}
        assert self.nats is not None
        env.update(NATS_URL=self.nats.url, BRANDLENS_MODELS=str(self.catalogue), BRANDLENS_LOG_FORMAT="json",
                   BRANDLENS_SIMULATOR_URL=self.simulator_url, BRANDLENS_HOME=str(self.root / "home"))
        env.update(self.extra_env)
        return env

    def start_nats(self) -> NatsServer:
        auth_conf = None
        if self.auth:
            models = load_catalogue(self.catalogue, {"BRANDLENS_SIMULATOR_URL": "http://x"}).names()
            self.credentials = load_or_create_credentials(self.root, models)
            auth_conf = server_auth_block(self.credentials, models)
        self.nats = NatsServer(self.root / "nats", port=self.nats.port if self.nats else None, auth_conf=auth_conf)
        self.nats.start()
        return self.nats

    def settings(self, role: str = "client") -> Settings:
        """Settings to connect as `role` (no user when auth is off)."""
        if not self.auth:
            return load_settings({})
        return load_settings({"NATS_USER": role, "NATS_PASSWORD": self.credentials[role]})

    def role_env(self, role: str | None) -> dict[str, str]:
        if not self.auth or role is None:
            return {}
        return {"NATS_USER": role, "NATS_PASSWORD": self.credentials[role]}

    def start_simulator(self, *extra: str) -> str:
        log_path = self.root / "simulator.log"
        args = ["-m", "services.simulator", "--host", "127.0.0.1", "--port", "0",
                "--latency-scale", str(self.latency_scale), *extra]
        proc = subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, stderr=open(log_path, "ab"),
                                cwd=REPO, start_new_session=True)
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()
        match = re.search(r"listening on (http://\S+)", line)
        assert match, f"simulator did not start: {line!r}"
        self.simulator = Proc("simulator", args, {}, log_path, proc)
        self.simulator_url = match.group(1)
        return self.simulator_url

    def start(self, name: str, *args: str, env: dict[str, str] | None = None, role: str | None = None) -> Proc:
        # As `brandlens up` does: a provider key only in the environment of its model's adapter.
        catalogue = load_catalogue(self.catalogue, {"BRANDLENS_SIMULATOR_URL": "http://x"})
        model = args[args.index("--model") + 1] if "--model" in args else None
        spec = catalogue.get(model) if model else None
        base = scoped_environ({**self.env(), **self.role_env(role)}, catalogue, keep=spec.api_key_env if spec else "")
        full_env = {**base, **(env or {})}
        proc = Proc(name, list(args), full_env, self.root / f"{name}.log").start()
        self.procs[name] = proc
        return proc

    def start_stack(self, models: list[str]) -> None:
        self.start_nats()
        self.start_simulator()
        self.start("aggregator", "-m", "services.aggregator", role="aggregator")
        self.start("dispatcher", "-m", "services.dispatcher", role="dispatcher")
        for model in models:
            self.start(f"adapter-{model}", "-m", "services.adapter", "--model", model, role=adapter_user(model))

    def sim_stats(self) -> SimStats:
        result: SimStats = httpx.get(f"{self.simulator_url}/_sim/stats", timeout=5).json()
        return result

    def logs(self) -> str:
        parts = [f"--- {p.name} ---\n{p.log()}" for p in self.procs.values()]
        if self.nats:
            parts.append(f"--- nats-server ---\n{self.nats.log_tail()}")
        return "\n".join(parts)

    def close(self) -> None:
        for proc in self.procs.values():
            proc.stop(10)
        if self.simulator:
            self.simulator.kill()
        if self.nats:
            self.nats.stop()


def wait_until(predicate: object, timeout_s: float = 20.0, interval_s: float = 0.05) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        time.sleep(interval_s)
    raise TimeoutError(f"condition not met within {timeout_s}s")
