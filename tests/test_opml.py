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


def test_control_characters_in_a_title_make_valid_toml(tmp_path: Path) -> None:
    """A DEL (U+007F) copied raw made the config that `import-opml >> monitor.toml` appends to unreadable."""
    path = tmp_path / "in.opml"
    path.write_text(
        '<opml version="2.0"><body><outline text="A\x7fB" xmlUrl="https://a.example/feed"/></body></opml>'
    )
    config = tmp_path / "monitor.toml"
    config.write_text(opml.to_toml(opml.read_opml(path)), encoding="utf-8")
    (source,) = load_settings(config, environ={}).sources
    assert source.name == "A\x7fB"


def test_entity_bomb_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.opml"
    path.write_text(
        '<!DOCTYPE x [<!ENTITY a "aaaa">]><opml><body><outline text="&a;" xmlUrl="http://x/"/></body></opml>'
    )
    with pytest.raises(InputError, match="bomb.opml"):
        opml.read_opml(path)
