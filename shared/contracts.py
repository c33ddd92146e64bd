"""Messages on the bus and records in the store, as msgspec Structs (JSON on the wire).

Why these rules:
- Every message carries ``v`` (the contract version). Fields are only ever *added*, each with
  a default, so an old reader decodes a new message and a new reader decodes an old one.
- Unknown fields are ignored (msgspec's default; never ``forbid_unknown_fields``), so a newer
  producer never breaks an older consumer.
- Bus messages are a tagged union on ``type`` so one decoder serves a subject that carries
  several kinds of event, and a person reading ``nats sub`` output sees what each one is.
- Encoders/decoders are built once at import: msgspec compiles them, and building one per
  message would cost more than the decode itself.

The types live in parts, one kind each: the version and states (contract_states), an answer's
parts (contract_answer), bus messages (contract_messages), stored records (contract_records),
requests and replies (contract_requests). This module re-exports all of them, so an importer
needs only ``shared.contracts``, and builds the codecs.
"""

from __future__ import annotations

import msgspec

from shared.brand import Brand
from shared.contract_answer import (
    Citation,
    ErrorInfo,
    Source,
    SourceKind,
    Span,
    Surface,
    Usage,
)
from shared.contract_messages import (
    CellResult,
    Completed,
    Job,
    ModelHealth,
    Progress,
    RunEvent,
)
from shared.contract_records import (
    CellRecord,
    CellSpec,
    RunRecord,
)
from shared.contract_requests import (
    DiagnosisRequest,
    ErrorReply,
    FieldError,
    ModelEstimate,
    RunEstimate,
    SubmitAccepted,
)
from shared.contract_states import (
    ANSWERED,
    CONTRACT_VERSION,
    FLAGGED,
    TERMINAL_RUN,
    CellStatus,
    JobPurpose,
    RunStatus,
    Stage,
)

__all__ = [
    "ANSWERED",
    "CONTRACT_VERSION",
    "FLAGGED",
    "TERMINAL_RUN",
    "Brand",
    "CellRecord",
    "CellResult",
    "CellSpec",
    "CellStatus",
    "Citation",
    "Completed",
    "DiagnosisRequest",
    "ErrorInfo",
    "ErrorReply",
    "FieldError",
    "Job",
    "JobPurpose",
    "ModelEstimate",
    "ModelHealth",
    "Progress",
    "RunEstimate",
    "RunEvent",
    "RunRecord",
    "RunStatus",
    "Source",
    "SourceKind",
    "Span",
    "Stage",
    "SubmitAccepted",
    "Surface",
    "Usage",
    "accepted_decoder",
    "cell_decoder",
    "encode",
    "encoder",
    "error_decoder",
    "event_decoder",
    "health_decoder",
    "job_decoder",
    "request_decoder",
    "result_decoder",
    "run_decoder",
]

# Built once: msgspec compiles an encoder/decoder per type, which is the expensive part.
encoder = msgspec.json.Encoder()
request_decoder = msgspec.json.Decoder(DiagnosisRequest)
job_decoder = msgspec.json.Decoder(Job)
result_decoder = msgspec.json.Decoder(CellResult)
event_decoder = msgspec.json.Decoder(RunEvent)
health_decoder = msgspec.json.Decoder(ModelHealth)
run_decoder = msgspec.json.Decoder(RunRecord)
cell_decoder = msgspec.json.Decoder(CellRecord)
accepted_decoder = msgspec.json.Decoder(SubmitAccepted)
error_decoder = msgspec.json.Decoder(ErrorReply)


def encode(obj: object) -> bytes:
    return encoder.encode(obj)
