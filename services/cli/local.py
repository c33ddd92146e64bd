"""Finding the stack `brandlens up` started with this BRANDLENS_HOME, and `brandlens env`.

`up` may not get port 4222 (another program holds it) and then listens on a free port: it
writes the URL to ``<home>/nats-url`` next to ``credentials.json``, so every other command
run with the same home finds it when NATS_URL is unset, and other tools get both from
`brandlens env`.
"""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path
from typing import Any

import msgspec

from shared.auth import CREDENTIALS_FILE
from shared.config import Settings

URL_FILE = "nats-url"
DEFAULT_URL = "nats://127.0.0.1:4222"


def record_url(home: Path, url: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    tmp = home / (URL_FILE + ".tmp")
    tmp.write_text(url + "\n", encoding="utf-8")
    os.replace(tmp, home / URL_FILE)


def forget_url(home: Path, url: str) -> None:
    """Remove the URL file if it still names this stack (a newer `up` may have replaced it)."""
    path = home / URL_FILE
    try:
        if path.read_text(encoding="utf-8").strip() == url:
            path.unlink()
    except FileNotFoundError:
        pass


def recorded_url(home: Path) -> str | None:
    try:
        text = (home / URL_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return text or None


def local_settings(settings: Settings, role: str = "client") -> Settings:
    """Settings for a command: NATS_URL, else the URL `up` recorded, else the default port; and
    without NATS_USER/NATS_CREDS, the `role` user from the home's credentials.json."""
    url = settings.nats_url or recorded_url(settings.home) or DEFAULT_URL
    settings = msgspec.structs.replace(settings, nats_url=url)
    path = settings.home / CREDENTIALS_FILE
    if settings.nats_user or settings.nats_creds or not path.exists():
        return settings
    creds = json.loads(path.read_text(encoding="utf-8"))
    if role not in creds:
        return settings
    return msgspec.structs.replace(settings, nats_user=role, nats_password=creds[role])


async def cmd_env(settings: Settings, args: Any) -> int:
    """`export NATS_URL=… NATS_USER=client NATS_PASSWORD=…` for `eval "$(brandlens env)"`."""
    resolved = local_settings(settings, role=args.role)
    pairs = [("NATS_URL", resolved.nats_url or DEFAULT_URL)]
    if resolved.nats_user:
        pairs += [("NATS_USER", resolved.nats_user), ("NATS_PASSWORD", resolved.nats_password or "")]
    if resolved.nats_creds:
        pairs.append(("NATS_CREDS", resolved.nats_creds))
    if resolved.nats_tls_ca:
        pairs.append(("NATS_TLS_CA", resolved.nats_tls_ca))
    print("export " + " ".join(f"{key}={shlex.quote(value)}" for key, value in pairs))
    return 0


def add_command(sub: Any) -> None:
    env = sub.add_parser("env", help="print `export NATS_URL=… NATS_USER=… NATS_PASSWORD=…` for other tools")
    env.add_argument("--role", default="client", help="user from credentials.json (client, operator, …)")
    env.set_defaults(func=cmd_env)
