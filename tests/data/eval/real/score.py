"""Score the shipped matcher on the real-text set and print misses and false positives.

Run from the repository root: `python tests/data/eval/real/score.py [ROOT]`. Every (text, entity)
pair counts once, as in tests/test_evaluation.py; a case's expected set is the keys of its
`mentions`. The labels are checked first (known ids, surface texts present in the text).
"""

from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from monitor.matching import Matcher
from monitor.watchlists import load_watchlists

FILES = ("english.yaml", "arabic.yaml")


@dataclass(frozen=True, slots=True)
class Scored:
    file: str
    index: int
    case: dict
    expect: frozenset[str]
    found: dict[str, str]  # entity id -> surface text the matcher reported


def squash(text: str) -> str:
    return " ".join(text.split())


def label_problems(file: str, index: int, case: dict, ids: set[str]) -> list[str]:
    problems = [f"{file}#{index}: no {key}" for key in ("source_url", "category", "text") if key not in case]
    for entity, surfaces in (case.get("mentions") or {}).items():
        if entity not in ids:
            problems.append(f"{file}#{index}: unknown entity id {entity!r}")
        problems += [
            f"{file}#{index}: surface {s!r} not in the text"
            for s in surfaces
            if squash(s) not in squash(case["text"])
        ]
    return problems


def score(rows: list[Scored]) -> str:
    hits = sum(len(r.expect & r.found.keys()) for r in rows)
    reported = sum(len(r.found) for r in rows)
    expected = sum(len(r.expect) for r in rows)
    return (
        f"P {hits / max(reported, 1):.3f} R {hits / max(expected, 1):.3f} "
        f"({len(rows)} texts, {expected} expected, {reported} reported)"
    )


def main(root: Path) -> int:
    real = root / "tests" / "data" / "eval" / "real"
    watchlists = load_watchlists(root / "watchlists")
    matcher = Matcher(watchlists)
    ids = set(watchlists.entities)
    rows: list[Scored] = []
    problems: list[str] = []
    for file in FILES:
        for index, case in enumerate(yaml.safe_load((real / file).read_text(encoding="utf-8"))["cases"]):
            problems += label_problems(file, index, case, ids)
            found = {m.entity: m.text for m in matcher.find(case["text"])}
            rows.append(Scored(file, index, case, frozenset(case.get("mentions") or {}), found))

    print("\n".join(problems) or "labels OK")
    print(f"{'overall':<24} {score(rows)}")
    groups: dict[str, list[Scored]] = defaultdict(list)
    for r in rows:
        groups[r.file.removesuffix(".yaml")].append(r)
        groups[f"batch {r.case.get('batch', '1-2')}"].append(r)
        for category in r.case["category"]:
            groups[f"  {category}"].append(r)
    for name in sorted(groups, key=lambda g: (g.startswith(" "), g)):
        print(f"{name:<24} {score(groups[name])}")
    hard = [r for r in rows if "hard-negative" in r.case["category"]]
    print(f"false positives on hard-negative texts: {sum(len(r.found.keys() - r.expect) for r in hard)}")

    print("\nmisses and false positives")
    for r in rows:
        missed, extra = r.expect - r.found.keys(), r.found.keys() - r.expect
        if missed or extra:
            labels = r.case["mentions"]
            missed_text = ", ".join(f"{e} ({' / '.join(labels[e])})" for e in sorted(missed)) or "-"
            extra_text = ", ".join(f"{e} ({r.found[e]!r})" for e in sorted(extra)) or "-"
            print(f"- {r.file}#{r.index} [{', '.join(r.case['category'])}] {squash(r.case['text'])[:100]}")
            print(f"    missed: {missed_text}")
            print(f"    false+: {extra_text}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(".")))
