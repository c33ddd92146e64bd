"""The judge section in Markdown and HTML: counts, agreement per field and model, disagreements.

All judge and answer text is escaped (a quote is untrusted model output); lists stop at
``JUDGE_ITEMS`` rows, report.json keeps every item.
"""

from __future__ import annotations

import html

from shared.report.fmt import DASH, money
from shared.report.judge_types import FieldAgreement, JudgeAgreement, JudgedValue, JudgeSummary

JUDGE_ITEMS = 200
_NOTE = ("Second opinion of {judge} on the analyser's unsure verdicts. The figures above are the rules' "
         "verdicts, unchanged; agreement counts accepted judge verdicts only (quote verbatim in the answer).")


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def _cell(text: str) -> str:
    return _e(text).replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _agree(a: FieldAgreement) -> str:
    return DASH if a.value is None else f"{a.value * 100:.0f}% ({a.k}/{a.n})"


def _value(value: JudgedValue, field: str) -> str:
    if field == "rank":
        return "unranked" if value is None else f"rank {value}"
    return DASH if value is None else str(value)


def _counts(s: JudgeSummary) -> str:
    statuses = ", ".join(f"{status} {n}" for status, n in sorted(s.by_status.items())) or DASH
    return (f"Judge jobs: {s.jobs} ({statuses}; unparseable replies {s.unparseable}). Unsure verdicts sent: "
            f"{s.asked} · accepted {s.accepted} · discarded for a bad quote {s.discarded_bad_quote} · "
            f"discarded as invalid {s.discarded_invalid} · unanswered {s.unanswered}. "
            f"Judge cost: {money(s.cost.amount, s.cost.currency)}"
            + (f" ({s.cost.reason})" if s.cost.reason else "") + ".")


def _rows(s: JudgeSummary) -> list[tuple[str, JudgeAgreement]]:
    return [(a.model or DASH, a) for a in s.by_model] + [("all models", s.agreement)]


AGREEMENT_HEADERS = ["Model", "Jobs", "Sent", "Accepted", "Discarded", "Rank agreement", "Tone agreement"]


def _agreement_cells(a: JudgeAgreement) -> list[str]:
    return [str(a.jobs), str(a.asked), str(a.accepted), str(a.discarded), _agree(a.rank), _agree(a.tone)]


def judge_markdown(s: JudgeSummary) -> list[str]:
    out = ["## Judge (second opinion)", "", _e(_NOTE.format(judge=s.judge)), "", _e(_counts(s)), ""]
    out += ["| " + " | ".join(AGREEMENT_HEADERS) + " |", "|" + "---|" * len(AGREEMENT_HEADERS)]
    out += ["| " + " | ".join([_cell(label), *_agreement_cells(a)]) + " |" for label, a in _rows(s)]
    out += ["", f"Disagreements ({len(s.disagreements)}; the rule verdict stands):", ""]
    for d in s.disagreements[:JUDGE_ITEMS]:
        out.append(f"- `{_e(d.cell_id)}` Q{d.question_index + 1} {_e(d.model)} · {_e(d.brand)} {d.field}: "
                   f"rules {_value(d.rule, d.field)}, judge {_value(d.judge, d.field)} — “{_e(d.quote)}”")
    if len(s.disagreements) > JUDGE_ITEMS:
        out.append(f"- … {len(s.disagreements) - JUDGE_ITEMS} more in report.json (`judge.disagreements`)")
    return [*out, ""]


def judge_html(s: JudgeSummary) -> str:
    head = "".join(f"<th>{h}</th>" for h in AGREEMENT_HEADERS)
    rows = "".join(
        f"<tr><td>{_e(label)}</td>" + "".join(f"<td class='n'>{_e(c)}</td>" for c in _agreement_cells(a)) + "</tr>"
        for label, a in _rows(s)
    )
    items = "".join(
        f"<li><code>{_e(d.cell_id)}</code> Q{d.question_index + 1} {_e(d.model)} · {_e(d.brand)} {_e(d.field)}: "
        f"rules {_e(_value(d.rule, d.field))}, judge {_e(_value(d.judge, d.field))} — “{_e(d.quote)}”</li>"
        for d in s.disagreements[:JUDGE_ITEMS]
    )
    more = len(s.disagreements) - JUDGE_ITEMS
    return (
        f"<p class='note'>{_e(_NOTE.format(judge=s.judge))}</p><p>{_e(_counts(s))}</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
        f"<p>Disagreements ({len(s.disagreements)}; the rule verdict stands):</p>"
        + (f"<ul>{items}</ul>" if items else "")
        + (f"<p class='note'>… {more} more in report.json (judge.disagreements).</p>" if more > 0 else "")
    )
