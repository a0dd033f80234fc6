"""The public interface, through the real CLI: config, poll, articles, sources, hits, match."""

import json
import re
import tomllib
import uuid
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.config import load_settings
from tests.conftest import WATCHLISTS
from tests.servers.feeds import FeedServer

ITEM = (
    "<item><title>{title}</title><link>https://example.org/{guid}?utm_source=rss</link>"
    "<guid isPermaLink='false'>{guid}</guid><description>{text}</description>"
    "<pubDate>Fri, 20 Nov 2026 10:00:00 +0000</pubDate></item>"
)


def feed(*items: dict[str, str]) -> bytes:
    body = "".join(ITEM.format(**item) for item in items)
    head = "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
    return f"{head}<title>x</title>{body}</channel></rss>".encode()


def invoke(config: Path | None, *args: str, input: str | None = None, env: dict[str, str] | None = None):
    options = ["--config", str(config)] if config else []
    return CliRunner().invoke(app, [*options, *args], input=input, env=env or {}, catch_exceptions=False)


@pytest.fixture
def config(tmp_path: Path, database_url: str, feed_server: FeedServer) -> Path:
    path = f"/cli/{uuid.uuid4().hex}.xml"
    feed_server.set_feed(
        path,
        feed(
            {
                "guid": "1",
                "title": "Militia convoy crosses at al-Qaim",
                "text": "Kata'ib Hizballah trucks entered Abu Kamal.",
            },
            {"guid": "2", "title": "Football results", "text": "Kamal scored twice."},
        ),
    )
    text = f"""
database_url = "{database_url}"
watchlists = "{WATCHLISTS}"
default_sources = false

[fetch]
retries = 0
parse_workers = 1

[[sources]]
id = "local"
name = "Local test feed"
url = "{feed_server.url(path)}"
label = "regional"
owner = "Test Media Group"

[[sources]]
id = "broken"
url = "{feed_server.url("/status/500")}"
"""
    (tmp_path / "monitor.toml").write_text(text, encoding="utf-8")
    return tmp_path / "monitor.toml"


def test_poll_then_read_everything(config: Path) -> None:
    result = invoke(config, "poll")
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert "2 entries, 2 new" in lines["local"]
    assert "failed" in lines["broken"] and "http_5xx" in lines["broken"]

    articles = json.loads(invoke(config, "articles", "--since", "3650d", "--json").stdout)
    assert {a["title"] for a in articles} == {"Militia convoy crosses at al-Qaim", "Football results"}
    assert all(set(a) >= {"id", "source", "url", "title", "published"} for a in articles)
    assert all("utm_source" not in a["url"] for a in articles)
    stored = {a["title"]: a for a in articles}["Militia convoy crosses at al-Qaim"]
    assert stored["key"] == "1" and stored["text"] == "Kata'ib Hizballah trucks entered Abu Kamal."

    hits = json.loads(invoke(config, "hits", "--since", "3650d", "--json").stdout)
    assert [h["title"] for h in hits] == ["Militia convoy crosses at al-Qaim"]
    assert {"qaim", "bukamal", "kataib-hezbollah"} <= set(hits[0]["entities"])
    assert set(hits[0]) >= {"article_id", "url", "title", "source", "published", "entities", "priority"}
    assert hits[0]["outlets"] == [
        {"key": hits[0]["outlets"][0]["key"], "name": "Local test feed", "label": "regional"}
    ]
    assert hits[0]["corroboration"]["status"] == "single source"

    sources = {s["id"]: s for s in json.loads(invoke(config, "sources", "--json").stdout)}
    assert sources["local"]["last_success_at"] and sources["local"]["consecutive_failures"] == 0
    assert (sources["local"]["label"], sources["local"]["owner"]) == ("regional", "Test Media Group")
    assert (
        sources["broken"]["last_error_kind"] == "http_5xx" and sources["broken"]["consecutive_failures"] == 1
    )

    assert invoke(config, "poll", "--source", "local").exit_code == 0
    again = json.loads(invoke(config, "articles", "--since", "3650d", "--source", "local", "--json").stdout)
    assert len(again) == 2


