"""Measure the judge path on a real stack: `python -m tests.judge.probe [WRONG_RATE] [BAD_QUOTE_RATE]`.

48 cells (4 questions × sim-qwen, sim-doubao × 6 samples), judge sim-deepseek, simulator seed 7 with
the given judge error rates; prints the report's judge counts and agreement (docs/analysis.md, "Judge").
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from shared.client import BrandlensClient
from tests.conftest import wait_ready
from tests.harness import Harness

ANSWERING = ["sim-qwen", "sim-doubao"]
JUDGE = "sim-deepseek"
REQUEST = {
    "brand": {"name": "欧派", "aliases": ["OPPEIN"]},
    "competitors": [{"name": "索菲亚", "aliases": ["SOGAL"]}, {"name": "志邦", "aliases": ["ZBOM"]}],
    "questions": ["全屋定制品牌哪家好", "欧派和索菲亚哪个好", "全屋定制十大品牌推荐", "欧派全屋定制口碑怎么样"],
    "models": ANSWERING, "samples": 6, "deadline_s": 60, "judge": JUDGE,
}


async def probe(wrong: str, bad: str) -> str:
    harness = Harness(Path(tempfile.mkdtemp(prefix="brandlens-judge-probe-")), auth=True)
    try:
        harness.start_nats()
        harness.start_simulator("--seed", "7", "--judge-wrong-rate", wrong, "--judge-bad-quote-rate", bad)
        harness.start("aggregator", "-m", "services.aggregator", role="aggregator")
        harness.start("dispatcher", "-m", "services.dispatcher", role="dispatcher")
        for model in [*ANSWERING, JUDGE]:
            harness.start(f"adapter-{model}", "-m", "services.adapter", "--model", model, role=f"adapter-{model}")
        await wait_ready(harness, [*ANSWERING, JUDGE])
        assert harness.nats is not None
        async with await BrandlensClient.connect(harness.nats.url, settings=harness.settings()) as client:
            accepted = await client.submit(REQUEST)
            await client.wait(accepted.run_id, timeout_s=90)
            report = await client.report(accepted.run_id)
    finally:
        harness.close()
    j = report.judge
    assert j is not None
    models = "; ".join(f"{m.model}: rank {m.rank.k}/{m.rank.n}, tone {m.tone.k}/{m.tone.n}" for m in j.by_model)
    return (f"wrong={wrong} bad_quote={bad}: {len(report.cells)} cells, {report.status}; {j.jobs} judge jobs "
            f"{j.by_status}; sent {j.asked}, accepted {j.accepted}, bad quote {j.discarded_bad_quote}, invalid "
            f"{j.discarded_invalid}, unanswered {j.unanswered}; rank {j.agreement.rank.k}/{j.agreement.rank.n}, "
            f"tone {j.agreement.tone.k}/{j.agreement.tone.n} ({models}); judge cost {j.cost.amount} {j.cost.currency}")


if __name__ == "__main__":
    print(asyncio.run(probe(*(sys.argv[1:3] + ["0", "0"][len(sys.argv[1:3]):]))))
