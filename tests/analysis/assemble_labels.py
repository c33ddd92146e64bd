"""Build the labelled fixtures of one split from the labellers' files (docs/analysis.md, "Splits").

``python -m tests.analysis.assemble_labels OUT_DIR [answers.jsonl]`` reads every ``*.jsonl`` the
labellers wrote in OUT_DIR, checks each label against the guide's schema, and writes
``fixtures/labels/{test,dev,fresh}.jsonl`` (corpus row + ``labels``) and ``second_pass.jsonl`` (id +
``labels`` of the blind second pass). A label that breaks the schema stops the build with its id
and the reason, so a fixture never holds a label nobody can score.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tests.analysis.split import CORPUS, FIXTURES, SPLIT

LABELS = FIXTURES / "labels"
TONES = {"positive", "neutral", "negative", None}
CORPUS_FIELDS = ("id", "platform", "model", "question", "brand", "competitors", "has_geo_json", "answer")


def check(label: dict[str, Any], row: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    tracked = [row["brand"], *row["competitors"]]
    brands = label.get("brands", {})
    options = label.get("options")
    if not isinstance(options, list):
        return ["options: not a list"]
    if sorted(brands) != sorted(tracked):
        problems.append(f"brands: {sorted(brands)} but tracked {sorted(tracked)}")
    for name, verdict in brands.items():
        rank, tone, mentioned = verdict.get("rank"), verdict.get("tone"), verdict.get("mentioned")
        if not isinstance(mentioned, bool):
            problems.append(f"brands.{name}.mentioned: not a bool")
        if tone not in TONES:
            problems.append(f"brands.{name}.tone: {tone!r} is not positive/neutral/negative/null")
        if not mentioned and (rank is not None or tone is not None):
            problems.append(f"brands.{name}: not mentioned but has rank/tone")
        if mentioned and tone is None:
            problems.append(f"brands.{name}.tone: mentioned brands need a tone")
        if rank is not None and not (isinstance(rank, int) and 1 <= rank <= len(options)):
            problems.append(f"brands.{name}.rank: {rank!r} outside 1..{len(options)} options")
    return problems


def main(argv: list[str]) -> None:
    out_dir = Path(argv[0])
    source = Path(argv[1]) if len(argv) > 1 else CORPUS
    corpus = {row["id"]: row for row in map(json.loads, source.read_text(encoding="utf-8").splitlines())}
    split = json.loads(SPLIT.read_text(encoding="utf-8"))
    second_ids = set(split["second_pass"])
    first: dict[str, dict[str, Any]] = {}
    second: dict[str, dict[str, Any]] = {}
    errors: list[str] = []
    for path in sorted(out_dir.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            label = json.loads(line)
            target = second if label.get("labeller") == "R" else first
            errors += [f"{path.name} {label['id']}: {p}" for p in check(label, corpus[label["id"]])]
            target[label["id"]] = {k: label.get(k, d) for k, d in
                                   (("brands", {}), ("options", []), ("unsure", []), ("note", ""), ("labeller", ""))}
    if errors:
        sys.exit("\n".join(errors))
    LABELS.mkdir(exist_ok=True)
    for name in ("test", "dev", "fresh"):
        rows = [{**{k: corpus[i].get(k) for k in CORPUS_FIELDS}, "labels": first[i]} for i in split[name] if i in first]
        if not rows:
            # Labelling rounds come one split at a time: a round never empties another split's fixture.
            continue
        (LABELS / f"{name}.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        print(f"{name}: {len(rows)} of {len(split[name])} labelled")
    rows = [{"id": i, "labels": second[i]} for i in split["test"] if i in second and i in second_ids]
    if not rows:
        return
    (LABELS / "second_pass.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"second_pass: {len(rows)} of {len(second_ids)} labelled")


if __name__ == "__main__":
    main(sys.argv[1:])