def test_rematch_adds_nothing_twice(config: Path) -> None:
    invoke(config, "poll", "--source", "local")
    result = invoke(config, "rematch", "--since", "1d")
    assert result.exit_code == 0 and "0 new hits" in result.stderr


def test_a_source_named_twice_is_polled_once(config: Path) -> None:
    result = invoke(config, "poll", "--source", "local", "--source", "local")
    assert result.exit_code == 0, result.stderr
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["local"]


def test_unknown_source(config: Path) -> None:
    result = invoke(config, "poll", "--source", "nope")
    assert result.exit_code == 2
    first, hint = result.stderr.splitlines()  # a usage mistake: the line and where help is
    assert first == "error: invalid value for '--source': unknown source nope (`monitor sources` lists them)"
    assert hint.endswith("poll --help`")


def test_bad_config_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[[sources]]\nid = "a"\nurl = "http://x/"\ninterval = "soon"\n')
    result = invoke(path, "poll")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "sources[0] (id 'a').interval" in result.stderr


def test_unreachable_database(tmp_path: Path) -> None:
    result = invoke(
        None, "articles", "--json", env={"MONITOR_DATABASE_URL": "postgresql://x@127.0.0.1:1/none"}
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("error: database unreachable")


def test_match_offsets_point_into_the_input_as_given() -> None:
    text = "<p>Strikes hit Albu&nbsp;Kamal&#8217;s outskirts</p>\nand والبوكمال"
    result = invoke(None, "match", "--json", input=text, env={"MONITOR_WATCHLISTS": str(WATCHLISTS)})
    assert result.exit_code == 0, result.stderr
    matches = json.loads(result.stdout)["matches"]
    assert [m["entity"] for m in matches] == ["bukamal", "bukamal"]
    for m in matches:
        assert text[m["start"] : m["end"]] == m["text"]
        assert set(m) == {"entity", "name", "kind", "start", "end", "text"}


def test_a_dash_names_standard_input() -> None:
    env = {"MONITOR_WATCHLISTS": str(WATCHLISTS)}
    result = invoke(None, "match", "-", "--json", input="Strike near Albu Kamal", env=env)
    assert result.exit_code == 0, result.stderr
    assert [m["entity"] for m in json.loads(result.stdout)["matches"]] == ["bukamal"]
    opml = '<opml version="2.0"><body><outline type="rss" text="A" xmlUrl="https://a.example/feed"/></body></opml>'
    result = invoke(None, "sources", "import-opml", "-", input=opml)
    assert result.exit_code == 0, result.stderr
    assert 'url = "https://a.example/feed"' in result.stdout


def test_match_dates_a_text_by_its_publication() -> None:
    """--published dates the names that changed hands as a poll dates an article by its date."""
    env = {"MONITOR_WATCHLISTS": str(Path(__file__).resolve().parents[1] / "watchlists")}
    text = "نشر الجيش العربي السوري قواته في ريف دير الزور الشرقي."

    def army(*args: str) -> list[str]:
        result = invoke(None, "match", "--json", *args, input=text, env=env)
        assert result.exit_code == 0, result.stderr
        return [m["entity"] for m in json.loads(result.stdout)["matches"] if m["entity"] != "deir-ez-zor"]

    assert army("--published", "2019-06-01") == army() == ["syrian-army"]  # undated: as written
    assert army("--published", "2026") == army("--published", "2026-01-20") == ["syrian-defence-ministry"]
    assert army("--published", "2025-03") == ["syrian-defence-ministry"]  # a page that gives its month
    for wrong in ("soon", "2026-13-01", "2026-13", "2026-1", ""):
        result = invoke(None, "match", "--published", wrong, input=text, env=env)
        assert result.exit_code == 2 and "--published" in result.stderr and "Traceback" not in result.stderr


def test_match_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("Kamal Ahmed said 313 people came.\n", encoding="utf-8")
    result = invoke(None, "match", str(path), "--json", env={"MONITOR_WATCHLISTS": str(WATCHLISTS)})
    assert json.loads(result.stdout) == {"matches": [], "events": []}


def test_watchlists_validate_reports_file_line_field(tmp_path: Path) -> None:
    (tmp_path / "actors.yaml").write_text(
        "entities:\n  - id: x\n    name: X\n    kind: militia\n    aliases: []\n"
    )
    result = invoke(None, "watchlists", "validate", env={"MONITOR_WATCHLISTS": str(tmp_path)})
    assert result.exit_code == 2
    assert "actors.yaml:" in result.stderr and "aliases" in result.stderr
    ok = invoke(None, "watchlists", "validate", env={"MONITOR_WATCHLISTS": str(WATCHLISTS)})
    assert ok.exit_code == 0, ok.stderr


def test_opml_export_import(tmp_path: Path) -> None:
    exported = invoke(None, "sources", "export-opml")
    assert exported.exit_code == 0 and "enabbaladi" in exported.stdout
    (tmp_path / "x.opml").write_text(
        '<opml><body><outline text="New outlet" xmlUrl="https://new.example/feed"/></body></opml>'
    )
    imported = invoke(None, "sources", "import-opml", str(tmp_path / "x.opml"))
    assert imported.stdout.startswith('[[sources]]\nid = "new-outlet"')


@pytest.mark.parametrize("defaults", ["true", "false"])
def test_opml_import_makes_ids_that_clash_with_no_configured_or_bundled_source(
    tmp_path: Path, defaults: str
) -> None:
    """An outline titled like a bundled source ("Syria Direct") silently replaced it once appended,
    one titled like a configured source made the config fail; one URL twice was two sources."""
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'default_sources = {defaults}\n[[sources]]\nid = "inj"\nurl = "https://inj.example/feed"\n',
        encoding="utf-8",
    )
    outlines = [
        ("Syria Direct", "https://other.example/feed"),
        ("inj", "https://inj.example/other"),
        ("Twice", "https://twice.example/feed"),
        ("Twice again", "https://twice.example/feed"),
        ("Configured", "https://inj.example/feed"),
    ]
    body = "".join(f'<outline text="{text}" xmlUrl="{url}"/>' for text, url in outlines)
    (tmp_path / "x.opml").write_text(f"<opml><body>{body}</body></opml>", encoding="utf-8")
    imported = invoke(config, "sources", "import-opml", str(tmp_path / "x.opml"))
    assert imported.exit_code == 0, imported.stderr
    config.write_text(config.read_text(encoding="utf-8") + imported.stdout, encoding="utf-8")
    urls = {s.id: s.url for s in load_settings(config, environ={}).all_sources()}
    new = {i: u for i, u in urls.items() if i in ("syria-direct-2", "inj-2", "twice")}
    assert new == {
        "syria-direct-2": "https://other.example/feed",
        "inj-2": "https://inj.example/other",
        "twice": "https://twice.example/feed",
    }
    assert urls["inj"] == "https://inj.example/feed"
    assert urls.get("syria-direct", "https://syriadirect.org/feed/") == "https://syriadirect.org/feed/"
    assert imported.stdout.count("[[sources]]") == 3


