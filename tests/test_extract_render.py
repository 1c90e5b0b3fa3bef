"""sanitize.render skips nh3 for fragments nh3 would return unchanged: the result is the same either way."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from archive.extract import sanitize
from archive.extract.body import Block


def _text_chars() -> list[str]:
    """Every character but surrogates, markup's < and >, and those _NH3_REWRITES names."""
    return [
        chr(cp)
        for cp in range(0x110000)
        if not 0xD800 <= cp < 0xE000 and chr(cp) not in "<>" and not sanitize._NH3_REWRITES.fullmatch(chr(cp))
    ]


def test_nh3_writes_back_every_other_character_as_it_came() -> None:
    chars = _text_chars()
    for i in range(0, len(chars), 4096):
        text = "".join(chars[i : i + 4096])
        fragment = f"<p>{text}</p>\n<h2>{text}</h2>\n<h4>x{text}</h4>"
        assert sanitize.sanitize(fragment) == fragment


def test_nh3_rewrites_each_listed_character() -> None:
    # The list is no longer than it must be: nh3 changes a fragment holding any of them.
    listed = sanitize._NH3_REWRITES.pattern.strip("[]")
    assert len(listed) == 4
    for ch in listed:
        fragment = f"<p>a{ch}b</p>"
        assert sanitize.sanitize(fragment) != fragment


TEXT = st.text(alphabet="中文 ab&<>\"'\x00\r\n\t\xa0\u3000\x01\ufffd\U0001f600=/;", min_size=1, max_size=20)
BLOCK = st.one_of(
    st.builds(Block, kind=st.just("p"), text=TEXT),
    st.builds(Block, kind=st.just("h"), text=TEXT, level=st.integers(2, 4)),
    st.builds(
        Block,
        kind=st.just("img"),
        src=st.sampled_from([None, "", "a.jpg", "/x&y.png", "javascript:x", "http://e.cn/b.gif"]),
        caption=st.one_of(st.none(), TEXT),
    ),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(BLOCK, max_size=6), st.sampled_from([None, "http://x.cn/a/b.html"]))
def test_render_as_sanitizing_every_fragment(blocks: list[Block], base: str | None) -> None:
    fragment, images = sanitize.fragment_of(blocks, base)
    assert sanitize.render(blocks, base) == (sanitize.sanitize(fragment), images)
