"""The report's citation sections in Markdown (issue #18), one block per surface.

Kept out of markdown.py so the answer rendering there can change independently. Every piece of
model or user text goes through ``md_cell`` (HTML-escaped, table-safe).
"""

from __future__ import annotations

from shared.report.fmt import DASH, md_cell, md_text, share
from shared.report.types import DomainCount, Report, SurfaceCitations

SURFACE_NOTE = {
    "api": "plain API answers (search off)",
    "api+search": "answers with the engine's web search on",
}


def surface_line(report: Report) -> str:
    """The header line naming the surfaces, so a search run says so everywhere it is read."""
    if not report.surfaces:
        return f"- Surface: {DASH}"
    both = " · model rows are per surface, overall figures count " if len(report.surfaces) > 1 else ""
    primary = report.by_question[0].surface if both and report.by_question else ""
    return "- Surface: " + " + ".join(f"`{s}`" for s in report.surfaces) + (f"{both}`{primary}`" if both else "")


def _domains(items: list[DomainCount]) -> str:
    return ", ".join(f"{md_cell(d.domain)} ({d.answers})" for d in items) or DASH


def _surface(block: SurfaceCitations) -> list[str]:
    out = [
        f"### Surface `{block.surface}` — {SURFACE_NOTE.get(block.surface, '')}",
        "",
        f"{block.answers_with_citations.k} of {block.answers} analysed answers cite a source "
        "(a span of the answer points at it).",
        "",
    ]
    if block.domains:
        out += ["| Domain | Platform | Kind | Answers | Citation share |", "|---|---|---|---|---|"]
        out += [f"| {md_cell(d.domain)} | {md_cell(d.platform or DASH)} | {d.category} | {d.answers} | "
                f"{share(d.share)} |" for d in block.domains]
        out.append("")
    out += ["Domains citing each brand (answers):", ""]
    out += ["| Brand | Answers citing it | Domains |", "|---|---|---|"]
    out += [f"| {md_cell(b.brand)} | {b.answers_cited} | {_domains(b.domains)} |" for b in block.brands]
    out.append("")
    if block.gaps:
        out += ["Where to get cited — domains that cite the competitor but never the brand:", ""]
        out += ["| Competitor | Domains |", "|---|---|"]
        out += [f"| {md_cell(g.competitor)} | {_domains(g.domains)} |" for g in block.gaps]
        out.append("")
    if block.taxonomy:
        out += ["| Source kind | Domains | Answers | Citation share |", "|---|---|---|---|"]
        out += [f"| {md_text(c.label)} | {c.domains} | {c.answers} | {share(c.share)} |" for c in block.taxonomy]
        out.append("")
    return out


def citations_markdown(report: Report) -> list[str]:
    out = ["## Citations by surface", ""]
    if not report.citations:
        return [*out, "No analysed answers.", ""]
    for block in report.citations:
        out += _surface(block)
    return out
