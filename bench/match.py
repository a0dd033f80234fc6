"""Matching throughput: the Matcher against a bare automaton scan and a loop of regexes.

    .venv/bin/python bench/match.py [--mb 10]
    .venv/bin/python bench/match.py --processes [--mb 30]

`--processes` compares whole processes on an English corpus written to a file (the issue's
measure), with a watched name or hard negative in one sentence in ten: `monitor match FILE` and
`monitor match FILE --json` (start-up, loading the watchlists, building the automaton from its
cached key table, matching, typing events, text or JSON out) against a bare script that reads
the project's aliases from a JSON file, builds a pyahocorasick automaton of them casefolded and
scans the casefolded file. Best of three
runs each, after one warm-up run of each (the OS file cache, the key cache); wall and CPU time.

Builds a deterministic corpus of news-like English and Arabic articles (about 4 KB each, mentions
of watched names and hard negatives sprinkled in) in memory, then prints MB/s (UTF-8 bytes) for:

  floor    a bare pyahocorasick scan of each casefolded article with the shipped aliases
           casefolded (no normalisation, no word boundaries, no offsets)
  regex    one compiled word-bounded, case-insensitive regex per shipped alias, run over a
           200 KB slice and extrapolated
  matcher  Matcher(shipped watchlists).find on every article: folding, squeezing, scan, checks,
           overlaps and offsets included
  N        Matcher over N synthetic aliases (300, 3,000, 30,000), with its build time

and the ratios the design asks about: matcher/floor (target within 3x), regex/matcher, and the
cost per MB at 300 vs 30,000 aliases (target: flat).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import ahocorasick

from monitor.matching import Matcher
from monitor.normalise import alias_key
from monitor.watchlists import Entity, Watchlist, load_watchlists

ROOT = Path(__file__).resolve().parent.parent
SEED = 20240501
ARTICLE_CHARS = 4000
REGEX_SLICE = 200_000
SIZES = (300, 3_000, 30_000)


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


ENGLISH = words("""
    the a of in on and to said officials sources local forces militia fighters border town city
    province strike strikes airstrike drone convoy trucks crossing road checkpoint desert river
    village residents reported according statement killed wounded attack positions weapons depot
    commander units deployed withdrew reinforcements security situation government regional Tuesday
    Monday night morning week month year people families displaced returned market council tribe
    sheikh elders members group groups Iranian-backed Iraqi Syrian American Israeli is it was were
    has have had will would could not also but after before during near east west
""")
ARABIC = words("""
    قالت مصادر محلية إن في على من إلى عن مع بعد قبل خلال قرب شرق غرب مدينة بلدة قرية ريف الحدود
    الحدودية قصف غارة غارات طائرات مسيرة قوات عناصر ميليشيات فصائل مقاتلين تعزيزات عسكرية انتشرت
    انسحبت وصلت أعلنت نفت أكدت أفادت الأهالي العائلات النازحة السوق الطريق المعبر الشاحنات البضائع
    الليل الصباح اليوم الأسبوع الماضي المقبل مقتل إصابة هجوم مواقع مستودع أسلحة قيادة مسؤولون
    الحكومة المحافظة العشيرة وجهاء شيوخ الاحتجاجات الأسعار
