"""The report's citation sections in HTML (issue #18), one block per surface.

Kept out of htmlpage.py and html_answers.py so the answer rendering can change independently.
Every piece of model or user text is escaped with ``html.escape``.
"""

from __future__ import annotations

import html

from shared.report.citations_md import SURFACE_NOTE
from shared.report.fmt import DASH, share
from shared.report.types import DomainCount, Report, SurfaceCitations


def e(text: object) -> str:
    return html.escape(str(text), quote=True)


def surface_badge(report: Report) -> str:
    """The surfaces in the page header: a search run says so at the top of the page."""
    names = " + ".join(report.surfaces) or DASH
    return f"<div class='sub'>Surface: <b>{e(names)}</b></div>"


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _domains(items: list[DomainCount]) -> str:
    return e(", ".join(f"{d.domain} ({d.answers})" for d in items) or DASH)


def _surface(block: SurfaceCitations) -> str:
    parts = [
        f"<h3>Surface {e(block.surface)} <span class='note'>{e(SURFACE_NOTE.get(block.surface, ''))}</span></h3>",
        f"<p class='note'>{block.answers_with_citations.k} of {block.answers} analysed answers cite a source.</p>",
    ]
    if block.domains:
        parts.append(_table(["Domain", "Platform", "Kind", "Answers", "Citation share"], [
            [e(d.domain), e(d.platform or DASH), e(d.category), str(d.answers), e(share(d.share))]
            for d in block.domains]))
    parts.append("<h4>Domains citing each brand 各品牌的引用来源</h4>")
    parts.append(_table(["Brand", "Answers citing it", "Domains"], [
        [e(b.brand), str(b.answers_cited), _domains(b.domains)] for b in block.brands]))
    if block.gaps:
        parts.append("<h4>Where to get cited 待争取的来源 (cite the competitor, never the brand)</h4>")
        parts.append(_table(["Competitor", "Domains"], [[e(g.competitor), _domains(g.domains)] for g in block.gaps]))
    if block.taxonomy:
        parts.append("<h4>Source kinds 来源类型</h4>")
        parts.append(_table(["Kind", "Domains", "Answers", "Citation share"], [
            [e(c.label), str(c.domains), str(c.answers), e(share(c.share))] for c in block.taxonomy]))
    return "".join(parts)


def citations_section(report: Report) -> str:
    body = "".join(_surface(b) for b in report.citations) or "<p class='note'>No analysed answers.</p>"
    return "<section><h2>Citations by surface 引用（按调用方式）</h2>" + body + "</section>"
