"""Telegram channels (kind "telegram"): the preview-page parser on saved pages written after the
real t.me/s/ layout (tests/data/telegram/), and whole `monitor` processes polling those pages
from the loopback feed server: backfill through ?before= pages, later polls reading only what is
new, edits, a private channel, a changed layout, a 429 on a later page, and hits on posts.

The pages: qaim_border_news.html (posts 104-110: a reply, Arabic with a shortened link and a
hashtag, a forward, a photo with caption, a photo without, a service message, a long first line
and a signature; older page before 104), -before-104 (100 "channel created", 101-103; older page
before 100), -2 (the newest page at the second poll: 107 edited, 111-113 new), -3 and
-3-before-120 (a third poll after more than a page arrived: 120-124, then 113-119),
euphrates_relay.html (Arabic and English posts, a video without caption, a document with a
caption), private_channel.html (t.me's page for a channel without preview), changed_layout.html.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from monitor.errors import FeedParseError, FetchErrorKind
from monitor.feeds import parse_feed
from monitor.records import Entry, FetchResult, Source
from monitor.sources import telegram
from tests.conftest import WATCHLISTS
from tests.servers.feeds import FeedServer

PAGES = Path(__file__).parent / "data" / "telegram"
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
HTML = "text/html; charset=utf-8"
MONITOR = [sys.executable, "-m", "monitor"]
STATUSES = {"ok", "not_modified", "failed", "deferred"}


def source(url: str = "https://t.me/s/qaim_border_news", **fields: Any) -> Source:
    return Source(id="tg", name="tg", url=url, kind="telegram", language="ar", **fields)


def parsed(page: str, url: str = "https://t.me/s/qaim_border_news") -> dict[str, Entry]:
    return {e.key: e for e in parse_feed(fetched(page, url), source(url), NOW).entries}


def fetched(page: str, url: str = "https://t.me/s/qaim_border_news") -> FetchResult:
    body = (PAGES / page).read_bytes()
    return FetchResult("tg", url, url, 200, body, {"content-type": HTML}, 0.01)


def refused(page: str, url: str = "https://t.me/s/qaim_border_news") -> FeedParseError:
    with pytest.raises(FeedParseError) as raised:
        parse_feed(fetched(page, url), source(url), NOW)
    return raised.value


# --- the parser -------------------------------------------------------------------------------


def test_posts_are_keyed_linked_and_dated_in_utc() -> None:
    result = parse_feed(fetched("qaim_border_news.html"), source(), NOW)
    keys = [e.key for e in result.entries]
    assert keys == [f"qaim_border_news/{n}" for n in (110, 107, 106, 105, 104)]  # newest first
    assert result.older == "104"
    posts = {e.key: e for e in result.entries}
    assert posts["qaim_border_news/105"].url == "https://t.me/qaim_border_news/105"
    assert posts["qaim_border_news/105"].published == datetime(2026, 12, 4, 9, 40, tzinfo=UTC)  # 12:40+03
    assert posts["qaim_border_news/104"].published.tzinfo is UTC
    assert all(e.date_source == "feed" and e.guid == e.key for e in result.entries)


def test_a_hostile_date_link_or_a_date_past_the_calendar_keeps_the_post() -> None:
    """A `javascript:` date link became the article's URL (shown raw in webhooks and the console),
    and a date past year 9999 once in UTC dropped the post (OverflowError)."""
    page = (PAGES / "qaim_border_news.html").read_text(encoding="utf-8")
    hostile = 'href="javascript:alert(document.cookie)"'
    page = page.replace('href="https://t.me/qaim_border_news/104"', hostile)
    page = page.replace('datetime="2026-12-04T10:05:00+00:00"', 'datetime="9999-12-31T23:59:59-23:59"')
    url = "https://t.me/s/qaim_border_news"
    result = parse_feed(
        FetchResult("tg", url, url, 200, page.encode(), {"content-type": HTML}, 0.01), source(), NOW
    )
    posts = {e.key: e for e in result.entries}
    assert posts["qaim_border_news/104"].url == "https://t.me/qaim_border_news/104"  # its own page
    late = posts["qaim_border_news/106"]
    assert (late.published, late.date_source) == (NOW, "fetched")
    assert any("javascript:" in warning for warning in result.warnings)


def test_text_keeps_line_breaks_and_shows_where_links_go() -> None:
    post = parsed("qaim_border_news.html")["qaim_border_news/105"]
    lines = post.content.split("\n")
    assert lines[0] == "عاجل 🔴" and post.title == "عاجل 🔴"
    assert lines[1] == "إغلاق معبر القائم الحدودي أمام حركة الشاحنات حتى إشعار آخر."
    # the shortened link text became the whole URL (tracking parameter dropped); the hashtag stayed
    assert lines[2] == "التفاصيل: https://border-gazette.example/news/2026/12/qaim-gate #القائم"
    forwarded = parsed("qaim_border_news.html")["qaim_border_news/106"]
    assert "on the Relay site (https://relay.example/reports/77)." in forwarded.content


def test_forward_reply_media_and_service_messages() -> None:
    posts = parsed("qaim_border_news.html")
    forward = posts["qaim_border_news/106"]
    assert forward.content.startswith("Kata'ib Hizballah trucks entered")  # the origin is the publisher
    assert (forward.publisher, forward.publisher_url) == (
        "Euphrates Relay",
        "https://t.me/euphrates_relay/77",
    )
    assert forward.title.startswith("Kata'ib Hizballah trucks entered Abu Kamal")
    assert "(https://" not in forward.title  # the title is the line as shown, links not expanded
    reply = posts["qaim_border_news/104"]
    assert reply.content == "Update: the gate reopened at noon.\nTraffic is moving in both directions."
    assert "Husaybah" not in reply.content  # the quoted post is not the reply's text
    assert posts["qaim_border_news/107"].content == "Smoke over the market in al-Bukamal"  # a caption
    assert "qaim_border_news/108" not in posts  # a photo without caption
    assert "qaim_border_news/109" not in posts  # "Channel photo updated"
    assert "qaim_border_news/100" not in parsed("qaim_border_news-before-104.html")  # "Channel created"
    relay = parsed("euphrates_relay.html", "https://t.me/s/euphrates_relay")
    assert set(relay) == {"euphrates_relay/76", "euphrates_relay/77", "euphrates_relay/79"}  # 78: video only
    assert relay["euphrates_relay/79"].content == "النص الكامل لبيان مجلس العشائر"  # a document's caption


def test_title_is_the_first_line_cut_at_a_word() -> None:
    post = parsed("qaim_border_news.html")["qaim_border_news/110"]
    first_line = post.content.split("\n")[0]
    assert len(first_line) > telegram.TITLE_MOST
    assert post.title.endswith("…") and len(post.title) <= telegram.TITLE_MOST + 1
    assert first_line.startswith(post.title[:-1]) and first_line[len(post.title) - 1] == " "
    assert post.authors == ("Desk editor",)


def test_a_channel_without_preview_is_not_a_feed() -> None:
    error = refused("private_channel.html", "https://t.me/s/closed_circle_ops")
    assert error.kind is FetchErrorKind.NOT_A_FEED
    assert "no public preview" in error.message and "'closed_circle_ops'" in error.message


def test_an_unknown_layout_is_a_parse_error_with_the_start_of_the_page() -> None:
    error = refused("changed_layout.html")
    assert error.kind is FetchErrorKind.PARSE
    assert "Convoy reported on the river road near Baghuz" in error.message
    assert len(error.message) < 400
    page = (PAGES / "qaim_border_news.html").read_text(encoding="utf-8").replace("data-post=", "data-x=")
    result = FetchResult("tg", "https://t.me/s/x", "https://t.me/s/x", 200, page.encode(), {}, 0.01)
    with pytest.raises(FeedParseError) as raised:
        parse_feed(result, source("https://t.me/s/x"), NOW)
    assert raised.value.kind is FetchErrorKind.PARSE and "data-post" in raised.value.message
    empty = FetchResult("tg", "https://t.me/s/x", "https://t.me/s/x", 200, b"", {}, 0.01)
    with pytest.raises(FeedParseError):
        parse_feed(empty, source("https://t.me/s/x"), NOW)


def test_a_public_channel_without_posts_is_empty_not_an_error() -> None:
    page = (PAGES / "euphrates_relay.html").read_text(encoding="utf-8")
    head, _, rest = page.partition('<div class="tgme_widget_message_wrap')
    empty = head + "</section></div></main></body></html>"
    result = FetchResult("tg", "https://t.me/s/x", "https://t.me/s/x", 200, empty.encode(), {}, 0.01)
    assert parse_feed(result, source("https://t.me/s/x"), NOW).entries == ()


def test_older_pages_are_asked_with_before() -> None:
    assert telegram.page_url(source(), None) == "https://t.me/s/qaim_border_news"
    assert telegram.page_url(source(), "104") == "https://t.me/s/qaim_border_news?before=104"
    mirror = source("http://127.0.0.1:8080/s/chan?embed=1&before=999")
    assert telegram.page_url(mirror, "50") == "http://127.0.0.1:8080/s/chan?embed=1&before=50"


# --- whole processes against the loopback server ----------------------------------------------


def monitor(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [*MONITOR, "--config", str(config), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=config.parent)


def as_json(config: Path, *args: str) -> Any:
    done = monitor(config, *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def poll_lines(config: Path) -> dict[str, str]:
    done = monitor(config, "poll")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    reports = [line.split(maxsplit=2) for line in done.stdout.splitlines()]  # also the console alerts
    return {words[0]: " ".join(words) for words in reports if len(words) == 3 and words[1] in STATUSES}


def publish(server: FeedServer, path: str, page: str, **options: Any) -> str:
    return server.set_feed(path, (PAGES / page).read_bytes(), HTML, **options)


@pytest.fixture
def channels(tmp_path: Path, database_url: str, feed_server: FeedServer) -> tuple[Path, str]:
    """A config with four telegram sources on the loopback server; returns it and the URL prefix."""
    prefix = f"/tg/{uuid.uuid4().hex}/s"
    publish(feed_server, f"{prefix}/qaim_border_news", "qaim_border_news.html")
    publish(feed_server, f"{prefix}/qaim_border_news?before=104", "qaim_border_news-before-104.html")
    publish(feed_server, f"{prefix}/euphrates_relay", "euphrates_relay.html")
    publish(feed_server, f"{prefix}/closed_circle_ops", "private_channel.html")
    publish(feed_server, f"{prefix}/moved_layout", "changed_layout.html")
    sources = {
        "qaim": ("qaim_border_news", 'backfill = 8\nlanguage = "ar"'),
        "relay": ("euphrates_relay", 'language = "ar"'),
        "closed": ("closed_circle_ops", ""),
        "moved": ("moved_layout", ""),
    }
    text = f"""