""")
NEGATIVES = (
    "Kamal Ahmed said", "313 people", "page 313", "Rabia said she", "Ahmed Hamdan", "Ana Pastor",
    "this is", "Imam Ali, cousin of the Prophet", "الوضع القائم", "القائم بالأعمال", "الحديث عنه",
)  # fmt: skip


def corpus(
    mb: float, names: Sequence[str], rng: random.Random, arabic: float = 0.4, density: float = 0.6
) -> list[str]:
    """Articles of about ARTICLE_CHARS characters until the corpus holds `mb` MB of UTF-8;
    `density` is the share of sentences with names or hard negatives in them."""
    articles: list[str] = []
    size = 0
    while size < mb * 1e6:
        articles.append(article(names, rng, arabic, density))
        size += len(articles[-1].encode())
    return articles


def article(names: Sequence[str], rng: random.Random, arabic: float = 0.4, density: float = 0.6) -> str:
    words = ARABIC if rng.random() < arabic else ENGLISH
    sentences: list[str] = []
    length = 0
    while length < ARTICLE_CHARS:
        sentence = [rng.choice(words) for _ in range(rng.randint(8, 25))]
        for _ in range(rng.choice((1, 1, 2)) if rng.random() < density else 0):
            sentence.insert(
                rng.randrange(len(sentence)), rng.choice(names if rng.random() < 0.8 else NEGATIVES)
            )
        sentences.append(" ".join(sentence).capitalize() + rng.choice((". ", ". ", ", ", ".\n\n")))
        length += len(sentences[-1])
    return "".join(sentences)


def synthetic_aliases(count: int, rng: random.Random) -> list[str]:
    """`count` distinct made-up aliases, half Latin and half Arabic."""
    seen: set[str] = set()
    aliases: list[str] = []
    while len(aliases) < count:
        alias = made_up_name(rng)
        if alias_key(alias) not in seen:
            seen.add(alias_key(alias))
            aliases.append(alias)
    return aliases


def synthetic_watchlist(aliases: Sequence[str]) -> Watchlist:
    """Ten aliases to an entity. Built only when measured, so the bench's own objects do not
    weigh on the garbage collector while other rows are timed."""
    entities = [
        Entity(id=f"synthetic-{i}", name=aliases[j], kind="militia", aliases=tuple(aliases[j : j + 10]))  # type: ignore[arg-type]
        for i, j in enumerate(range(0, len(aliases), 10))
    ]
    return Watchlist(entities={e.id: e for e in entities})


LATIN = words("""
    ka ta ib ra mal qa im zu hur sa bah dir nu fel om sha
""")
ARABIC_SYLLABLES = words("""
    كا تا ئب را مال قا يم زو هر سا باح دير نو فل عم شا
""")


def made_up_name(rng: random.Random) -> str:
    syllables = ARABIC_SYLLABLES if rng.random() < 0.5 else LATIN
    words = ["".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(rng.randint(1, 3))]
    return " ".join(w.capitalize() for w in words)


def shipped_aliases(watchlist: Watchlist) -> list[str]:
    return [a.text for e in watchlist.entities.values() for a in e.aliases]


def megabytes(texts: Sequence[str]) -> float:
    return sum(len(t.encode()) for t in texts) / 1e6


def best_time(work: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def floor_scan(aliases: Sequence[str], articles: Sequence[str]) -> float:
    automaton = ahocorasick.Automaton()
    for alias in aliases:
        automaton.add_word(alias.casefold(), len(alias))
    automaton.make_automaton()

    def scan() -> int:
        return sum(1 for text in articles for _ in automaton.iter(text.casefold()))

    return best_time(scan)


def regex_loop(aliases: Sequence[str], articles: Sequence[str]) -> float:
    """Seconds for the whole corpus, extrapolated from a REGEX_SLICE-character slice."""
    patterns = [re.compile(rf"(?<!\w){re.escape(a)}(?!\w)", re.IGNORECASE) for a in aliases]
    sample = "".join(articles)[:REGEX_SLICE]

    def scan() -> int:
        return sum(1 for p in patterns for _ in p.finditer(sample))

    return best_time(scan, repeat=1) * megabytes(articles) / megabytes([sample])


def matcher_scan(matcher: Matcher, articles: Sequence[str]) -> float:
    return best_time(lambda: sum(len(matcher.find(text)) for text in articles))


PROCESS_DENSITY = 0.1  # wire copy: a watched name in about one sentence in ten

BARE_SCAN = """
import json, sys
import ahocorasick
aliases = json.load(open(sys.argv[1], encoding="utf-8"))
automaton = ahocorasick.Automaton()
for alias in aliases:
    automaton.add_word(alias.casefold(), len(alias))
