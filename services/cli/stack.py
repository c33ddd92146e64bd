"""`brandlens up`: the whole stack as local child processes, supervised and stopped in order.

With NATS_URL set the stack joins that server instead of starting one. Each child logs JSON
to <home>/logs/<name>.log so the terminal stays readable.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from services.cli.local import forget_url, record_url
from shared.auth import adapter_user, load_or_create_credentials, server_auth_block
from shared.catalogue import Catalogue, ModelSpec
from shared.client import BrandlensClient
from shared.config import Settings
from shared.embedded import NatsServer, free_port
from shared.errors import ServiceUnavailable

DEFAULT_NATS_PORT = 4222
DEFAULT_SIMULATOR_PORT = 8770


def scoped_environ(environ: Mapping[str, str], catalogue: Catalogue, keep: str = "") -> dict[str, str]:
    """``environ`` without any catalogue model's key except ``keep``.

    Keys reach only the adapter that calls with them: a process that never holds a key can
    neither leak nor log it (the redactor in each adapter covers the one key it holds).
    """
    keys = {spec.api_key_env for spec in catalogue.models.values() if spec.api_key_env} - {keep}
    # Provider keys of models this catalogue does not list are no child's business either.
    return {k: v for k, v in environ.items() if k not in keys and (k == keep or not k.endswith("_API_KEY"))}


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def choose_port(preferred: int) -> int:
    return preferred if _port_free(preferred) else free_port()


def autostart_models(catalogue: Catalogue, environ: dict[str, str]) -> tuple[list[ModelSpec], list[tuple[str, str]]]:
    """Models `up` starts (usable ones), and the skipped ones with the reason."""
    started, skipped = [], []
    for name in catalogue.names():
        spec = catalogue.models[name]
        missing = spec.missing_env(environ)
        if not spec.autostart:
            skipped.append((name, "autostart = false in the catalogue"))
        elif missing:
            skipped.append((name, f"{missing} is not set"))
        else:
            started.append(spec)
    return started, skipped


@dataclass
class Child:
    name: str
    proc: subprocess.Popen[bytes]
    log_path: Path


@dataclass
class Stack:
    settings: Settings
    catalogue: Catalogue
    models: list[ModelSpec] | None = None
    quiet: bool = False
    # Embedded server only: per-role users and subject permissions (shared/auth.py).
    auth: bool = True
    credentials: dict[str, str] = field(default_factory=dict)
    nats: NatsServer | None = None
    nats_url: str = ""
    simulator_url: str | None = None
    children: list[Child] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def home(self) -> Path:
        return self.settings.home

    def say(self, text: str) -> None:
        if not self.quiet:
            print(text, file=sys.stderr, flush=True)

    def _env(self, role: str | None = None, key_env: str = "") -> dict[str, str]:
        """A child's environment: this process's, less every provider key but ``key_env`` (the
        one its adapter calls with); a process without a role (the simulator) gets no NATS
        credentials, one with a role its own (or, joining a server, the ones `up` was given)."""
        env = scoped_environ(os.environ, self.catalogue, keep=key_env)
        if role is None:
            for name in ("NATS_USER", "NATS_PASSWORD", "NATS_CREDS"):
                env.pop(name, None)
        env["NATS_URL"] = self.nats_url
        if role and role in self.credentials:
            env["NATS_USER"], env["NATS_PASSWORD"] = role, self.credentials[role]
        env.setdefault("BRANDLENS_LOG_FORMAT", "json")
        env["BRANDLENS_HOME"] = str(self.home)
        if self.simulator_url:
            env["BRANDLENS_SIMULATOR_URL"] = self.simulator_url
        return env

    def _spawn(self, name: str, args: list[str], role: str | None = None, key_env: str = "") -> Child:
        logs = self.home / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        log_path = logs / f"{name}.log"
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(
                [sys.executable, *args], stdout=log, stderr=subprocess.STDOUT, env=self._env(role, key_env),
                start_new_session=True,
            )
        child = Child(name, proc, log_path)
        self.children.append(child)
        return child

    async def start(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        if self.settings.nats_url:
            self.nats_url = self.settings.nats_url
            self.say(f"using NATS at {self.nats_url}")
        if self.models is None:
            self.models, self.skipped = autostart_models(self.catalogue, dict(os.environ))
        if not self.settings.nats_url:
            auth_conf = None
            if self.auth:
                self.credentials = load_or_create_credentials(self.home, self.catalogue.names())
                auth_conf = server_auth_block(self.credentials, self.catalogue.names())
            self.nats = NatsServer(self.home / "nats", port=choose_port(DEFAULT_NATS_PORT), auth_conf=auth_conf,
                                   environ=scoped_environ(os.environ, self.catalogue))
            await asyncio.to_thread(self.nats.start)
            self.nats_url = self.nats.url
            # Other commands with this BRANDLENS_HOME find the server here when NATS_URL is unset.
            record_url(self.home, self.nats_url)
            self.say(f"nats-server  {self.nats_url}  (JetStream store {self.nats.store_dir / 'jetstream'})")
            if self.auth:
                self.say(f"credentials  {self.home / 'credentials.json'} (user 'client' for the CLI and other "
                         "services, 'operator' for the nats CLI; `brandlens env` prints them as exports)")
        if any(spec.simulated for spec in self.models):
            if self.settings.simulator_url:
                self.simulator_url = self.settings.simulator_url
            else:
                port = choose_port(DEFAULT_SIMULATOR_PORT)
                self.simulator_url = f"http://127.0.0.1:{port}"
                self._spawn("simulator", ["-m", "services.simulator", "--host", "127.0.0.1", "--port", str(port)])
                await self._wait_port("127.0.0.1", port, "simulator")
                self.say(f"simulator    {self.simulator_url}")
        self._spawn("aggregator", ["-m", "services.aggregator"], role="aggregator")
        self._spawn("dispatcher", ["-m", "services.dispatcher"], role="dispatcher")
        self._spawn("monitors", ["-m", "services.monitors"], role="monitors")
        for spec in self.models:
            self._spawn(f"adapter-{spec.name}", ["-m", "services.adapter", "--model", spec.name],
                        role=adapter_user(spec.name), key_env=spec.api_key_env)
        await self.wait_ready()
        for child in self.children:
            self.say(f"{child.name:<22} pid {child.proc.pid}  log {child.log_path}")
        for name, reason in self.skipped:
            self.say(f"not started: {name} ({reason})")

    async def _wait_port(self, host: str, port: int, name: str, timeout_s: float = 20) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.check_children()
            with contextlib.suppress(OSError):
                _reader, writer = await asyncio.open_connection(host, port)
                writer.close()
                return
            await asyncio.sleep(0.05)
        raise TimeoutError(f"{name} did not listen on {host}:{port}")

    def client_settings(self) -> Settings:
        """Settings a client of this stack connects with (the `client` role when auth is on)."""
        if "client" not in self.credentials:
            return self.settings
        return msgspec.structs.replace(self.settings, nats_user="client", nats_password=self.credentials["client"])

    def check_children(self) -> None:
        for child in self.children:
            code = child.proc.poll()
            if code is not None:
                tail = child.log_path.read_text(errors="replace").splitlines()[-15:]
                raise RuntimeError(f"{child.name} exited with code {code}:\n" + "\n".join(tail))

    async def wait_ready(self, timeout_s: float = 40.0) -> None:
        wanted = {spec.name for spec in self.models or []}
        deadline = time.monotonic() + timeout_s
        client = await BrandlensClient.connect(self.nats_url, settings=self.client_settings(), timeout_s=5)
        try:
            while True:
                self.check_children()
                try:
                    listing = await client.models()
                    ready = {m["model"] for m in listing if m["ready"]}
                    await client.runs(limit=1)
                    if wanted <= ready:
                        return
                except ServiceUnavailable:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"stack not ready after {timeout_s:g}s (waiting for {sorted(wanted)})")
                await asyncio.sleep(0.1)
        finally:
            await client.close()

    async def stop(self, timeout_s: float = 20.0) -> None:
        # Producers first, then consumers, then the bus: in-flight cells finish or go back.
        groups = [
            [c for c in self.children if c.name == "dispatcher"],
            [c for c in self.children if c.name.startswith("adapter-")],
            [c for c in self.children if c.name == "aggregator"],
            [c for c in self.children if c.name == "simulator"],
        ]
        for group in groups:
            for child in group:
                if child.proc.poll() is None:
                    child.proc.send_signal(signal.SIGTERM)
            for child in group:
                try:
                    await asyncio.to_thread(child.proc.wait, timeout_s)
                except subprocess.TimeoutExpired:
                    child.proc.kill()
        if self.nats is not None:
            await asyncio.to_thread(self.nats.stop)
            forget_url(self.home, self.nats_url)