def test_opml_export_keeps_other_kinds_out_of_feed_readers_and_imports_them_back(tmp_path: Path) -> None:
    """Only RSS sources are feeds to a feed reader; a Telegram channel, a GDELT or ReliefWeb query
    is a link with its kind, which import-opml reads back as that kind."""
    exported = invoke(None, "sources", "export-opml", "--out", str(tmp_path / "all.opml"))
    assert exported.exit_code == 0, exported.stderr
    outlines = {o.get("title"): o for o in ElementTree.parse(tmp_path / "all.opml").iter("outline")}
    telegram = outlines["Euphrates Post on Telegram"]
    assert telegram.get("type") == "link" and telegram.get("xmlUrl") is None
    assert (telegram.get("url"), telegram.get("monitorKind")) == ("https://t.me/s/EuphratesPost", "telegram")
    feeds = [o for o in outlines.values() if o.get("type") == "rss"]
    assert feeds and all(o.get("xmlUrl") and o.get("monitorKind") is None for o in feeds)

    empty = tmp_path / "empty.toml"  # into a config without the bundled sources: all of them are new
    empty.write_text("default_sources = false\n")
    imported = invoke(empty, "sources", "import-opml", str(tmp_path / "all.opml"))
    assert imported.exit_code == 0, imported.stderr
    sources = tomllib.loads(imported.stdout)["sources"]
    kinds = {s["url"]: s.get("kind", "rss") for s in sources}
    assert kinds["https://t.me/s/EuphratesPost"] == "telegram"
    assert len(sources) == len(outlines)
    assert sorted(set(kinds.values())) == ["gdelt", "reliefweb", "rss", "telegram"]

    (tmp_path / "odd.opml").write_text(
        '<opml><body><outline text="Odd" type="link" url="https://odd.example/" monitorKind="mastodon"/>'
        "</body></opml>"
    )
    odd = invoke(None, "sources", "import-opml", str(tmp_path / "odd.opml"))
    assert odd.exit_code == 2 and odd.stderr.count("\n") == 1
    assert "odd.opml" in odd.stderr and "unknown source kind 'mastodon'" in odd.stderr


