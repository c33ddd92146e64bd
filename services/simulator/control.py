"""The simulator's control API (``/_sim/*``): what tests use to see and steer it.

Apart from the provider endpoints (server.py) because it changes for other reasons: tests ask new
questions of the simulator (stats, the judge's log) or inject new faults, while the provider
endpoints follow the providers' documented wire formats.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
from aiohttp import web

from services.simulator.config import decode_fault, decode_shift
from services.simulator.protocols.base import encode_json

if TYPE_CHECKING:
    from services.simulator.server import Simulator


class ControlAPI:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/_sim/health", self._health)
        app.router.add_get("/_sim/stats", self._get_stats)
        app.router.add_get("/_sim/requests", self._get_requests)
        app.router.add_post("/_sim/reset", self._reset)
        app.router.add_get("/_sim/faults", self._get_faults)
        app.router.add_post("/_sim/faults", self._add_fault)
        app.router.add_delete("/_sim/faults", self._clear_faults)
        app.router.add_get("/_sim/shifts", self._get_shifts)
        app.router.add_post("/_sim/shifts", self._add_shift)
        app.router.add_delete("/_sim/shifts", self._clear_shifts)
        app.router.add_get("/_sim/judge", self._get_judge)

    async def _health(self, _request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def _get_stats(self, _request: web.Request) -> web.Response:
        return web.Response(body=encode_json(self.sim.stats.snapshot()), content_type="application/json")

    async def _get_requests(self, request: web.Request) -> web.Response:
        entries = self.sim.stats.entries(request.query.get("model"))
        return web.Response(body=encode_json(entries), content_type="application/json")

    async def _reset(self, _request: web.Request) -> web.Response:
        self.sim.reset()
        return web.json_response({"ok": True})

    async def _get_judge(self, _request: web.Request) -> web.Response:
        body = {"requests": self.sim.judge.requests, "log": list(self.sim.judge.log)}
        return web.Response(body=encode_json(body), content_type="application/json")

    async def _get_faults(self, _request: web.Request) -> web.Response:
        return web.Response(body=encode_json(self.sim.faults.snapshot()), content_type="application/json")

    async def _add_fault(self, request: web.Request) -> web.Response:
        try:
            spec = decode_fault(await request.read())
        except msgspec.ValidationError as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=400)
        except msgspec.DecodeError as exc:
            return web.json_response({"ok": False, "error": f"invalid JSON: {exc}"}, status=400)
        if not 0.0 <= spec.rate <= 1.0:
            return web.json_response({"ok": False, "error": "rate must be within 0..1"}, status=400)
        rule_id = self.sim.faults.add(spec)
        return web.json_response({"ok": True, "id": rule_id, "faults": self.sim.faults.snapshot()})

    async def _get_shifts(self, _request: web.Request) -> web.Response:
        return web.Response(body=encode_json([msgspec.to_builtins(s) for s in self.sim.shifts]),
                            content_type="application/json")

    async def _add_shift(self, request: web.Request) -> web.Response:
        try:
            shift = decode_shift(await request.read())
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=400)
        self.sim.shifts.append(shift)
        return web.json_response({"ok": True, "shifts": len(self.sim.shifts)})

    async def _clear_shifts(self, _request: web.Request) -> web.Response:
        removed, self.sim.shifts = len(self.sim.shifts), []
        return web.json_response({"ok": True, "removed": removed})

    async def _clear_faults(self, request: web.Request) -> web.Response:
        removed = self.sim.faults.clear(request.query.get("model"))
        return web.json_response({"ok": True, "removed": removed})
