"""Which event loop the services run on (shared/runtime.py, BRANDLENS_EVENT_LOOP)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import uvloop

from shared.config import SettingsError, load_settings
from shared.runtime import GC_THRESHOLDS, event_loop_factory, run_service


async def _loop_module() -> int:
    return 1 if type(asyncio.get_running_loop()).__module__.startswith("uvloop") else 0


class TestEventLoopChoice:
    def test_uvloop_is_the_default(self) -> None:
        """Without BRANDLENS_EVENT_LOOP the settings pick uvloop and the factory makes uvloop loops."""
        settings = load_settings({})
        assert settings.event_loop == "uvloop"
        assert event_loop_factory(settings.event_loop) is uvloop.new_event_loop

    def test_asyncio_opts_out(self) -> None:
        """BRANDLENS_EVENT_LOOP=asyncio gives asyncio's own loop."""
        assert load_settings({"BRANDLENS_EVENT_LOOP": "asyncio"}).event_loop == "asyncio"
        assert event_loop_factory("asyncio") is asyncio.new_event_loop

    def test_unknown_loop_is_rejected_naming_the_variable(self) -> None:
        """Any other value stops the process with a message naming the variable and the choices."""
        with pytest.raises(SettingsError, match=r"BRANDLENS_EVENT_LOOP='trio'.*uvloop or asyncio"):
            load_settings({"BRANDLENS_EVENT_LOOP": "trio"})


class TestRunService:
    def test_runs_the_coroutine_on_the_chosen_loop_and_returns_its_code(self) -> None:
        """run_service drives a coroutine to its exit code on a fresh loop of the chosen kind (in a
        thread: the test session's own loop is already running in this one)."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1) as pool:
            assert pool.submit(run_service, _loop_module(), "uvloop").result() == 1
            assert pool.submit(run_service, _loop_module(), "asyncio").result() == 0


class TestCollectorTuning:
    def test_service_processes_collect_young_objects_less_often(self, tmp_path: Path) -> None:
        """A service process (here the simulator's) runs with GC_THRESHOLDS and a frozen start-up heap."""
        import subprocess
        import sys

        # The simulator's main() up to the point where it would serve: run_service is replaced by
        # a probe that reports the collector's state instead.
        probe = "\n".join([
            "import gc, runpy, sys",
            "from shared import runtime",
            "def report(main, event_loop='uvloop'):",
            "    main.close()",
            "    print(gc.get_threshold(), gc.get_freeze_count() > 0)",
            "    return 0",
            "runtime.run_service = report",
            "sys.argv = ['simulator']",
            "runpy.run_module('services.simulator', run_name='__main__')",
        ])
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60,
                             cwd=Path(__file__).resolve().parents[2])
        assert out.stdout.strip() == f"{GC_THRESHOLDS} True", out.stderr
