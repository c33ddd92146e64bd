"""The report page's look and its security policy: the inline stylesheet, the
Content-Security-Policy meta value and the one escaping helper every HTML section uses.

Separate from the page's structure so the run report and the trend page
(shared/report/trend_html.py) share one style and one policy.
"""

from __future__ import annotations

import html

CSS = """
:root { --ink:#0f172a; --muted:#64748b; --line:#e2e8f0; --bg:#f8fafc; --main:#2563eb; }
* { box-sizing:border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font-family:-apple-system,BlinkMacSystemFont,"Segoe UI","PingFang SC","Hiragino Sans GB",
  "Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei",
  "Helvetica Neue",Arial,sans-serif; font-size:14px; line-height:1.55; }
main { max-width:1080px; margin:0 auto; padding:28px 28px 60px; }
header h1 { font-size:26px; margin:0 0 4px; }
header .sub { color:var(--muted); }
.badge { display:inline-block; padding:1px 10px; border-radius:999px; font-size:12px; font-weight:600;
  vertical-align:middle; margin-left:8px; }
.badge.complete { background:#dcfce7; color:#166534; } .badge.partial { background:#fef9c3; color:#854d0e; }
.badge.failed { background:#fee2e2; color:#991b1b; }
.headline { font-size:17px; font-weight:600; margin:18px 0; padding:14px 18px; background:#fff;
  border-left:4px solid var(--main);
  border-radius:6px; box-shadow:0 1px 2px rgba(15,23,42,.06); }
.kpis { display:grid; grid-template-columns:repeat(4,1fr); gap:12px; margin:18px 0 8px; }
.kpi { background:#fff; border:1px solid var(--line); border-radius:10px; padding:12px 14px; }
.kpi .v { font-size:24px; font-weight:700; color:var(--ink); }
.kpi .l { color:var(--muted); font-size:12px; } .kpi .s { color:var(--muted); font-size:12px; }
section { background:#fff; border:1px solid var(--line); border-radius:10px; padding:16px 20px; margin:16px 0; }
h2 { font-size:17px; margin:0 0 10px; } h3 { font-size:14px; margin:14px 0 6px; color:var(--muted); }
.grid2 { display:grid; grid-template-columns:1fr 1fr; gap:16px; }
table { border-collapse:collapse; width:100%; font-size:13px; }
th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { color:var(--muted); font-weight:600; font-size:12px; white-space:nowrap; }
td.n { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
tr.main td { background:#eff6ff; font-weight:600; }
.muted { color:var(--muted); fill:var(--muted); }
.note { color:var(--muted); font-size:12px; }
svg.chart { display:block; max-width:100%; height:auto; margin:4px 0; }
svg.chart text { fill:var(--ink); font-family:inherit; }
svg.chart text.muted { fill:var(--muted); }
svg.chart text.on-bar, svg.chart text.on-dark { fill:#fff; font-weight:600; }
svg.chart .grid { stroke:var(--line); stroke-width:1; }
svg.chart .whisker { stroke:#334155; stroke-width:1.2; fill:none; opacity:.75; }
svg.chart .nodata { stroke:var(--line); stroke-dasharray:3 3; }
details { border:1px solid var(--line); border-radius:8px; margin:8px 0; background:#fff; }
summary { cursor:pointer; padding:8px 12px; font-weight:600; }
summary .st { font-weight:400; color:var(--muted); font-size:12px; }
.chip { display:inline-block; padding:0 8px; margin:0 6px; border-radius:999px; font-size:12px; font-weight:600; }
.chip.hit { background:#dbeafe; color:#1e40af; } .chip.miss { background:#f1f5f9; color:#64748b; }
.chip.fail { background:#fee2e2; color:#991b1b; }
.answer { white-space:pre-wrap; word-break:break-word; margin:0; padding:10px 14px 14px;
  border-top:1px solid var(--line); font-family:inherit; font-size:13px; }
.meta { padding:3px 14px; color:var(--muted); font-size:12px; }
.err { color:#991b1b; }
footer { color:var(--muted); font-size:12px; margin-top:24px; }
@media print { details { break-inside:avoid; } body { background:#fff; } }
"""

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'none'"


def e(text: object) -> str:
    return html.escape(str(text), quote=True)
