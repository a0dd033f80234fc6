"""The digest as a phone shows it: `monitor digest --out` opened in a real Chromium at 390 px.

A busy week (long watchlist names, Arabic titles, a long unbroken token, 20 sources failing on
DNS, stories at many places) is stored through the store functions and rendered by the CLI, then
Debian's `chromium`, driven by Playwright without a browser download, loads the file. Skipped,
saying why, when Playwright or Chromium is missing. The screenshot is kept in the test's tmp_path.
"""

from __future__ import annotations

import json
import shutil
from datetime import timezone
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor import store
from monitor.records import Source
from tests.conftest import WATCHLISTS
from tests.test_digest import WEEK, entry, invoke, local, store_article

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None)
PHONE = 390

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="needs Debian's chromium on PATH (apt-get install -y chromium)"
)

ACTORS = ["kataib-hezbollah", "irgc", "harakat-al-nujaba", "pmf", "asaib-ahl-al-haq", "badr-organisation"]
PLACES = ["bukamal", "qaim", "hamdan-airport", "husaybah", "mayadin", "deir-ez-zor", "al-tanf", "baghdad"]
DEAD = [
    Source(id=f"dead-{i:02d}", name=f"Regional outlet {i:02d}", url=f"https://gone{i}.example/rss")
    for i in range(20)
]
LIVE = Source(id="enab", name="Enab Baladi", url="https://english.enabbaladi.net/feed/")


def busy_week(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        store.sync_sources(session, [LIVE, *DEAD])
    store_article(sessions, entry("enab", "old", "History", local(1, 12, month=10)), ["irgc"])
    n = 0
    for day in range(9, 16):
        for k, place in enumerate(PLACES[: 9 - (day - 8)]):
            actor = ACTORS[(day + k) % len(ACTORS)]
            title = (
                f"قوات {k} تنتشر قرب البوكمال في اليوم {day}"
                if k % 3 == 0
                else f"Convoy number {n} of {actor} reported near {place}: "
                "supercalifragilisticexpialidocious-checkpoint-reinforcement-update"
            )
            store_article(sessions, entry("enab", f"s{n}", title, local(day, 6 + k)), [actor, place])
            n += 1
    failed_at, next_poll = local(15, 20).astimezone(timezone.utc), local(16, 0).astimezone(timezone.utc)
    with sessions.begin() as session:
        for source in DEAD:
            for _ in range(3):
                message = f"[Errno -2] Name or service not known: {source.url}"
                store.record_failure(
                    session, source.id, kind="dns", message=message, now=failed_at, next_poll_at=next_poll
                )


def write_config(tmp_path: Path, database_url: str) -> Path:
    sources = [f'[[sources]]\nid = "{s.id}"\nname = "{s.name}"\nurl = "{s.url}"' for s in [LIVE, *DEAD]]
    text = "\n".join(
        [
            f'database_url = "{database_url}"',
            f'watchlists = "{WATCHLISTS}"',
            "default_sources = false",
            *sources,
            f'[digest]\ntimezone = "Asia/Baghdad"\nout_dir = "{tmp_path / "digests"}"',
            f"[email]\nto = {json.dumps([])}",
        ]
    )
    path = tmp_path / "monitor.toml"
    path.write_text(text + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def chromium():  # type: ignore[no-untyped-def]
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package (pip)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def test_digest_fits_a_phone_and_shows_the_map(
    tmp_path: Path,
    database_url: str,
    sessions: sessionmaker[Session],
    chromium,  # type: ignore[no-untyped-def]
) -> None:
    busy_week(sessions)
    out = tmp_path / "digest.html"
    result = invoke(write_config(tmp_path, database_url), "--week", WEEK, "--out", str(out))
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]

    page = chromium.new_page(viewport={"width": PHONE, "height": 844}, device_scale_factor=2)
    page.goto(out.as_uri())
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
    images = page.evaluate(
        """() => [...document.images].map(i => ({alt: i.alt, natural: i.naturalWidth,
               width: i.getBoundingClientRect().width, right: i.getBoundingClientRect().right}))"""
    )
    maps = [i for i in images if i["alt"].startswith("Map of the week's stories")]
    assert len(maps) == 1, images
    assert maps[0]["natural"] > 0 and 0 < maps[0]["width"] <= PHONE and maps[0]["right"] <= PHONE
    assert all(0 < i["width"] <= PHONE for i in images)
    text = page.evaluate("document.body.innerText")
    assert text.count("Regional outlet") == len(DEAD)  # 20 DNS failures: one line naming each source once
    assert text.index("stories this week") < text.index("Where the week's stories were")  # summary first
    page.screenshot(path=str(tmp_path / "digest-390.png"), full_page=True)
    page.close()