def test_watchlists_derive_proposes_only_what_is_missing(tmp_path: Path) -> None:
    doc = tmp_path / "report.html"
    doc.write_text(
        "<p>Fighters of Liwa al-Quds al-Jadid, led by Commander Abu Hashem al-Zubaidi, moved from "
        "al-Bukamal to the village of Tell Khanzir. Kataib Hezbollah stayed in al-Qaim.</p>",
        encoding="utf-8",
    )
    result = invoke(None, "watchlists", "derive", str(doc), env={"MONITOR_WATCHLISTS": str(WATCHLISTS)})
    assert result.exit_code == 0, result.stderr
    assert "Liwa al-Quds al-Jadid" in result.stdout and "Tell Khanzir" in result.stdout
    assert "Kataib Hezbollah" not in result.stdout  # already watched
    missing = invoke(None, "watchlists", "derive", str(tmp_path / "nope.txt"))
    assert missing.exit_code == 2 and "nope.txt" in missing.stderr


def test_an_absurd_cache_lifetime_stores_the_feed_and_waits_at_most_the_cap(
    tmp_path: Path, sqlite_url: str, feed_server: FeedServer
) -> None:
    """Cache-Control max-age=999999999999999999999 (or such a <ttl>) would not fit a time span:
    it is read as a year, the entries are stored, the next poll comes within the 12-hour cap."""
    path = f"/cache-control?max_age=999999999999999999999&t={uuid.uuid4().hex}"
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'database_url = "{sqlite_url}"\nwatchlists = "{WATCHLISTS}"\ndefault_sources = false\n'
        f'[fetch]\nretries = 0\n\n[[sources]]\nid = "lasting"\nurl = "{feed_server.url(path)}"\n',
        encoding="utf-8",
    )
    polled = invoke(config, "poll")
    assert polled.exit_code == 0 and "failed" not in polled.stdout, polled.output
    assert json.loads(invoke(config, "articles", "--since", "3650d", "--json").stdout)
    health = json.loads(invoke(config, "sources", "--json").stdout)[0]
    next_poll = datetime.fromisoformat(health["next_poll_at"])
    assert next_poll <= datetime.now(timezone.utc) + timedelta(hours=13)


