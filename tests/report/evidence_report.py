"""A report whose cells were analysed by the real analyser, so every brand carries real evidence.

Used by the evidence-highlighting tests (tests/report/test_html_evidence.py and the headless
Chromium check in tests/report/test_evidence_browser.py).
"""

from __future__ import annotations

from shared.analysis.analyser import analyse
from shared.contracts import Brand
from shared.report import build_report
from shared.report.types import Report
from tests.report.factory import cell, make_run

MAIN = "欧派"
RIVALS = ("索菲亚", "尚品宅配")
QUESTION = "全屋定制品牌哪家好"
# Hostile text inside the evidence ranges: markup and an ampersand must stay text after splitting.
ANSWERS = [
    "关于全屋定制，推荐如下：\n\n"
    "1. **欧派**：设计能力强，环保板材口碑好。<b>注意</b> A&B 套餐。\n"
    "2. **索菲亚**：性价比高，但售后响应偏慢。\n"
    "3. **尚品宅配**：款式丰富。\n\n"
    "总之，欧派值得优先考虑。",
    "预算有限的话：\n\n"
    "1. **尚品宅配**：价格透明，服务周到。\n"
    "2. **索菲亚**：品质稳定。\n\n"
    "欧派也可以看看，<script>alert(1)</script> 但价格偏高。",
]


def evidence_report(copies: int = 1) -> Report:
    """``copies`` × the answers above, one model, each cell analysed by ``analyse``."""
    run = make_run(brand=MAIN, competitors=RIVALS, questions=[QUESTION], models=["deepseek-chat"],
                   samples=len(ANSWERS) * copies, total=len(ANSWERS) * copies)
    brand, competitors = Brand(name=MAIN), [Brand(name=name) for name in RIVALS]
    cells = [
        cell(f"c{n}", model="deepseek-chat", question=QUESTION, sample=n, answer=text,
             result_analysis=analyse(text, brand, competitors))
        for n, text in enumerate(ANSWERS * copies)
    ]
    return build_report(run, cells, generated_at=1_700_000_200.0)
