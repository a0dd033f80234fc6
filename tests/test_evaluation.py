"""Precision and recall of the shipped watchlists on the hand-written evaluation set.

Every (text, entity) pair counts once: a true positive when the matcher reports an entity the
label has, a false positive when it reports one the label lacks, a miss when it lacks one the
label has. On failure the test prints each miss and false positive with its text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from monitor.matching import Matcher
from monitor.watchlists import load_watchlists

ROOT = Path(__file__).parent.parent
EVAL = Path(__file__).parent / "data" / "eval"
FILES = ("english.yaml", "arabic.yaml", "markup.yaml")
TARGET = 0.97


@dataclass(frozen=True, slots=True)
class Case:
    file: str
    text: str
    expect: frozenset[str]


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


def run(matcher: Matcher, case: Case, scored: frozenset[str]) -> Outcome:
    find = matcher.find_in_markup if case.file == "markup.yaml" else matcher.find
    return Outcome(case, frozenset(m.entity for m in find(case.text)) & scored)


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


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_watchlists(ROOT / "watchlists"))


@pytest.fixture(scope="module")
def outcomes(matcher: Matcher) -> list[Outcome]:
    return [run(matcher, case, fixed_ids()) for case in load_cases()]


def test_the_set_is_big_enough_and_uses_only_the_fixed_ids() -> None:
    cases = load_cases()
    shipped = set(load_watchlists(ROOT / "watchlists").entities)

    assert len(cases) >= 150
    assert sum(1 for c in cases if not c.expect) >= 30  # hard negatives
    assert {e for c in cases for e in c.expect} <= fixed_ids() <= shipped


def test_precision_and_recall(outcomes: list[Outcome]) -> None:
    precision, recall = scores(outcomes)

    report = f"precision {precision:.3f} recall {recall:.3f} over {len(outcomes)} texts\n{table(outcomes)}"
    print(report)
    assert precision >= TARGET and recall >= TARGET, report


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
