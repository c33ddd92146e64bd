"""The layering rules of CONTRIBUTING.md, read from the source tree (static imports) and from a
fresh interpreter (what importing the client really loads)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The command-line tool is the client library's own front end; no other service uses the client.
CLIENT_USERS = {"cli"}


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


class TestServices:
    def test_no_service_imports_another(self) -> None:
        """A service folder imports shared/ and itself only: services talk over the bus."""
        offending = []
        for path in sources("services"):
            own = path.relative_to(ROOT / "services").parts[0]
            for name in imported_modules(path):
                parts = name.split(".")
                if parts[0] == "services" and len(parts) > 1 and parts[1] != own:
                    offending.append(f"{path.relative_to(ROOT)} imports {name}")
        assert offending == []

    def test_only_the_cli_imports_the_client_library(self) -> None:
        """Services reach each other by subjects, not through shared.client (the CLI is its front end)."""
        offending = [
            f"{path.relative_to(ROOT)}"
            for path in sources("services")
            if path.relative_to(ROOT / "services").parts[0] not in CLIENT_USERS
            and any(name == "shared.client" or name.startswith("shared.client.") for name in imported_modules(path))
        ]
        assert offending == []


class TestShared:
    def test_shared_never_imports_services_or_bench(self) -> None:
        """shared/ is the bottom layer: nothing in it depends on a service or the benchmarks."""
        offending = [
            f"{path.relative_to(ROOT)} imports {name}"
            for path in sources("shared")
            for name in imported_modules(path)
            if name.split(".")[0] in {"services", "bench", "tests"}
        ]
        assert offending == []

    def test_the_client_loads_contracts_and_the_connection_layer_only(self) -> None:
        """Importing shared.client loads no analyser, report builder, provider or service module."""
        probe = "import json, sys, shared.client; print(json.dumps(sorted(sys.modules)))"
        out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
        loaded = {name for name in json.loads(out.stdout) if name.split(".")[0] in {"shared", "services", "bench"}}
        allowed = {
            "shared", "shared.client", "shared.contracts", "shared.errors", "shared.subjects", "shared.brand",
            # The parts shared.contracts re-exports (one kind of type each).
            "shared.contract_states", "shared.contract_answer", "shared.contract_messages",
            "shared.contract_records", "shared.contract_requests",
            "shared.analysis", "shared.analysis.types", "shared.report", "shared.report.types",
            "shared.report.judge_types", "shared.report.metric_types", "shared.report.citation_types",
            "shared.report.quality_types",
            # The connection layer: settings from the environment, connect with bounded retries,
            # permission errors made readable, structured logs.
            "shared.bus", "shared.config", "shared.denials", "shared.logging", "shared.retry_hints",
            "shared.replies",
        }
        assert loaded - allowed == set()
