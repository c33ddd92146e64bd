"""A minimal Chrome DevTools Protocol client over ``--remote-debugging-pipe`` (no extra package).

Chromium reads commands from fd 3 and writes replies and events to fd 4, each a JSON message
ended by a NUL byte. The report's CSP forbids scripts, so tests drive it only through the DOM,
CSS and Input domains (real mouse and key events, computed styles): no script ever runs in the
page, as for a reader.
"""

from __future__ import annotations

import fcntl
import html
import json
import os
import re
import select
import signal
import time
from pathlib import Path
from types import TracebackType
from typing import Any

_TAGS = re.compile(r"<[^>]+>")


class CdpError(RuntimeError):
    pass


def _above(fd: int, lowest: int = 10) -> int:
    """``fd`` duplicated onto a number >= ``lowest`` (the original closed)."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD, lowest)
    os.close(fd)
    return moved


class Browser:
    """One headless Chromium with one page attached; use as a context manager."""

    def __init__(self, chromium: Path, profile: Path, *, width: int = 1280, height: int = 1600,
                 timeout_s: float = 30.0) -> None:
        self.timeout_s = timeout_s
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # Chromium's ends move to fds 3 and 4: first lift them above both, so one dup2 cannot
        # clobber the other when the pipes happened to get those numbers.
        to_browser_r, from_browser_w = _above(to_browser_r), _above(from_browser_w)
        profile.mkdir(parents=True, exist_ok=True)
        command = [
            str(chromium), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--remote-debugging-pipe", f"--user-data-dir={profile}", f"--window-size={width},{height}",
            "about:blank",
        ]
        # Chromium's ends become its fds 3 and 4 (dash cannot redirect fds above 9, so no shell).
        self._pid = os.posix_spawn(str(chromium), command, dict(os.environ), file_actions=[
            (os.POSIX_SPAWN_DUP2, to_browser_r, 3),
            (os.POSIX_SPAWN_DUP2, from_browser_w, 4),
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
        ])
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        self.session = ""

    def __enter__(self) -> Browser:
        targets = self.call("Target.getTargets", session=None)["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = self.call("Target.attachToTarget", {"targetId": page["targetId"], "flatten": True},
                                 session=None)["sessionId"]
        for domain in ("Page", "DOM", "CSS"):
            self.call(f"{domain}.enable")
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        try:
            self.call("Browser.close", session=None)
        except (CdpError, OSError):
            pass
        deadline = time.monotonic() + 10
        while os.waitpid(self._pid, os.WNOHANG) == (0, 0):
            if time.monotonic() > deadline:
                os.kill(self._pid, signal.SIGKILL)
                os.waitpid(self._pid, 0)
                break
            time.sleep(0.05)
        os.close(self._to_browser)
        os.close(self._from_browser)

    # -- protocol -------------------------------------------------------------------------------

    def call(self, method: str, params: dict[str, Any] | None = None, *, session: str | None = "") -> Any:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        target = self.session if session == "" else session
        if target:
            message["sessionId"] = target
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise CdpError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method: str) -> dict[str, Any]:
        while True:
            for event in self.events:
                if event.get("method") == method:
                    self.events.remove(event)
                    return event
            self.events.append(self._read())

    def _read(self) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout_s
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._from_browser], [], [], max(left, 0))
            if not ready:
                raise CdpError(f"no message from Chromium within {self.timeout_s} s")
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise CdpError("Chromium closed the debugging pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        decoded: dict[str, Any] = json.loads(message)
        return decoded

    # -- page helpers ---------------------------------------------------------------------------

    def open(self, url: str) -> None:
        self.call("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired")

    def _root(self) -> int:
        root: int = self.call("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        return root

    def query(self, selector: str) -> int:
        node: int = self.call("DOM.querySelector", {"nodeId": self._root(), "selector": selector})["nodeId"]
        if not node:
            raise CdpError(f"no element matches {selector!r}")
        return node

    def query_all(self, selector: str) -> list[int]:
        nodes: list[int] = self.call("DOM.querySelectorAll", {"nodeId": self._root(), "selector": selector})["nodeIds"]
        return nodes

    def click(self, selector: str) -> None:
        """A real left click in the middle of the element's first box, as a mouse would."""
        node = self.query(selector)
        self.call("DOM.scrollIntoViewIfNeeded", {"nodeId": node})
        quads = self.call("DOM.getContentQuads", {"nodeId": node})["quads"]
        if not quads:
            raise CdpError(f"{selector!r} has no box on screen (hidden?)")
        quad = quads[0]
        x, y = sum(quad[0::2]) / 4, sum(quad[1::2]) / 4
        self.call("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1})

    def focus(self, selector: str) -> None:
        self.call("DOM.focus", {"nodeId": self.query(selector)})

    def press(self, key: str, code: int) -> None:
        """A key press (down and up) sent to the focused element."""
        for kind in ("rawKeyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent",
                      {"type": kind, "key": key, "code": key, "windowsVirtualKeyCode": code})

    def style(self, node: int, name: str) -> str:
        computed: list[dict[str, str]] = self.call("CSS.getComputedStyleForNode", {"nodeId": node})["computedStyle"]
        return next(item["value"] for item in computed if item["name"] == name)

    def text(self, node: int) -> str:
        outer: str = self.call("DOM.getOuterHTML", {"nodeId": node})["outerHTML"]
        return html.unescape(_TAGS.sub("", outer))