def test_poll_honours_retry_after_unless_forced(
    tmp_path: Path, sqlite_url: str, feed_server: FeedServer
) -> None:
    """A server's Retry-After (429 or 503) holds the source back for one-shot polls too; a
    source in backoff after another error is polled as before; --force asks them all."""
    tag = uuid.uuid4().hex
    paths = {
        "limited": f"/status/429?retry_after=3600&t={tag}",
        "busy": f"/status/503?retry_after=3600&t={tag}",
        "broken": f"/status/500?t={tag}",
    }
    sources = "".join(
        f'[[sources]]\nid = "{name}"\nurl = "{feed_server.url(path)}"\n\n' for name, path in paths.items()
    )
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'database_url = "{sqlite_url}"\nwatchlists = "{WATCHLISTS}"\ndefault_sources = false\n'
        f"[fetch]\nretries = 0\nparse_workers = 1\n\n{sources}",
        encoding="utf-8",
    )

    def asked() -> dict[str, int]:
        return {name: sum(r.path == path for r in list(feed_server.requests)) for name, path in paths.items()}

    first = invoke(config, "poll")
    assert first.exit_code == 0, first.stderr
    assert asked() == {"limited": 1, "busy": 1, "broken": 1}
    assert "skipped" not in first.stdout

    second = invoke(config, "poll")
    assert second.exit_code == 0, second.stderr
    assert asked() == {"limited": 1, "busy": 1, "broken": 2}
    skipped = sorted(line for line in second.stdout.splitlines() if line.startswith("skipped"))
    assert [line.split(":")[0] for line in skipped] == ["skipped busy", "skipped limited"]
    assert all(line.endswith("Z (Retry-After)") and "asked to wait until 20" in line for line in skipped)
    assert "2 skipped" in second.stderr and "--force" in second.stderr

    health = {s["id"]: s for s in json.loads(invoke(config, "sources", "--json").stdout)}
    assert health["busy"]["retry_after_until"] and health["broken"]["retry_after_until"] is None

    forced = invoke(config, "poll", "--force")
    assert forced.exit_code == 0, forced.stderr
    assert asked() == {"limited": 2, "busy": 2, "broken": 3}
    assert "skipped" not in forced.stdout


def test_untrusted_titles_are_printed_as_they_are(
    tmp_path: Path, sqlite_url: str, feed_server: FeedServer
) -> None:
    """Rich markup and emoji codes in feed text are text: `monitor alerts` used to crash on `[/]`."""
    path = f"/cli/{uuid.uuid4().hex}.xml"
    title = "[/] Kata'ib Hizballah [bold convoy :fire: at al-Qaim"
    feed_server.set_feed(path, feed({"guid": "m1", "title": title, "text": "Trucks entered Abu Kamal."}))
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'database_url = "{sqlite_url}"\nwatchlists = "{WATCHLISTS}"\ndefault_sources = false\n'
        f'[fetch]\nparse_workers = 1\n[alerts]\nwindow = "3650d"\n'
        f'[[sources]]\nid = "marked"\nurl = "{feed_server.url(path)}"\n',
        encoding="utf-8",
    )
    assert invoke(config, "poll").exit_code == 0
    listed = invoke(config, "alerts")
    assert listed.exit_code == 0, listed.stderr
    assert "[/]" in listed.stdout and "[bold" in listed.stdout and ":fire:" in listed.stdout
    for command in (["articles", "--since", "3650d"], ["hits", "--since", "3650d"], ["sources"]):
        shown = invoke(config, *command)
        assert shown.exit_code == 0, (command, shown.stderr)
    assert title in invoke(config, "articles", "--since", "3650d").stdout


def test_untitled_and_endless_titles_are_shown_as_such(
    tmp_path: Path, sqlite_url: str, feed_server: FeedServer
) -> None:
    """An item with no title alerts as "(untitled)", not as an empty line (Slack showed `**`); a
    200 KB title is stored whole and shown clipped in listings and alerts."""
    path = f"/cli/{uuid.uuid4().hex}.xml"
    endless = "Convoy at al-Qaim " + "x" * 200_000
    feed_server.set_feed(
        path,
        feed(
            {"guid": "u1", "title": "", "text": "Kata'ib Hizballah trucks entered Abu Kamal."},
            {"guid": "u2", "title": endless, "text": "Trucks entered Abu Kamal."},
        ),
    )
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'database_url = "{sqlite_url}"\nwatchlists = "{WATCHLISTS}"\ndefault_sources = false\n'
        f'[fetch]\nparse_workers = 1\n[alerts]\nwindow = "3650d"\n'
        f'[[sources]]\nid = "odd"\nurl = "{feed_server.url(path)}"\n',
        encoding="utf-8",
    )
    polled = invoke(config, "poll")
    assert polled.exit_code == 0, polled.stderr
    assert "(untitled)" in polled.stdout  # the console alerts
    assert max(len(line) for line in polled.stdout.splitlines()) < 400
    for command in (["articles", "--since", "3650d"], ["hits", "--since", "3650d"]):
        shown = invoke(config, *command).stdout
        assert max(len(line) for line in shown.splitlines()) < 400 and "x…" in shown, command
    stored = json.loads(invoke(config, "articles", "--since", "3650d", "--json").stdout)
    assert endless in {a["title"] for a in stored}


