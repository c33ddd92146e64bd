"""Inline SVG charts for the HTML report (no scripts, no external resources).

Why hand-written SVG: the report must render offline from one file and be safe to open from
an email attachment, so no charting library, no JavaScript. Every piece of text placed in a
chart goes through ``esc`` (brand names and questions are user input; models are catalogue
names, escaped anyway). Null metrics are drawn as "no data", never as zero-length bars.
"""

from __future__ import annotations

import html
import unicodedata

from shared.report.types import BrandMetrics, Breakdown, MatrixCell

MAIN_COLOUR = "#2563eb"
COMPETITOR_COLOURS = ("#f97316", "#10b981", "#a855f7", "#e11d48", "#ca8a04", "#0891b2", "#64748b")
DISCOVERED_COLOUR = "#94a3b8"
TONE_COLOURS = {"positive": "#16a34a", "neutral": "#94a3b8", "negative": "#dc2626"}
EMPTY_FILL = "#f1f5f9"
WIDTH = 960
LABEL_W = 170
FONT = 12


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def text_width(text: str, size: int = FONT) -> float:
    """Approximate rendered width: CJK and other wide glyphs take about 1 em, the rest ~0.58."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.58 for ch in text)


def fit(text: str, max_width: float, size: int = FONT) -> str:
    if text_width(text, size) <= max_width:
        return text
    out = ""
    for ch in text:
        if text_width(out + ch + "…", size) > max_width:
            break
        out += ch
    return out + "…"


def brand_colours(brands: list[BrandMetrics]) -> dict[str, str]:
    colours: dict[str, str] = {}
    competitor = 0
    for brand in brands:
        if brand.kind == "main":
            colours[brand.brand] = MAIN_COLOUR
        elif brand.kind == "competitor":
            colours[brand.brand] = COMPETITOR_COLOURS[competitor % len(COMPETITOR_COLOURS)]
            competitor += 1
        else:
            colours[brand.brand] = DISCOVERED_COLOUR
    return colours


def _svg(height: float, body: list[str], label: str, width: float = WIDTH) -> str:
    # Natural pixel size (capped by CSS max-width) so 12 px text stays 12 px on screen.
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="{esc(label)}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}">'
        + "".join(body)
        + "</svg>"
    )


def _label(x: float, y: float, text: str, *, anchor: str = "start", size: int = FONT, cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"'
        f' dominant-baseline="middle"{klass}>{esc(text)}</text>'
    )


def _legend(
    items: list[tuple[str, str]], y: float, x0: float = LABEL_W, width: float = WIDTH
) -> tuple[list[str], float]:
    """Legend swatches wrapping across lines; returns the elements and the height used."""
    out: list[str] = []
    x, line = x0, 0
    for name, colour in items:
        label = fit(name, 140)
        w = 18 + text_width(label) + 16
        if x + w > width - 10 and x > x0:
            x, line = x0, line + 1
        yy = y + line * 18
        out.append(f'<rect x="{x:.1f}" y="{yy - 5:.1f}" width="11" height="11" rx="2" fill="{colour}"/>')
        out.append(_label(x + 16, yy + 0.5, label, cls="muted"))
        x += w
    return out, (line + 1) * 18


def _axis(top: float, bottom: float, plot_w: float) -> list[str]:
    out: list[str] = []
    for tick in (0, 25, 50, 75, 100):
        x = LABEL_W + plot_w * tick / 100
        out.append(f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{bottom:.1f}" class="grid"/>')
        out.append(_label(x, bottom + 12, f"{tick}%", anchor="middle", size=10, cls="muted"))
    return out


def visibility_by_model(groups: list[Breakdown], brands: list[BrandMetrics]) -> str:
    """Grouped bars: each tracked brand's visibility per model with its 95% interval whisker."""
    colours = brand_colours(brands)
    tracked = [b.brand for b in brands if b.kind != "discovered"]
    plot_w = WIDTH - LABEL_W - 70
    legend, legend_h = _legend([(name, colours[name]) for name in tracked], 12)
    bar_h, gap, group_gap = 13, 3, 14
    y = 12 + legend_h + 6
    top = y
    body: list[str] = []
    for group in groups:
        by_name = {b.brand: b for b in group.brands}
        group_h = len(tracked) * (bar_h + gap) - gap
        body.append(_label(LABEL_W - 10, y + group_h / 2, fit(group.key, LABEL_W - 16), anchor="end"))
        for name in tracked:
            metric = by_name.get(name)
            p = metric.visibility if metric else None
            if p is None or p.value is None:
                body.append(
                    f'<rect x="{LABEL_W}" y="{y:.1f}" width="{plot_w:.1f}" height="{bar_h}" '
                    f'fill="{EMPTY_FILL}"/>'
                )
                body.append(_label(LABEL_W + 6, y + bar_h / 2, "no data", size=10, cls="muted"))
            else:
                w = max(plot_w * p.value, 1.5)
                body.append(
                    f'<rect x="{LABEL_W}" y="{y:.1f}" width="{w:.1f}" height="{bar_h}" rx="2" '
                    f'fill="{colours[name]}"><title>{esc(name)}: {p.value * 100:.0f}% of {p.n}</title></rect>'
                )
                lo = LABEL_W + plot_w * (p.low or 0.0)
                hi = LABEL_W + plot_w * (p.high or 0.0)
                mid = y + bar_h / 2
                body.append(
                    f'<path d="M{lo:.1f} {mid:.1f}H{hi:.1f}M{lo:.1f} {mid - 4:.1f}V{mid + 4:.1f}'
                    f'M{hi:.1f} {mid - 4:.1f}V{mid + 4:.1f}" class="whisker"/>'
                )
                body.append(_label(hi + 6, mid, f"{p.value * 100:.0f}%", size=10))
            y += bar_h + gap
        y += group_gap - gap
    bottom = y - group_gap + 4
    height = bottom + 22
    return _svg(height, [*legend, *_axis(top - 4, bottom, plot_w), *body], "Visibility by model")


