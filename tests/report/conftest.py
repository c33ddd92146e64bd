"""Fixtures: a realistic multi-model run (for renderers and the browser check) built by hand."""

from __future__ import annotations

import random

import pytest

from shared.analysis.types import SelfReport
from shared.contracts import CellRecord, ErrorInfo, RunRecord
from shared.report import build_report
from shared.report.types import Report
from tests.report.factory import absent, analysis, cell, make_run, seen

QUESTIONS = [
    "3000元左右拍照好看的手机推荐哪个牌子的",
    "适合老人用的智能手机有哪些",
    "华为和小米哪个系统更流畅",
]
MODELS = ["deepseek-chat", "qwen-max", "doubao-pro", "glm-4"]
COMPETITORS = ("小米", "苹果", "OPPO")
DISCOVERED = ("vivo", "荣耀", "一加", "realme")
SCRIPT_ANSWER = "推荐华为。<script>alert(1)</script> 以上仅供参考。"


def _answer_text(ranking: list[str], question: str) -> str:
    lines = [f"关于“{question}”，综合影像、续航与系统体验，推荐如下：", ""]
    for position, name in enumerate(ranking, start=1):
        lines.append(f"{position}. **{name}**：影像表现稳定，系统流畅，售后网点覆盖广。")
    lines += ["", "以上推荐参考了中关村在线（zol.com.cn）与什么值得买的评测。"]
    return "\n".join(lines)


def realistic_cells(run: RunRecord, *, seed: int = 7) -> list[CellRecord]:
    """Every question × model × sample with a seeded ranking; two cells fail, one is filtered."""
    rng = random.Random(seed)
    request = run.request
    main = request.brand.name
    tracked = [main, *(c.name for c in request.competitors)]
    strength = {"deepseek-chat": 0.8, "qwen-max": 0.6, "doubao-pro": 0.35, "glm-4": 0.55}
    cells: list[CellRecord] = []
    for q, question in enumerate(request.questions):
        for model in request.models:
            for sample in range(request.samples):
                cell_id = f"q{q}-{model}-s{sample}"
                if (q, model, sample) == (1, "doubao-pro", 0):
                    cells.append(cell(cell_id, status="timeout", model=model, question_index=q,
                                      question=question, sample=sample))
                    continue
                if (q, model, sample) == (2, "glm-4", 1):
                    cells.append(cell(cell_id, status="rate_limited", model=model, question_index=q,
                                      question=question, sample=sample,
                                      error=ErrorInfo(error_class="RateLimited", message="429 too many requests",
                                                      http_status=429)))
                    continue
                pool = [name for name in tracked[1:] if rng.random() < 0.7]
                pool += rng.sample(DISCOVERED, k=rng.randint(1, 3))
                rng.shuffle(pool)
                if rng.random() < strength.get(model, 0.5):
                    pool.insert(rng.randint(0, min(2, len(pool))), main)
                ranking = pool[:6]
                brands = {}
                for name in tracked:
                    if name in ranking:
                        position = ranking.index(name) + 1
                        tone = rng.choices(["positive", "neutral", "negative"], [6, 3, 1])[0]
                        score = {"positive": 0.6, "neutral": 0.0, "negative": -0.5}[tone]
                        brands[name] = seen(rank=position, mentions=rng.randint(1, 4), sentiment=score,
                                            tone=tone, impression=round(1.0 / (position + 1), 3))
                    else:
                        brands[name] = absent()
                main_rank = ranking.index(main) if main in ranking else len(ranking)
                intercepting = [n for n in ranking[:main_rank] if n in tracked[1:]]
                self_report = SelfReport(brand_mentioned=main in ranking, rank=1) if sample == 0 else None
                notes = ["self-report says rank 1, text ranks it lower"] if (
                    self_report and main in ranking and ranking.index(main) > 0
                ) else []
                status = "filtered" if (q, model, sample) == (0, "glm-4", 0) else "ok"
                text = SCRIPT_ANSWER if (q, model, sample) == (0, "qwen-max", 0) else _answer_text(ranking, question)
                cells.append(
                    cell(
                        cell_id,
                        status=status,
                        model=model,
                        question_index=q,
                        question=question,
                        sample=sample,
                        answer=text,
                        cost=None if model == "glm-4" else round(0.002 + 0.001 * len(ranking), 4),
                        currency=None if model == "glm-4" else "CNY",
                        citations=["https://www.zol.com.cn/review/1"] if rng.random() < 0.5 else [],
                        result_analysis=analysis(
                            brands,
                            recommended=ranking,
                            discovered=[n for n in ranking if n not in tracked],
                            intercepted_by=intercepting,
                            domains=["smzdm.com"] if rng.random() < 0.4 else [],
                            named=["中关村在线"] if rng.random() < 0.3 else [],
                            self_report=self_report,
                            disagreements=notes,
                        ),
                    )
                )
    return cells


def realistic_run(samples: int = 2) -> RunRecord:
    total = len(QUESTIONS) * len(MODELS) * samples
    return make_run(questions=QUESTIONS, models=MODELS, samples=samples, total=total, status="partial",
                    competitors=COMPETITORS, run_id="run-demo")


@pytest.fixture(scope="session")
def realistic_report() -> Report:
    run = realistic_run()
    return build_report(run, realistic_cells(run), generated_at=1_700_000_200.0)
