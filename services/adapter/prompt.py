"""What the model is asked. The question goes as the user wrote it, so the answer reflects what
a customer would see; only the optional self-report request is appended."""

from __future__ import annotations

import json

from shared.contracts import Job

SELF_REPORT_INSTRUCTION = (
    "\n\n回答完毕后，请另起一行输出一个 JSON 代码块，格式为："
    '{{"geo_analysis": {{"brand_mentioned": true/false, "rank": 1-10 或 -1, "sentiment": -1.0~1.0, '
    '"cited_sources": [{{"url": "", "site_name": "", "attitude": "positive|negative|neutral"}}], '
    '"interception": "被推荐替代的竞品名称"}}}}，其中品牌为 {brand}，竞品为 {competitors}。'
)


def user_message(job: Job) -> str:
    if job.prompt is not None:
        # A judge job (or any job that brings its own text) is sent exactly as built.
        return job.prompt
    if not job.self_report:
        return job.question
    # Names are inserted with json.dumps so quotes or braces in a brand name stay data.
    return job.question + SELF_REPORT_INSTRUCTION.format(
        brand=json.dumps(job.brand, ensure_ascii=False),
        competitors=json.dumps(job.competitors, ensure_ascii=False),
    )
