"""The alias automaton's disk cache (monitor/automaton.py): reused for the same aliases and code,
rebuilt (never trusted, never a crash) when the file is corrupt, foreign or being written by
another process, and optional when the cache folder cannot be written."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from monitor import automaton
from monitor.automaton import Keys, alias_keys, build
from monitor.disk_cache import cache_dir
from monitor.normalise import fold_words

ALIASES = [
    ("bukamal", 0, "al-Bukamal", False, True),
    ("qaim", 0, "al-Qaim", False, True),
    ("qaim", 1, "القائم", False, True),
]


def hits(keys: Keys, text: str) -> list[tuple[str, str]]:
    """(key, entity) of every automaton hit in `text` (already folded)."""
    found = []
    for _end, index in keys.hits(text):
        key, rows = keys.record(index)
        found += [(key, row[0]) for row in rows]
    return found


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "border-monitor"


def cached_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("automaton-*.pickle"))


def test_the_automaton_is_cached_by_content_and_reused(cache: Path) -> None:
    built = alias_keys(ALIASES)
    [path] = cached_files(cache)
    before = path.stat().st_mtime_ns

    again = alias_keys(ALIASES)
    assert path.stat().st_mtime_ns == before  # read, not rewritten
    assert again.records == built.records and again.withheld == built.withheld
    assert hits(again, "strike on al bukamal and bokamal") == hits(built, "strike on al bukamal and bokamal")
    assert ("al bokamal", "bukamal") in hits(again, "strike on al bokamal")

    alias_keys([*ALIASES, ("tanf", 0, "al-Tanf", False, True)])
    assert len(cached_files(cache)) == 2  # other aliases, another file


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",
        lambda data: data[: len(data) // 2],  # truncated
        lambda data: data[:100] + bytes([data[100] ^ 0xFF]) + data[101:],  # one byte flipped
        lambda data: b"not a cache at all",
    ],
    ids=["empty", "truncated", "flipped", "garbage"],
)
def test_a_damaged_cache_is_rebuilt(cache: Path, damage: object) -> None:
    built = alias_keys(ALIASES)
    [path] = cached_files(cache)
    path.write_bytes(damage(path.read_bytes()))  # type: ignore[operator]

    rebuilt = alias_keys(ALIASES)
    assert rebuilt.records == built.records
    assert ("al bokamal", "bukamal") in hits(rebuilt, "al bokamal")
    assert alias_keys(ALIASES).records == built.records  # and the file was written whole again


def test_a_whole_file_of_another_layout_is_rebuilt(cache: Path) -> None:
    import hashlib

    alias_keys(ALIASES)
    [path] = cached_files(cache)
    payload = pickle.dumps(("an", "older", "layout"))
    path.write_bytes(hashlib.sha256(payload).digest() + payload)  # checksum right, content foreign

    assert ("al bokamal", "bukamal") in hits(alias_keys(ALIASES), "al bokamal")


def test_an_unwritable_cache_folder_only_costs_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))

    assert alias_keys(ALIASES).records == build(ALIASES).records
    assert not cache_dir().exists()


CONCURRENT = """
import sys
from monitor.automaton import alias_keys
aliases = [
    ("bukamal", 0, "al-Bukamal", False, True),
    ("qaim", 0, "al-Qaim", False, True),
    ("qaim", 1, "القائم", False, True),
]
keys = alias_keys(aliases)
found = [keys.record(i)[0] for _, i in keys.hits("the al bokamal gate and alqaim")]
print(",".join(sorted(found)))
"""


def test_processes_building_at_once_all_get_a_whole_automaton(cache: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache.parent)}
    runs = [
        subprocess.Popen([sys.executable, "-c", CONCURRENT], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    outputs = {run.communicate(timeout=120)[0].strip() for run in runs}

    assert outputs == {"al bokamal,alqaim"}
    assert [p.name for p in cache.iterdir() if not p.name.startswith("automaton-")] == []  # no temporaries
    assert alias_keys(ALIASES).records == build(ALIASES).records


def many_aliases(count: int) -> list[tuple[str, int, str, bool]]:
    return [(f"town-{i}", 0, f"Town Number {i}", False, True) for i in range(count)]


def test_a_large_list_is_built_in_a_child_process(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The build's garbage stays in the child (module docstring): this process only reads the cache."""
    aliases = many_aliases(automaton.CHILD_BUILD_ALIASES)
    expected = build(aliases).records

    def not_here(_: object) -> Keys:
        raise AssertionError("built in the calling process")

    monkeypatch.setattr(automaton, "build", not_here)

    assert alias_keys(aliases).records == expected
    assert len(cached_files(cache)) == 1


