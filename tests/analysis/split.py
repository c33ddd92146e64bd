"""Deterministic dev/test split of the real-answer corpus (docs/analysis.md, "Splits").

``python -m tests.analysis.split [answers.jsonl]`` writes ``fixtures/split.json``. The order of
answers inside a platform is a seeded hash of the id, so the split never depends on file order,
and the test split is drawn only from answers the first-round rules were not tuned on.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path

SEED = "brandlens-held-out-2026-12"
TEST_PER_PLATFORM = 30
NEW_DEV_PER_PLATFORM = 14
SECOND_PASS = 40
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "answers.jsonl"
FIXTURES = Path(__file__).parent / "fixtures"
FIRST_ROUND = FIXTURES / "labelled.jsonl"
SPLIT = FIXTURES / "split.json"


def _order(answer_id: str) -> str:
    return hashlib.sha256(f"{SEED}:{answer_id}".encode()).hexdigest()


def assign(corpus: list[dict[str, object]], tuned: set[str]) -> dict[str, list[str]]:
    by_platform: dict[str, list[str]] = defaultdict(list)
    for row in corpus:
        answer_id = str(row["id"])
        if answer_id not in tuned:
            by_platform[str(row["platform"])].append(answer_id)
    test: list[str] = []
    fresh_dev: list[str] = []
    dev = sorted(tuned, key=_order)
    for platform in sorted(by_platform):
        fresh = sorted(by_platform[platform], key=_order)
        test += fresh[:TEST_PER_PLATFORM]
        dev += fresh[TEST_PER_PLATFORM : TEST_PER_PLATFORM + NEW_DEV_PER_PLATFORM]
        fresh_dev += fresh[TEST_PER_PLATFORM + NEW_DEV_PER_PLATFORM :]
    second_pass = sorted(test, key=lambda answer_id: _order("second:" + answer_id))[:SECOND_PASS]
    # "fresh" (every answer left over) was labelled in a later round, blind to the analyser: it is
    # scored once as unseen data before any rule is tuned on it, then it is dev data.
    return {"test": test, "dev": dev, "second_pass": second_pass, "fresh": fresh_dev}


def main(argv: list[str]) -> None:
    source = Path(argv[0]) if argv else CORPUS
    corpus = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    tuned = {json.loads(line)["id"] for line in FIRST_ROUND.read_text(encoding="utf-8").splitlines() if line.strip()}
    split = assign(corpus, tuned)
    SPLIT.write_text(json.dumps(split, indent=1) + "\n", encoding="utf-8")
    print({name: len(ids) for name, ids in split.items()})


if __name__ == "__main__":
    main(sys.argv[1:])
