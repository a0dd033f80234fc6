"""The loaded watchlists' disk cache (monitor/watchlist_cache.py): the same Watchlist as a load of
the files, read again after an edit, never hiding a mistake, and a damaged file never trusted."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from monitor.errors import WatchlistError
from monitor.watchlist_cache import load_cached
from monitor.watchlists import load_watchlists

SHIPPED = Path(__file__).resolve().parent.parent / "watchlists"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "border-monitor"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return Path(shutil.copytree(SHIPPED, tmp_path / "watchlists"))


def cached_files(cache: Path) -> list[Path]:
    return sorted(cache.glob("watchlist-*.pickle"))


def test_a_clean_load_is_cached_and_equals_the_files(cache: Path, folder: Path) -> None:
    first = load_cached(folder)
    assert len(cached_files(cache)) == 1
    again = load_cached(folder)
    assert again == first == load_watchlists(folder)
    assert again is not first  # read from the cache, not the same object
    assert len(cached_files(cache)) == 1


def test_an_edited_file_is_read_again(cache: Path, folder: Path) -> None:
    load_cached(folder)
    places = folder / "places.yaml"
    places.write_text(places.read_text(encoding="utf-8").replace("Bukamal", "Bukamaal", 1), encoding="utf-8")
    assert load_cached(folder) == load_watchlists(folder)
    assert len(cached_files(cache)) == 2


def test_a_mistake_is_reported_and_nothing_is_cached(cache: Path, folder: Path) -> None:
    (folder / "places.yaml").write_text("entities: [\n", encoding="utf-8")
    with pytest.raises(WatchlistError):
        load_cached(folder)
    assert cached_files(cache) == []
    missing = folder / "missing"
    with pytest.raises(WatchlistError):
        load_cached(missing)
    assert not missing.exists()


def test_a_damaged_cache_file_is_ignored_and_replaced(cache: Path, folder: Path) -> None:
    expected = load_cached(folder)
    [path] = cached_files(cache)
    path.write_bytes(path.read_bytes()[:-10])
    assert load_cached(folder) == expected
    assert load_cached(folder) == expected


def test_an_unwritable_cache_folder_only_costs_the_load(
    tmp_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # the cache folder cannot be made
    assert load_cached(folder) == load_watchlists(folder)