automaton.make_automaton()
text = open(sys.argv[2], encoding="utf-8").read().casefold()
print(sum(1 for _ in automaton.iter(text)))
"""


def process_time(cmd: Sequence[str], repeat: int = 3) -> tuple[float, float]:
    """Best wall time and best CPU time (user + system) of `cmd` run as a child process. CPU time
    is the steadier figure on a shared machine, where wall time waits for other processes."""
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)  # warm-up
    wall = cpu = float("inf")
    for _ in range(repeat):
        before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        after, wall = resource.getrusage(resource.RUSAGE_CHILDREN), min(wall, time.perf_counter() - start)
        cpu = min(cpu, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall, cpu


def processes(mb: float) -> None:
    """`monitor match` against a bare pyahocorasick scan, both as whole processes."""
    shipped = load_watchlists(ROOT / "watchlists")
    aliases = shipped_aliases(shipped)
    articles = corpus(mb, aliases, random.Random(SEED), arabic=0.0, density=PROCESS_DENSITY)
    monitor = Path(sys.executable).with_name("monitor")
    with tempfile.TemporaryDirectory() as folder:
        text, names = Path(folder) / "corpus.txt", Path(folder) / "aliases.json"
        text.write_text("\n\n".join(articles), encoding="utf-8")
        names.write_text(json.dumps(aliases), encoding="utf-8")
        size = text.stat().st_size / 1e6
        print(f"corpus: {size:.1f} MB of English in one file; shipped aliases: {len(aliases)}")
        bare = process_time([sys.executable, "-c", BARE_SCAN, str(names), str(text)])
        runs = {
            label: process_time([str(monitor), "match", str(text), *options])
            for label, options in (("monitor match", []), ("monitor match --json", ["--json"]))
        }
    for kind, column in (("wall", 0), ("CPU", 1)):
        row(f"bare pyahocorasick scan, whole process ({kind})", size, bare[column])
        for label, times in runs.items():
            row(f"{label}, whole process ({kind})", size, times[column])
    print()
    for label, (wall, cpu) in runs.items():
        print(f"{label} / bare scan: wall {wall / bare[0]:.2f}x, CPU {cpu / bare[1]:.2f}x (target <= 3x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--mb", type=float, default=None, help="corpus size in MB of UTF-8 (default 10, 30 with --processes)"
    )
    parser.add_argument("--processes", action="store_true", help="whole processes on an English corpus file")
    args = parser.parse_args()
    if args.processes:
        processes(args.mb or 30.0)
        return
    args.mb = args.mb or 10.0
    rng = random.Random(SEED)
    shipped = load_watchlists(ROOT / "watchlists")
    synthetic = synthetic_aliases(max(SIZES), random.Random(SEED))  # each size is a prefix of the next
    names = shipped_aliases(shipped) + synthetic[: SIZES[0]]
    articles = corpus(args.mb, names, rng)
    size = megabytes(articles)
    print(
        f"corpus: {len(articles)} articles, {size:.1f} MB (UTF-8), ~40% Arabic; "
        f"shipped aliases: {len(shipped_aliases(shipped))}"
    )

    floor = floor_scan(shipped_aliases(shipped), articles)
    regex = regex_loop(shipped_aliases(shipped), articles)
    matcher = matcher_scan(Matcher(shipped), articles)
    row("floor: bare automaton over casefolded text", size, floor)
    row(f"regex loop ({REGEX_SLICE // 1000} KB slice, extrapolated)", size, regex)
    row("Matcher, shipped watchlists", size, matcher)

    per_mb: dict[int, float] = {}
    for count in SIZES:
        watchlist = synthetic_watchlist(synthetic[:count])
        start = time.perf_counter()
        synthetic_matcher = Matcher(watchlist)
        build = time.perf_counter() - start
        seconds = matcher_scan(synthetic_matcher, articles)
        per_mb[count] = seconds / size * 1000
        row(f"Matcher, {count:,} synthetic aliases (built in {build:.2f} s)", size, seconds)
        del watchlist, synthetic_matcher

    print(f"\nMatcher / floor time: {matcher / floor:.2f}x (target <= 3x)")
    print(f"regex loop / Matcher time: {regex / matcher:.0f}x")
    low, high = per_mb[SIZES[0]], per_mb[SIZES[-1]]
    print(f"cost per MB: {low:.1f} ms at {SIZES[0]:,} aliases, {high:.1f} ms at {SIZES[-1]:,}", end="")
    print(f" ({high / low:.2f}x; target flat)")


def row(label: str, size: float, seconds: float) -> None:
    print(f"{label:<62} {size / seconds:8.1f} MB/s  ({seconds:.3f} s)")


if __name__ == "__main__":
    main()
