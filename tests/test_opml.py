from pathlib import Path

import pytest

from monitor import opml
from monitor.config import load_settings
from monitor.errors import InputError


def test_round_trip(tmp_path: Path) -> None:
    sources = load_settings(environ={}).all_sources()
    path = tmp_path / "out.opml"
    path.write_text(opml.write_opml(sources), encoding="utf-8")
    read = opml.read_opml(path)
    assert [s.url for s in read] == [s.url for s in sources]
    assert read[0].label == sources[0].label
    toml_text = opml.to_toml(read)
    (tmp_path / "m.toml").write_text("default_sources = false\n" + toml_text, encoding="utf-8")
    again = load_settings(tmp_path / "m.toml", environ={}).all_sources()
    assert [s.url for s in again] == [s.url for s in sources]
    assert len({s.id for s in again}) == len(again)


def test_nested_outlines_and_quotes(tmp_path: Path) -> None:
    path = tmp_path / "in.opml"
    path.write_text(
        '<opml version="1.0"><body><outline text="Syria"><outline text="A &quot;quoted&quot; feed" '
        'xmlUrl="https://a.example/feed"/><outline text="A &quot;quoted&quot; feed" xmlUrl="https://b.example/rss"/>'
        "</outline></body></opml>",
        encoding="utf-8",
    )
    read = opml.read_opml(path)
    assert [s.id for s in read] == ["a-quoted-feed", "a-quoted-feed-2"]
    assert 'name = "A \\"quoted\\" feed"' in opml.to_toml(read)


def test_entity_bomb_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.opml"
    path.write_text(
        '<!DOCTYPE x [<!ENTITY a "aaaa">]><opml><body><outline text="&a;" xmlUrl="http://x/"/></body></opml>'
    )
    with pytest.raises(InputError, match="bomb.opml"):
        opml.read_opml(path)
