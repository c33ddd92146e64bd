"""A report whose user and model text is hostile HTML: for escaping tests (unit and browser)."""

from __future__ import annotations

from shared.contracts import ErrorInfo
from shared.report import build_report
from shared.report.types import Report
from tests.report.factory import MAIN, absent, analysis, cell, make_run, seen

SCRIPT = "<script>alert(1)</script>"
BOLD_BRAND = "<b>x</b>"
IMG_ENTITY = "<img src=x onerror=alert(2)>"
QUESTION = "哪个好？<i>q</i>"


def hostile_report() -> Report:
    run = make_run(questions=[QUESTION], models=["m<1>"], competitors=(BOLD_BRAND,), total=2, status="partial")
    cells = [
        cell("c1", model="m<1>", question=QUESTION, answer=f"推荐 {BOLD_BRAND}。{SCRIPT}",
             citations=["https://evil.example/<x>"],
             result_analysis=analysis({MAIN: seen(rank=2), BOLD_BRAND: seen(rank=1)},
                                      recommended=[BOLD_BRAND, MAIN, IMG_ENTITY], discovered=[IMG_ENTITY],
                                      intercepted_by=[BOLD_BRAND], named=[SCRIPT],
                                      disagreements=[f"note {SCRIPT}"])),
        cell("c2", model="m<1>", question=QUESTION, status="upstream_error", sample=1,
             error=ErrorInfo(error_class="UpstreamError", message=f"bad gateway {SCRIPT}"),
             result_analysis=analysis({MAIN: absent()})),
    ]
    return build_report(run, cells, generated_at=1_700_000_000.0)