def _stacked_row(
    y: float,
    label: str,
    parts: list[tuple[str, float, str, str]],
    plot_w: float,
    *,
    label_w: float,
    bar_h: int = 22,
) -> list[str]:
    """One 100% bar; parts are (name, fraction, colour, inside-label)."""
    out = [_label(label_w - 8, y + bar_h / 2, fit(label, label_w - 12), anchor="end")]
    x = float(label_w)
    for name, fraction, colour, inside in parts:
        w = plot_w * fraction
        if w <= 0:
            continue
        out.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{bar_h}" fill="{colour}">'
            f"<title>{esc(name)}: {esc(inside)}</title></rect>"
        )
        if w > text_width(inside, 11) + 6:
            out.append(_label(x + w / 2, y + bar_h / 2 + 0.5, inside, anchor="middle", size=11, cls="on-bar"))
        x += w
    return out


HALF_WIDTH = 460
HALF_LABEL_W = 110


def share_of_voice(brands: list[BrandMetrics]) -> str:
    """Two 100% bars: share of voice by mentions and position-adjusted (impression share)."""
    colours = brand_colours(brands)
    tracked = [b for b in brands if b.kind != "discovered"]
    width, label_w = HALF_WIDTH, HALF_LABEL_W
    plot_w = width - label_w - 10
    legend, legend_h = _legend([(b.brand, colours[b.brand]) for b in tracked], 12, 10, width)
    y = 12 + legend_h + 6
    body: list[str] = []
    for title, pick in (("By mentions", "share_of_voice"), ("Position-adj.", "impression_share")):
        parts = []
        for b in tracked:
            value = getattr(b, pick).value
            if value is not None:
                parts.append((b.brand, value, colours[b.brand], f"{value * 100:.0f}%"))
        if parts:
            body += _stacked_row(y, title, parts, plot_w, label_w=label_w, bar_h=26)
        else:
            reason = getattr(tracked[0], pick).reason if tracked else "no brands"
            body.append(_label(label_w - 8, y + 13, title, anchor="end"))
            body.append(
                f'<rect x="{label_w}" y="{y:.1f}" width="{plot_w:.1f}" height="26" fill="{EMPTY_FILL}"/>'
            )
            body.append(_label(label_w + 8, y + 13, fit(f"no data: {reason}", plot_w - 12, 11), size=11,
                               cls="muted"))
        y += 36
    return _svg(y + 4, [*legend, *body], "Share of voice", width)


