"""`monitor export`: stories of a window as CSV, JSON Lines and GeoJSON, from a real database.

Articles are stored with the store's save_entries and matched by the pipeline's rematch with the
bundled watchlists, so hits, snippets and priorities are the real ones; times are relative to
now because the command's window ends now.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from monitor import store
from monitor.app import utc_now
from monitor.cli import app
from monitor.export import COLUMNS
from monitor.geo import REGION
from monitor.matching import Matcher
from monitor.pipeline import rematch
from monitor.records import Entry, Source
from monitor.watchlists import load_watchlists
from tests.conftest import WATCHLISTS

SOURCES = (
    Source(id="enab", name="Enab Baladi", url="https://english.enabbaladi.net/feed/"),
    Source(id="wire", name="Wire aggregator", url="https://news.example/rss", language="en"),
    Source(id="ar", name="Arabic outlet", url="https://ar.example/rss", language="ar"),
)
ARABIC_TITLE = "قصف يستهدف مواقع كتائب حزب الله في البوكمال"
CONVOY = "Kata'ib Hezbollah convoy reaches al-Bukamal near the Hamdan airport"


def entry(source: str, key: str, title: str, days_ago: float, **changes: object) -> Entry:
    published = utc_now() - timedelta(days=days_ago)
    return Entry(
        source_id=source,
        key=key,
        guid=key,
        url=f"https://{source}.example/{key}",
        title=title,
        summary="",
        content="",
        published=published.astimezone(timezone.utc),
        content_hash=hashlib.sha256(f"{source}{key}{title}".encode()).hexdigest(),
        **changes,  # type: ignore[arg-type]
    )


ENTRIES = [
    entry("enab", "convoy", CONVOY, 3),
    entry("wire", "convoy-wire", f"{CONVOY} - Reuters", 2.5, publisher="Reuters"),  # the same story
    entry("ar", "strike", ARABIC_TITLE, 5, language="ar"),
    entry("enab", "irgc", "IRGC commander meets officials in Tehran", 1),  # an actor, no place
    entry("enab", "formula", '=HYPERLINK("http://evil.example") clashes in al-Qa\'im', 2),
    entry("enab", "old", "Clashes in al-Bukamal last month", 40),  # outside --since 30d
    entry("enab", "football", "Football results", 1),  # no hit: not a story
]


def fill(sessions: sessionmaker[Session]) -> None:
    now = utc_now()
    with sessions.begin() as session:
        store.sync_sources(session, SOURCES)
        for item in ENTRIES:
            store.save_entries(session, item.source_id, [item], now=item.published + timedelta(minutes=5))
    rematch(sessions, Matcher(load_watchlists(WATCHLISTS)), since=now - timedelta(days=60), now=now)


def write_config(tmp_path: Path, database_url: str) -> Path:
    path = tmp_path / "monitor.toml"
    path.write_text(
        f'database_url = "{database_url}"\nwatchlists = "{WATCHLISTS}"\ndefault_sources = false\n'
        '[digest]\ntimezone = "Asia/Baghdad"\n',
        encoding="utf-8",
    )
    return path


def export(config: Path, *args: str) -> object:
    return CliRunner().invoke(app, ["--config", str(config), "export", *args], env={}, catch_exceptions=False)


@pytest.fixture
def config(tmp_path: Path, database_url: str, sessions: sessionmaker[Session]) -> Path:
    fill(sessions)
    return write_config(tmp_path, database_url)


def test_csv_one_row_per_story_with_the_acled_like_columns(config: Path) -> None:
    result = export(config, "--since", "30d", "--format", "csv")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    text = result.stdout_bytes.decode("utf-8")  # type: ignore[attr-defined]
    assert not text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) == 4  # convoy (two outlets), the Arabic strike, IRGC, the formula title
    by_title = {r["title"]: r for r in rows}
    convoy = by_title[CONVOY]
    assert convoy["outlets"] == "Enab Baladi; Reuters"
    assert convoy["urls"] == "https://enab.example/convoy; https://wire.example/convoy-wire"
    assert convoy["actors"] == "Kata'ib Hezbollah"
    assert convoy["place"] == "al-Hamdan airport"  # more specific than al-Bukamal, its parent
    assert (float(convoy["latitude"]), float(convoy["longitude"])) == pytest.approx((34.4816, 40.8714))
    assert convoy["event_types"] == "deployment"  # "convoy" in the sentence naming Kata'ib Hezbollah
    assert (convoy["corroboration"], convoy["outlet_count"], convoy["corroboration_flag"]) == (
        "2 outlets",
        "2",
        "",
    )
    assert by_title[ARABIC_TITLE]["corroboration"] == "single source"
    arabic = by_title[ARABIC_TITLE]  # Arabic intact
    assert arabic["language"] == "ar" and arabic["place"].startswith("al-Bukamal")
    assert arabic["event_types"] == "shelling"  # قصف
    assert by_title["IRGC commander meets officials in Tehran"]["place"] == ""
    formula = [r for r in rows if "HYPERLINK" in r["title"]][0]
    assert formula["title"].startswith("'=HYPERLINK")  # shown by a spreadsheet, not run
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)


def test_csv_with_a_bom_for_excel(config: Path) -> None:
    result = export(config, "--format", "csv", "--bom")
    data = result.stdout_bytes  # type: ignore[attr-defined]
    assert data.startswith(b"\xef\xbb\xbf")
    assert ARABIC_TITLE in data.decode("utf-8-sig")


def test_geojson_is_an_rfc7946_feature_collection_of_the_stories_with_a_place(config: Path) -> None:
    result = export(config, "--format", "geojson")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    collection = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert collection["type"] == "FeatureCollection" and "crs" not in collection
    features = collection["features"]
    assert len(features) == 3  # IRGC's story names no place
    for feature in features:
        assert feature["type"] == "Feature" and feature["geometry"]["type"] == "Point"
        lon, lat = feature["geometry"]["coordinates"]
        assert REGION.contains(lat, lon) and lon > lat  # longitude first: here east > north
        assert set(feature["properties"]) == set(COLUMNS) - {"latitude", "longitude"}
    titles = {f["properties"]["title"] for f in features}
    assert ARABIC_TITLE in titles and CONVOY in titles


def test_jsonl_lines_are_stories(config: Path) -> None:
    result = export(config, "--format", "jsonl", "--since", "60d")
    lines = [json.loads(line) for line in result.stdout.splitlines()]  # type: ignore[attr-defined]
    assert len(lines) == 5  # the story from 40 days ago is in this window
    irgc = next(r for r in lines if r["title"].startswith("IRGC"))
    assert irgc["event_types"] == [] and irgc["latitude"] is None and irgc["place"] == ""
    assert all(list(r) == list(COLUMNS) for r in lines)


def test_out_is_written_whole(config: Path, tmp_path: Path) -> None:
    target = tmp_path / "stories.geojson"
    target.write_text("old", encoding="utf-8")
    result = export(config, "--format", "geojson", "--out", str(target))
    assert result.exit_code == 0 and "stories written" not in result.stdout  # type: ignore[attr-defined]
    # the count is of what the file holds: a GeoJSON point for each story with a place
    assert "3 stories written to" in result.stderr  # type: ignore[attr-defined]
    assert "(1 without a place left out)" in result.stderr  # type: ignore[attr-defined]
    assert len(json.loads(target.read_text(encoding="utf-8"))["features"]) == 3
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".stories")] == []


def test_user_mistakes_are_one_line(config: Path, tmp_path: Path) -> None:
    missing = export(config, "--out", str(tmp_path / "no" / "such" / "dir" / "x.csv"))
    assert missing.exit_code == 1  # type: ignore[attr-defined]
    assert missing.stderr.startswith("error: output ")  # type: ignore[attr-defined]
    assert "does not exist" in missing.stderr  # type: ignore[attr-defined]
    assert len(missing.stderr.strip().splitlines()) == 1  # type: ignore[attr-defined]
    since = export(config, "--since", "yesterday")
    assert since.exit_code == 2  # type: ignore[attr-defined]
    assert since.stderr.startswith("error: invalid value for '--since'")  # type: ignore[attr-defined]
    assert export(config, "--format", "xlsx").exit_code == 2  # type: ignore[attr-defined]
    assert export(config, "--format", "jsonl", "--bom").exit_code == 2  # type: ignore[attr-defined]
