"""Precision and recall of the shipped watchlists on the evaluation sets.

Two sets, scored separately:

- the hand-written set (`tests/data/eval/*.yaml`): short texts labelled with ids from a fixed
  list (`ids.yaml`); only those ids are scored. Target P, R >= 0.97, Arabic R >= 0.95.
- the real-text set (`tests/data/eval/real/*.yaml`, when present): excerpts of published
  articles, each with its `source_url`, `category` list and every mention annotated
  (`mentions: {entity id: [surface, ...]}`); every entity the matcher reports is scored.
  Target P, R >= 0.95, Arabic R >= 0.90, at most 2 false positives on hard negatives.

Every (text, entity) pair counts once: a true positive when the matcher reports an entity the
label has, a false positive when it reports one the label lacks, a miss when it lacks one the
label has. Each test prints its scores and the misses and false positives per category (run
pytest with -s to see them when it passes).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from monitor.matching import Matcher
from monitor.watchlists import load_watchlists

ROOT = Path(__file__).parent.parent
EVAL = Path(__file__).parent / "data" / "eval"
REAL = EVAL / "real"
FILES = ("english.yaml", "arabic.yaml", "markup.yaml")
TARGET = 0.97
ARABIC_TARGET = 0.95
REAL_TARGET = 0.95
REAL_ARABIC_TARGET = 0.90
HARD_NEGATIVE_FALSE_POSITIVES = 2
HARD_NEGATIVE = "hard-negative"


@dataclass(frozen=True, slots=True)
class Case:
    file: str
    text: str
    expect: frozenset[str]
    categories: tuple[str, ...] = ()
    source_url: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    case: Case
    found: frozenset[str]

    @property
    def missed(self) -> frozenset[str]:
        return self.case.expect - self.found

    @property
    def extra(self) -> frozenset[str]:
        return self.found - self.case.expect


def fixed_ids() -> frozenset[str]:
    data = yaml.safe_load((EVAL / "ids.yaml").read_text(encoding="utf-8"))
    return frozenset(data["places"] + data["actors"])


def load_cases() -> list[Case]:
    cases = []
    for name in FILES:
        data = yaml.safe_load((EVAL / name).read_text(encoding="utf-8"))
        cases += [Case(name, c["text"], frozenset(c["expect"])) for c in data["cases"]]
    return cases


def load_real_cases() -> list[Case]:
    cases = []
    for path in sorted(REAL.glob("*.yaml")) if REAL.is_dir() else ():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for c in data["cases"]:
            categories = c.get("category") or ()
            categories = (categories,) if isinstance(categories, str) else tuple(categories)
            expect = frozenset(c.get("mentions") or ())
            cases.append(Case(path.name, c["text"], expect, categories, c.get("source_url", "")))
    return cases


def run(matcher: Matcher, case: Case, scored: frozenset[str] | None = None) -> Outcome:
    find = matcher.find_in_markup if case.file == "markup.yaml" else matcher.find
    found = frozenset(m.entity for m in find(case.text))
    return Outcome(case, found if scored is None else found & scored)


def scores(outcomes: list[Outcome]) -> tuple[float, float]:
    hits = sum(len(o.case.expect & o.found) for o in outcomes)
    reported = sum(len(o.found) for o in outcomes)
    expected = sum(len(o.case.expect) for o in outcomes)
    return hits / max(reported, 1), hits / max(expected, 1)


def table(outcomes: list[Outcome]) -> str:
    rows = [f"{'file':<13} {'missed':<28} {'false positive':<28} text"]
    for o in outcomes:
        if o.missed or o.extra:
            text = " ".join(o.case.text.split())[:110]
            rows.append(
                f"{o.case.file:<13} {','.join(sorted(o.missed)):<28} {','.join(sorted(o.extra)):<28} {text}"
            )
    return "\n".join(rows)


def by_category(outcomes: list[Outcome]) -> str:
    """Misses and false positives per category (a case counts under each of its categories)."""
    missed: dict[str, int] = defaultdict(int)
    extra: dict[str, int] = defaultdict(int)
    expected: dict[str, int] = defaultdict(int)
    for o in outcomes:
        for category in o.case.categories or ("(none)",):
            missed[category] += len(o.missed)
            extra[category] += len(o.extra)
            expected[category] += len(o.case.expect)
    rows = [f"{'category':<20} {'expected':>8} {'missed':>7} {'false +':>7}"]
    rows += [f"{c:<20} {expected[c]:>8} {missed[c]:>7} {extra[c]:>7}" for c in sorted(expected)]
    return "\n".join(rows)


def hard_negative_false_positives(outcomes: list[Outcome]) -> int:
    return sum(len(o.extra) for o in outcomes if HARD_NEGATIVE in o.case.categories or not o.case.expect)


def report(name: str, outcomes: list[Outcome]) -> str:
    precision, recall = scores(outcomes)
    arabic = [o for o in outcomes if o.case.file.startswith("arabic")]
    lines = [
        f"{name}: precision {precision:.3f} recall {recall:.3f} over {len(outcomes)} texts; "
        f"Arabic recall {scores(arabic)[1]:.3f}; "
        f"hard-negative false positives {hard_negative_false_positives(outcomes)}",
    ]
    if any(o.case.categories for o in outcomes):
        lines.append(by_category(outcomes))
    lines.append(table(outcomes))
    return "\n".join(lines)


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_watchlists(ROOT / "watchlists"))


@pytest.fixture(scope="module")
def outcomes(matcher: Matcher) -> list[Outcome]:
    return [run(matcher, case, fixed_ids()) for case in load_cases()]


@pytest.fixture(scope="module")
def real_outcomes(matcher: Matcher) -> list[Outcome]:
    cases = load_real_cases()
    if not cases:
        pytest.skip("no real-text evaluation set in tests/data/eval/real")
    return [run(matcher, case) for case in cases]


def test_the_set_is_big_enough_and_uses_only_the_fixed_ids() -> None:
    cases = load_cases()
    shipped = set(load_watchlists(ROOT / "watchlists").entities)

    assert len(cases) >= 150
    assert sum(1 for c in cases if not c.expect) >= 30  # hard negatives
    assert {e for c in cases for e in c.expect} <= fixed_ids() <= shipped


def test_precision_and_recall(outcomes: list[Outcome]) -> None:
    precision, recall = scores(outcomes)
    arabic_recall = scores([o for o in outcomes if o.case.file == "arabic.yaml"])[1]

    text = report("hand-written set", outcomes)
    print(text)
    assert precision >= TARGET and recall >= TARGET and arabic_recall >= ARABIC_TARGET, text
    assert hard_negative_false_positives(outcomes) <= HARD_NEGATIVE_FALSE_POSITIVES, text


def test_real_text_set_is_sourced_and_uses_shipped_ids(real_outcomes: list[Outcome]) -> None:
    shipped = set(load_watchlists(ROOT / "watchlists").entities)
    cases = [o.case for o in real_outcomes]

    assert all(c.source_url.startswith(("http://", "https://")) for c in cases)
    assert {e for c in cases for e in c.expect} <= shipped


def test_real_text_precision_and_recall(real_outcomes: list[Outcome]) -> None:
    precision, recall = scores(real_outcomes)
    arabic_recall = scores([o for o in real_outcomes if o.case.file.startswith("arabic")])[1]

    text = report("real-text set", real_outcomes)
    print(text)
    assert precision >= REAL_TARGET and recall >= REAL_TARGET, text
    assert arabic_recall >= REAL_ARABIC_TARGET, text
    assert hard_negative_false_positives(real_outcomes) <= HARD_NEGATIVE_FALSE_POSITIVES, text


def test_scores_fall_when_labels_are_wrong(outcomes: list[Outcome]) -> None:
    """The measure itself: swapping every label for another entity must fail it."""
    wrong = [Outcome(Case(o.case.file, o.case.text, frozenset({"damascus"})), o.found) for o in outcomes]

    precision, recall = scores(wrong)

    assert precision < TARGET and recall < TARGET


AT_PLACE = "iran-backed-at-watched-place"
PRIORITIES = [
    ("Strikes hit militia depots", "Israeli strikes on al-Bukamal killed 14 fighters from Kataib Hezbollah.",
     "high", f"{AT_PLACE}: iran-backed actor kataib-hezbollah with watched place bukamal in one sentence"),
    ("Wrapped line", "Kataib Hezbollah fighters took over\nschools in al-Qaim on Monday.", "high",
     f"{AT_PLACE}: iran-backed actor kataib-hezbollah with watched place qaim in one sentence"),
    ("Next paragraph", "Kataib Hezbollah fighters arrived on Monday.\n\nThey took over schools in al-Qaim.",
     "medium",
     "high-priority-entity: high-priority entity kataib-hezbollah, qaim in the article"),
    ("Quds Force commander visits", "No further details.", "medium",
     "high-priority-in-title: high-priority entity irgc-quds-force in the title"),
    ("Rally", "Kataib Hezbollah held a rally in Baghdad.", "medium",
     "high-priority-entity: high-priority entity kataib-hezbollah in the article"),
    ("Floods", "Floods in Najaf.", "low", "peripheral-place: peripheral place najaf in the article"),
]  # fmt: skip


@pytest.mark.parametrize(("title", "content", "level", "reason"), PRIORITIES, ids=[p[0] for p in PRIORITIES])
def test_shipped_priority_rules(matcher: Matcher, title: str, content: str, level: str, reason: str) -> None:
    fields = {"title": title, "content": content}

    priority = matcher.prioritise(fields, {name: matcher.find(text) for name, text in fields.items()})

    assert priority is not None and (priority.level, priority.reason) == (level, reason)