database_url = "{database_url}"
watchlists = "{WATCHLISTS}"
default_sources = false

[fetch]
retries = 0
parse_workers = 1
page_delay = 0.2
"""
    for sid, (channel, extra) in sources.items():
        url = feed_server.url(f"{prefix}/{channel}")
        text += f'\n[[sources]]\nid = "{sid}"\nkind = "telegram"\nurl = "{url}"\n{extra}\n'
    config = tmp_path / "monitor.toml"
    config.write_text(text, encoding="utf-8")
    return config, prefix


def test_polls_backfill_then_store_only_what_is_new(
    channels: tuple[Path, str], feed_server: FeedServer
) -> None:
    config, prefix = channels
    lines = poll_lines(config)
    # first poll: the newest page and one older page, up to backfill = 8 posts (the page before
    # 100 is never asked for), a page apart by at least page_delay
    assert "8 entries, 8 new" in lines["qaim"]
    qaim = feed_server.requests_to(f"{prefix}/qaim_border_news")
    assert [r.path.partition("?")[2] for r in qaim] == ["", "before=104"]
    assert qaim[1].at - qaim[0].at >= 0.2
    assert "3 entries, 3 new" in lines["relay"]
    assert "not_a_feed" in lines["closed"] and "no public preview" in lines["closed"]
    assert "parse" in lines["moved"] and "Convoy reported" in lines["moved"]

    articles = {a["key"]: a for a in as_json(config, "articles", "--since", "3650d")}
    expected = {f"qaim_border_news/{n}" for n in (101, 102, 103, 104, 105, 106, 107, 110)}
    assert {k for k in articles if k.startswith("qaim")} == expected
    post = articles["qaim_border_news/105"]
    assert post["source"] == "qaim" and post["url"] == "https://t.me/qaim_border_news/105"
    assert datetime.fromisoformat(post["published"]) == datetime(2026, 12, 4, 9, 40, tzinfo=UTC)
    assert post["text"].split("\n")[2].startswith("التفاصيل: https://border-gazette.example/news/")
    assert (
        articles["qaim_border_news/102"]["text"]
        == "Power cut across al-Qaim district\nCrews expected tomorrow."
    )

    sources = {s["id"]: s for s in as_json(config, "sources")}
    assert sources["closed"]["kind"] == "telegram" and sources["closed"]["last_error_kind"] == "not_a_feed"
    assert "private" in sources["closed"]["error_meaning"]
    assert sources["qaim"]["last_error_kind"] is None and sources["qaim"]["error_meaning"] is None

    # second poll: an edit and three new posts on the newest page, which holds stored posts: no
    # older page is asked for
    publish(feed_server, f"{prefix}/qaim_border_news", "qaim_border_news-2.html")
    lines = poll_lines(config)
    assert "6 entries, 3 new, 1 updated" in lines["qaim"]
    assert "0 new" in lines["relay"]
    asked = [r.path.partition("?")[2] for r in feed_server.requests_to(f"{prefix}/qaim_border_news")]
    assert asked[2:] == [""]
    articles = {a["key"]: a for a in as_json(config, "articles", "--since", "3650d")}
    assert articles["qaim_border_news/107"]["text"].endswith("the fire is out, two shops burned")
    assert {"qaim_border_news/111", "qaim_border_news/112", "qaim_border_news/113"} <= set(articles)

    # third poll: more than a page arrived, so the older page is read too, down to a stored post
    publish(feed_server, f"{prefix}/qaim_border_news", "qaim_border_news-3.html")
    publish(feed_server, f"{prefix}/qaim_border_news?before=120", "qaim_border_news-3-before-120.html")
    lines = poll_lines(config)
    assert "12 entries, 11 new" in lines["qaim"]
    asked = [r.path.partition("?")[2] for r in feed_server.requests_to(f"{prefix}/qaim_border_news")]
    assert asked[3:] == ["", "before=120"]
    keys = {a["key"] for a in as_json(config, "articles", "--since", "3650d", "--source", "qaim")}
    assert {f"qaim_border_news/{n}" for n in range(113, 125)} <= keys and len(keys) == 8 + 3 + 11


def test_a_post_naming_a_watched_entity_is_a_hit(channels: tuple[Path, str]) -> None:
    """Posts go through matching and alerting like articles: Arabic and English, forwarded or not."""
    config, _ = channels
    # the saved posts are dated early December 2026: alert on them whatever today's date is
    config.write_text(config.read_text(encoding="utf-8") + '\n[alerts]\nwindow = "3650d"\n', encoding="utf-8")
    poll_lines(config)
    hits = {(h["source"], h["url"]): h for h in as_json(config, "hits", "--since", "3650d")}
    for key in [("relay", "https://t.me/euphrates_relay/76"), ("relay", "https://t.me/euphrates_relay/77")]:
        assert "kataib-hezbollah" in hits[key]["entities"], hits.keys()
    forwarded = hits[("qaim", "https://t.me/qaim_border_news/106")]
    assert {"kataib-hezbollah", "bukamal"} <= set(forwarded["entities"]) and forwarded["priority"]
    # and alerts: a high-priority post is a story alert, sent (to the console, nothing else is set up)
    outbox = as_json(config, "alerts")["alerts"]
    sent = {a["url"] for a in outbox if a["kind"] == "story" and a["state"] == "sent"}
    assert "https://t.me/euphrates_relay/77" in sent or "https://t.me/qaim_border_news/106" in sent, outbox


def test_a_429_on_an_older_page_defers_the_source_and_stores_nothing(
    channels: tuple[Path, str], feed_server: FeedServer
) -> None:
    config, prefix = channels
    publish(
        feed_server,
        f"{prefix}/qaim_border_news?before=104",
        "qaim_border_news-before-104.html",
        status=429,
        headers={"Retry-After": "120"},
    )
    lines = poll_lines(config)
    assert "http_429" in lines["qaim"]
    sources = {s["id"]: s for s in as_json(config, "sources")}
    assert sources["qaim"]["retry_after_until"] and sources["qaim"]["last_error_kind"] == "http_429"
    assert as_json(config, "articles", "--since", "3650d", "--source", "qaim") == []


@pytest.mark.parametrize(("status", "page"), [(404, "qaim_border_news.html"), (200, "private_channel.html")])
def test_an_older_page_that_is_not_there_ends_the_backfill_and_keeps_the_newer_pages(
    channels: tuple[Path, str], feed_server: FeedServer, status: int, page: str
) -> None:
    """Past the channel's first post an older page may answer 404 or show no posts: the backfill
    stops there with one warning, and what the newer pages held is stored."""
    config, prefix = channels
    config.write_text(config.read_text(encoding="utf-8").replace("backfill = 8", "backfill = 50"))
    publish(feed_server, f"{prefix}/qaim_border_news?before=100", page, status=status)
    done = monitor(config, "poll", "--source", "qaim")
    assert done.returncode == 0, done.stderr
    assert "8 entries, 8 new" in done.stdout
    assert done.stderr.count("paging stopped there") == 1 and "Traceback" not in done.stderr
    asked = [r.path.partition("?")[2] for r in feed_server.requests_to(f"{prefix}/qaim_border_news")]
    assert asked == ["", "before=104", "before=100"]
    assert len(as_json(config, "articles", "--since", "3650d", "--source", "qaim")) == 8


SERVICE_ONLY = (
    '<html><body><section class="tgme_channel_history js-message_history">'
    '<a class="tme_messages_more js-messages_more" data-before="{before}" href="?before={before}"></a>'
    '<div class="tgme_widget_message service_message js-widget_message" data-post="qaim_border_news/{post}">'
    '<div class="tgme_widget_message_text service_message_text">Channel photo updated</div></div>'
    "</section></body></html>"
)


@pytest.mark.parametrize("cursor", ["90", "104"], ids=["older cursor", "the same cursor again"])
def test_paging_stops_at_a_page_without_posts_or_a_cursor_seen_before(
    channels: tuple[Path, str], feed_server: FeedServer, cursor: str
) -> None:
    """A page of service messages or bare media that keeps a cursor was followed back to the
    channel's start at every poll, or forever when the cursor repeated (289 requests a minute)."""
    config, prefix = channels
    config.write_text(config.read_text(encoding="utf-8").replace("backfill = 8", "backfill = 50"))
    page = SERVICE_ONLY.format(before=cursor, post=104).encode()
    for path in (f"{prefix}/qaim_border_news?before=104", f"{prefix}/qaim_border_news?before=90"):
        feed_server.set_feed(path, page, HTML)
    done = monitor(config, "poll", "--source", "qaim")
    assert done.returncode == 0, done.stderr
    asked = [r.path.partition("?")[2] for r in feed_server.requests_to(f"{prefix}/qaim_border_news")]
    assert asked == ["", "before=104"]
    assert "paging stopped" in done.stderr and "Traceback" not in done.stderr
    assert len(as_json(config, "articles", "--since", "3650d", "--source", "qaim")) > 0


def test_a_post_id_int_cannot_read_is_one_post_skipped_not_the_page() -> None:
    """ "1²" passed str.isdigit, then failed int() in the newest-first sort: the page was lost."""
    body = (PAGES / "qaim_border_news.html").read_text(encoding="utf-8")
    first = body.index('data-post="qaim_border_news/')
    number_at = first + len('data-post="qaim_border_news/')
    bad = body[:number_at] + "1\u00b2" + body[body.index('"', number_at) :]
    result = FetchResult("qaim", "https://t.me/s/qaim_border_news", "https://t.me/s/qaim_border_news", 200,
                         bad.encode(), {"content-type": HTML}, 0.1)  # fmt: skip
    parsed_feed = parse_feed(result, source(), NOW)
    assert parsed_feed.entries and any("1\u00b2" in w for w in parsed_feed.warnings)