def test_help_texts_show_brackets() -> None:
    shown = invoke(None, "sources", "--help")
    assert "[[sources]]" in shown.stdout


def test_terminal_control_characters_are_neutralised() -> None:
    from monitor.logs import inert

    assert inert("title\x1b]0;owned\x07 \x9b2J end\ttab") == "title\ufffd]0;owned\ufffd \ufffd2J end\ttab"
    # a bidi override shows what follows backwards ("\u202egpj.exe" reads "exe.jpg"): dropped
    assert inert("see \u202egpj.exe\u202c and \u2067isolated\u2069") == "see gpj.exe and isolated"


def test_logs_default_level_iso_times_and_a_common_failure(tmp_path: Path, sqlite_url: str) -> None:
    """Alembic's progress stays below INFO; JSON times are ISO 8601 UTC; when every source fails
    the same way (here: nothing listens), one line after the per-source lines says what to check."""
    sources = "".join(f'[[sources]]\nid = "down-{n}"\nurl = "http://127.0.0.1:1/{n}"\n' for n in range(3))
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'database_url = "{sqlite_url}"\nwatchlists = "{WATCHLISTS}"\ndefault_sources = false\n'
        f"[fetch]\nretries = 0\nparse_workers = 1\n{sources}",
        encoding="utf-8",
    )
    result = invoke(None, "--config", str(config), "--log-level", "info", "--log-json", "poll")
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    iso_utc = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
    assert records and all(iso_utc.fullmatch(r["time"]) for r in records)
    alembic = ("Context impl", "Running upgrade", "transactional DDL")
    assert not [r for r in records if any(words in r["event"] for words in alembic)]
    assert "3 of 3 sources failed with connect: is the network up" in result.stderr
    quiet = invoke(config, "poll")  # the default level: the per-source lines on stdout, no log lines
    assert not [line for line in quiet.stderr.splitlines() if " info " in line or line.startswith("{")]


def test_status_counts_what_the_lists_show(
    tmp_path: Path, database_url: str, feed_server: FeedServer
) -> None:
    """Articles by publication time, hits as articles with hits: `monitor status` agrees with
    `monitor articles` and `monitor hits` (an old item seen today is not news of the last 24h)."""
    now = datetime.now(timezone.utc)
    items = [
        ("new-hit", now - timedelta(hours=2), "Kata'ib Hizballah and Liwa Fatemiyoun at al-Bukamal"),
        ("new-plain", now - timedelta(hours=3), "Football results"),
        ("week-hit", now - timedelta(days=3), "Strike near Abu Kamal"),
        ("old-hit", now - timedelta(days=400), "Archive: Hezbollah at al-Bukamal"),
    ]
    body = "".join(
        f"<item><title>{title}</title><link>https://example.org/{guid}</link><guid>{guid}</guid>"
        f"<pubDate>{format_datetime(when)}</pubDate></item>"
        for guid, when, title in items
    )
    path = f"/cli/{uuid.uuid4().hex}.xml"
    feed_server.set_feed(path, f"<rss version='2.0'><channel><title>x</title>{body}</channel></rss>".encode())
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'database_url = "{database_url}"\nwatchlists = "{WATCHLISTS}"\ndefault_sources = false\n'
        f'[fetch]\nparse_workers = 1\n[[sources]]\nid = "counted"\nurl = "{feed_server.url(path)}"\n',
        encoding="utf-8",
    )
    assert invoke(config, "poll").exit_code == 0
    status = json.loads(invoke(config, "status", "--json").stdout)
    for window in ("24h", "7d"):
        listed_articles = json.loads(invoke(config, "articles", "--since", window, "--json").stdout)
        listed_hits = json.loads(invoke(config, "hits", "--since", window, "--json").stdout)
        assert status["articles"][window] == len(listed_articles)
        assert status["hits"][window] == len(listed_hits)
    assert status["articles"] == {"24h": 2, "7d": 3} and status["hits"] == {"24h": 1, "7d": 2}