def sentiment_distribution(brands: list[BrandMetrics]) -> str:
    """Per tracked brand: positive / neutral / negative answers as a 100% bar, mean on the right."""
    tracked = [b for b in brands if b.kind != "discovered"]
    width, label_w = HALF_WIDTH, HALF_LABEL_W
    plot_w = width - label_w - 72
    legend, legend_h = _legend(list(TONE_COLOURS.items()), 12, 10, width)
    y = 12 + legend_h + 6
    body: list[str] = []
    for b in tracked:
        total = b.tones.positive + b.tones.neutral + b.tones.negative
        if total == 0:
            body.append(_label(label_w - 8, y + 10, fit(b.brand, label_w - 12), anchor="end"))
            body.append(
                f'<rect x="{label_w}" y="{y:.1f}" width="{plot_w:.1f}" height="20" fill="{EMPTY_FILL}"/>'
            )
            body.append(_label(label_w + 8, y + 10, "no scored mentions", size=11, cls="muted"))
        else:
            parts = [
                (tone, count / total, TONE_COLOURS[tone], str(count))
                for tone, count in (
                    ("positive", b.tones.positive),
                    ("neutral", b.tones.neutral),
                    ("negative", b.tones.negative),
                )
            ]
            body += _stacked_row(y, b.brand, parts, plot_w, label_w=label_w, bar_h=20)
        mean = "—" if b.sentiment.value is None else f"{b.sentiment.value:+.2f}"
        body.append(_label(label_w + plot_w + 8, y + 10, f"avg {mean}", size=11, cls="muted"))
        y += 28
    return _svg(y + 4, [*legend, *body], "Sentiment distribution", width)


def _heat_colour(rank: float) -> str:
    """Rank 1 is the darkest blue; rank 10 and beyond fades to the lightest."""
    t = min(max((rank - 1) / 9, 0.0), 1.0)
    dark, light = (30, 64, 175), (219, 234, 254)
    r, g, b = (round(d + (lt - d) * t) for d, lt in zip(dark, light, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def rank_heatmap(matrix: list[MatrixCell]) -> str:
    """Question × model: the main brand's average rank (colour) and visibility (small text)."""
    models = list(dict.fromkeys(m.model for m in matrix))
    questions = list(dict.fromkeys((m.question_index, m.question) for m in matrix))
    if not models or not questions:
        return _svg(30, [_label(10, 15, "No cells to show.", cls="muted")], "Rank heatmap")
    label_w = 230
    cell_w = min(120.0, (WIDTH - label_w - 10) / len(models))
    cell_h = 40
    body: list[str] = []
    for col, model in enumerate(models):
        x = label_w + col * cell_w + cell_w / 2
        body.append(_label(x, 14, fit(model, cell_w - 6, 11), anchor="middle", size=11, cls="muted"))
    lookup = {(m.question_index, m.model): m for m in matrix}
    y = 28.0
    for index, question in questions:
        body.append(
            f"<g><title>{esc(question)}</title>"
            + _label(label_w - 10, y + cell_h / 2, fit(f"Q{index + 1} {question}", label_w - 16), anchor="end")
            + "</g>"
        )
        for col, model in enumerate(models):
            entry = lookup.get((index, model))
            x = label_w + col * cell_w
            cx, cy = x + cell_w / 2, y + cell_h / 2
            if entry is None or entry.analysed == 0:
                body.append(
                    f'<rect x="{x + 1:.1f}" y="{y + 1:.1f}" width="{cell_w - 2:.1f}" height="{cell_h - 2}" '
                    f'rx="3" fill="#ffffff" class="nodata"/>'
                )
                body.append(_label(cx, cy, "no answer", size=10, anchor="middle", cls="muted"))
                continue
            rank = entry.avg_rank.value
            fill = EMPTY_FILL if rank is None else _heat_colour(rank)
            dark = rank is not None and rank <= 5
            cls = "on-dark" if dark else ""
            top = "not ranked" if rank is None else f"#{rank:.1f}"
            vis = entry.visibility.value or 0.0
            body.append(
                f'<rect x="{x + 1:.1f}" y="{y + 1:.1f}" width="{cell_w - 2:.1f}" height="{cell_h - 2}" rx="3" '
                f'fill="{fill}"><title>{esc(model)} · Q{index + 1}: {esc(top)}, '
                f"mentioned in {vis * 100:.0f}% of {entry.analysed}</title></rect>"
            )
            body.append(_label(cx, cy - 7, top, size=12, anchor="middle", cls=cls))
            body.append(_label(cx, cy + 9, f"seen {vis * 100:.0f}%", size=10, anchor="middle", cls=cls))
        y += cell_h
    return _svg(y + 6, body, "Rank heatmap", label_w + cell_w * len(models) + 10)
