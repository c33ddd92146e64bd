"""NATS accounts for the stack: one user per service role, each allowed only its subjects.

`brandlens up` generates random passwords into ``<home>/credentials.json`` (mode 0600) and
hands each child its own user through NATS_USER/NATS_PASSWORD. The permissions are the
security boundary: an adapter may only fetch and ack its own model's jobs, publish that
model's results and heartbeat, and read cells (to skip a redelivered job already stored) —
a compromised adapter cannot read reports, other models' jobs, or submit runs. The `client`
role reads events, KV and reports (JetStream consumers included) and nothing else. The table
in docs/operations.md ('Roles') and tests/security/test_permission_matrix.py state and pin them.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from shared import subjects

CREDENTIALS_FILE = "credentials.json"

_KV_DIRECT = "$JS.API.DIRECT.GET.KV_{bucket}.>"
# JetStream management that no service below the operator may do.
_DESTRUCTIVE = [
    "$JS.API.STREAM.DELETE.>", "$JS.API.STREAM.PURGE.>", "$JS.API.STREAM.UPDATE.>",
    "$JS.API.CONSUMER.DELETE.>", "$JS.API.STREAM.MSG.DELETE.>",
]


def adapter_user(model: str) -> str:
    return f"adapter-{model}"


def _adapter_permissions(model: str) -> dict[str, object]:
    consumer = subjects.adapter_consumer(model)
    jobs = subjects.JOBS_STREAM
    return {
        "publish": {
            "allow": [
                subjects.result_subject(model),
                f"$JS.API.CONSUMER.MSG.NEXT.{jobs}.{consumer}",
                f"$JS.API.CONSUMER.INFO.{jobs}.{consumer}",
                f"$JS.API.CONSUMER.CREATE.{jobs}.{consumer}.>",
                f"$JS.API.CONSUMER.CREATE.{jobs}.{consumer}",
                f"$JS.API.CONSUMER.DURABLE.CREATE.{jobs}.{consumer}",
                f"$JS.ACK.{jobs}.{consumer}.>",
                f"$KV.{subjects.HEALTH_BUCKET}.{model}",
                _KV_DIRECT.format(bucket=subjects.CELLS_BUCKET),
                f"$JS.API.STREAM.MSG.GET.KV_{subjects.CELLS_BUCKET}",
                # ... and judgements, to skip a redelivered judge job already judged.
                _KV_DIRECT.format(bucket=subjects.JUDGEMENTS_BUCKET),
                f"$JS.API.STREAM.MSG.GET.KV_{subjects.JUDGEMENTS_BUCKET}",
                "$JS.API.STREAM.INFO.*", "$JS.API.INFO",
                "$SRV.>",
            ],
        },
        "subscribe": {"allow": ["_INBOX.>", "$SRV.>", subjects.health_subject(model)]},
        "allow_responses": True,
    }


def _aggregator_deny() -> list[str]:
    """The aggregator replaces reports (an object put purges the old chunks) and removes jobs
    that hit MaxDeliver once recorded; everything else destructive stays denied. NATS wildcards
    match whole tokens only, so the protected streams are listed one by one."""
    protected = [subjects.JOBS_STREAM, subjects.RESULTS_STREAM, subjects.EVENTS_STREAM, subjects.ADVISORIES_STREAM]
    protected += [f"KV_{bucket}" for bucket in (subjects.RUNS_BUCKET, subjects.CELLS_BUCKET,
                                                  subjects.REQUESTS_BUCKET, subjects.HEALTH_BUCKET,
                                                  subjects.JUDGEMENTS_BUCKET)]
    deny = ["$JS.API.STREAM.DELETE.>", "$JS.API.STREAM.UPDATE.>", "$JS.API.CONSUMER.DELETE.>"]
    deny += [f"$JS.API.STREAM.PURGE.{name}" for name in protected]
    deny += [f"$JS.API.STREAM.MSG.DELETE.{name}" for name in protected if name != subjects.JOBS_STREAM]
    return deny


def _service_permissions(extra_subscribe: list[str], deny: list[str] | None = None) -> dict[str, object]:
    return {
        "publish": {"allow": [">"], "deny": _DESTRUCTIVE if deny is None else deny},
        "subscribe": {"allow": ["_INBOX.>", "$SRV.>", *extra_subscribe]},
        "allow_responses": True,
    }


# What the `client` role may read through JetStream: the run events, the KV buckets and the
# report store. Jobs, results and advisories are not among them: a client never sees a prompt
# queued for a model or a raw result.
CLIENT_READ_STREAMS = [
    subjects.EVENTS_STREAM,
    *(f"KV_{bucket}" for bucket in (subjects.RUNS_BUCKET, subjects.CELLS_BUCKET, subjects.HEALTH_BUCKET,
                                    subjects.JUDGEMENTS_BUCKET)),
    f"OBJ_{subjects.REPORTS_STORE}",
    # Monitor alerts: a client (or a late consumer) reads them from the stream.
    subjects.ALERTS_STREAM,
]


def _read_stream(stream: str) -> list[str]:
    """JetStream API subjects for reading one stream with ephemeral/ordered consumers (push or pull)
    and direct gets; nothing that creates, changes or deletes the stream or its messages."""
    return [
        f"$JS.API.STREAM.INFO.{stream}",
        f"$JS.API.STREAM.MSG.GET.{stream}",
        f"$JS.API.DIRECT.GET.{stream}", f"$JS.API.DIRECT.GET.{stream}.>",
        # Ephemeral consumers: bare (old servers), named, and named with one filter subject.
        f"$JS.API.CONSUMER.CREATE.{stream}", f"$JS.API.CONSUMER.CREATE.{stream}.>",
        f"$JS.API.CONSUMER.INFO.{stream}.*",
        f"$JS.API.CONSUMER.MSG.NEXT.{stream}.*",
        # Ordered consumers delete the consumer they replace; an ephemeral only holds a cursor.
        f"$JS.API.CONSUMER.DELETE.{stream}.*",
        f"$JS.ACK.{stream}.>", f"$JS.FC.{stream}.>",
    ]


def _client_permissions() -> dict[str, object]:
    # Other services and the CLI: request/reply endpoints, and reading (never writing) events,
    # KV and reports. An allow list, so a JetStream API the role does not need stays closed.
    allow = [
        subjects.SUBMIT, subjects.STATUS, subjects.REPORT, subjects.MODELS, subjects.RUNS_LIST,
        subjects.REANALYZE, subjects.MONITORS_WILDCARD, "$SRV.>", f"{subjects.PREFIX}.health.>",
        "$JS.API.INFO", "$JS.API.STREAM.NAMES", "$JS.API.STREAM.LIST",
    ]
    for stream in CLIENT_READ_STREAMS:
        allow += _read_stream(stream)
    return {
        "publish": {"allow": allow},
        "subscribe": {"allow": ["_INBOX.>", subjects.EVENTS_WILDCARD, subjects.ALERTS_WILDCARD]},
        "allow_responses": True,
    }


def roles(models: list[str]) -> dict[str, dict[str, object]]:
    table: dict[str, dict[str, object]] = {
        "operator": {"publish": {"allow": [">"]}, "subscribe": {"allow": [">"]}},
        "dispatcher": _service_permissions(
            [subjects.SUBMIT, subjects.MODELS, f"$JS.ACK.{subjects.JOBS_STREAM}.>", subjects.EVENTS_WILDCARD]
        ),
        # Monitors purge only their own schedule definitions (pause/delete); nothing else destructive.
        "monitors": _service_permissions(
            [subjects.MONITORS_WILDCARD, f"$JS.ACK.{subjects.SCHEDULES_STREAM}.>"],
            [d for d in _DESTRUCTIVE if d != "$JS.API.STREAM.PURGE.>"]
            + [f"$JS.API.STREAM.PURGE.{name}" for name in (
                subjects.JOBS_STREAM, subjects.RESULTS_STREAM, subjects.EVENTS_STREAM, subjects.ADVISORIES_STREAM)],
        ),
        "aggregator": _service_permissions(
            [subjects.STATUS, subjects.REPORT, subjects.RUNS_LIST, subjects.REANALYZE], _aggregator_deny()
        ),
        # The simulator never uses the bus. An empty allow list means "no restriction" to
        # nats-server (the permission matrix test caught it), so everything is denied instead.
        "simulator": {"publish": {"deny": [">"]}, "subscribe": {"deny": [">"]}},
        "client": _client_permissions(),
    }
    for model in models:
        table[adapter_user(model)] = _adapter_permissions(model)
    return table


def load_or_create_credentials(home: Path, models: list[str]) -> dict[str, str]:
    """Passwords per user, generated once and kept in <home>/credentials.json (0600)."""
    path = home / CREDENTIALS_FILE
    existing: dict[str, str] = {}
    if path.exists():
        existing = json.loads(path.read_text(encoding="utf-8"))
    wanted = set(roles(models))
    creds = {user: existing.get(user) or secrets.token_urlsafe(24) for user in sorted(wanted | set(existing))}
    if creds != existing:
        home.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(creds, handle, indent=2)
        os.replace(tmp, path)
    return creds


def server_auth_block(creds: dict[str, str], models: list[str]) -> str:
    """The `authorization { users = [...] }` block for nats-server.conf (JSON is valid NATS conf)."""
    table = roles(models)
    users = [
        {"user": user, "password": creds[user], "permissions": table[user]}
        for user in sorted(table) if user in creds
    ]
    return "authorization " + json.dumps({"users": users}, indent=2)