def test_a_failed_child_only_costs_the_build_here(
    cache: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    aliases = many_aliases(automaton.CHILD_BUILD_ALIASES)
    monkeypatch.setattr(automaton, "_CHILD", "raise SystemExit('child: out of memory')")

    assert alias_keys(aliases).records == build(aliases).records
    assert len(cached_files(cache)) == 1
    (warning,) = [r for r in caplog.records if r.msg == "automaton.child_build_failed"]
    assert warning.fields == {"error": "child: out of memory"}  # type: ignore[attr-defined]


def test_a_small_list_is_built_here(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(automaton, "_built_in_child", lambda *_: pytest.fail("a child for a small list"))

    assert alias_keys(ALIASES).records == build(ALIASES).records


# --- Arabic keys behind their cores ------------------------------------------------------------

ARABIC_ALIASES = [
    ("qaim", 1, "القائم", False, True),
    ("badr", 0, "بدر", False, True),  # ب + در would be a proclitic form, were در a key
    ("dar", 0, "در", False, True),
    ("hit", 0, "هيت", False, True),
    ("deir", 0, "دير الزور", False, True),
    ("brigade", 0, "اللواء 14", False, True),
]
ARABIC_TEXTS = [
    "قصف على القائم وبالقائم وللقائم فالقائم",
    "معركة بدر وبدر وبالدر ودر في دير الزور وبدير الزور",
    "انتهيت من هيت وبهيت ولهيت كهيت",  # هيت inside انتهيت is no hit
    "عناصر اللواء 14 وللواء 14 باللواء 14",
    "قائم دير",
]


def every_key_padded(keys: Keys, text: str) -> list[tuple[int, int]]:
    """The hits of an automaton of every key padded on both sides (what `Keys.hits` must equal)."""
    import ahocorasick

    reference = ahocorasick.Automaton(ahocorasick.STORE_INTS)
    for index in range(keys.size):
        reference.add_word(f" {keys.record(index)[0]} ", index)
    reference.make_automaton()
    return list(reference.iter(f" {text} "))


@pytest.mark.parametrize("text", ARABIC_TEXTS)
def test_arabic_keys_behind_their_cores_are_found_as_if_each_were_in_the_automaton(text: str) -> None:
    keys, folded = build(ARABIC_ALIASES), fold_words(text)
    assert list(keys.hits(folded)) == every_key_padded(keys, folded)
    assert keys.hits(folded)  # each text names some


def test_only_the_cores_of_arabic_keys_are_in_the_automaton() -> None:
    keys = build(ARABIC_ALIASES)
    every = [keys.record(index)[0] for index in range(keys.size)]
    assert "وبالقايم" in every and "للقايم" in every  # folded: ئ is ي
    assert keys.automaton.get("وبالقايم ", None) is None and keys.automaton.get(" وبالقايم ", None) is None
    assert keys.automaton.get("القايم ", None) is not None  # the core of وبالقايم
    assert len(keys.automaton) < len(every) / 3


def test_every_key_is_found_by_its_text() -> None:
    keys = build([*ALIASES, *ARABIC_ALIASES])
    for index in range(keys.size):
        assert keys.index_of(keys.record(index)[0]) == index
    for no_key in ("وبالقايمه", "انتهيت", "زور"):
        assert keys.index_of(no_key) is None
