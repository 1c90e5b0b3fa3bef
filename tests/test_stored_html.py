"""body_html as stored: one reused zstd context gives the very bytes a compressor of the row's own gives."""

from __future__ import annotations

import random
import sys
import threading

import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from archive import stored_html
from archive.stored_html import compress_alone, pack_body_html, unpack_body_html


def reference(body_html: str, body: str | None) -> bytes:
    """The stored form as written before the context was reused: a compressor per row."""
    text = (body or "").encode("utf-8")
    if not text:
        return zstandard.ZstdCompressor(level=3).compress(body_html.encode("utf-8"))
    dictionary = zstandard.ZstdCompressionDict(text, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
    return zstandard.ZstdCompressor(level=3, dict_data=dictionary).compress(body_html.encode("utf-8"))


def _pair(rng: random.Random) -> tuple[str, str | None]:
    size = rng.choice((0, 1, 40, 600, 3000, 20_000))
    body = "".join(
        chr(rng.choice((rng.randint(0x4E00, 0x9FFF), rng.randint(0x20, 0x7E)))) for _ in range(size)
    )
    pieces = [
        f"<p>{body[k : k + rng.randint(1, 400)]}</p>" for k in range(0, len(body), rng.randint(50, 900))
    ]
    html = "".join(pieces) + "<img src='x.jpg'>" * rng.randint(0, 3)
    return html * rng.choice((1, 1, 2, 40)), body if body or rng.random() < 0.5 else None


def test_reused_context_writes_what_a_compressor_of_its_own_writes() -> None:
    assert stored_html._context() is not None, "python-zstandard's cffi backend is missing: nothing reused"
    rng = random.Random(5)
    for _ in range(400):
        html, body = _pair(rng)
        packed = pack_body_html(html, body)
        assert packed == reference(html, body) == compress_alone(html, body)
        assert unpack_body_html(packed, body) == html
    assert pack_body_html(None, "正文") is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.one_of(st.none(), st.text(max_size=300)))
def test_reused_context_on_any_text(html: str, body: str | None) -> None:
    assert pack_body_html(html, body) == reference(html, body)


def test_rows_after_rows_with_and_without_a_body() -> None:
    """The context forgets the last row's dictionary: a row without a body is compressed alone."""
    rng = random.Random(2)
    one, two = ("".join(chr(rng.randint(0x4E00, 0x9FFF)) for _ in range(600)) for _ in range(2))
    rows = [(f"<p>{one}</p>", one), (f"<p>{one}</p>", None), (f"<p>{one}</p>", ""), (f"<p>{two}</p>", two)]
    for html, body in rows + rows[::-1]:
        assert pack_body_html(html, body) == reference(html, body)
    assert len(reference(rows[0][0], None)) > 2 * len(reference(*rows[0]))  # the dictionary matters


def test_each_thread_has_its_own_context() -> None:
    rng = random.Random(9)
    pairs = [_pair(rng) for _ in range(40)]
    failures: list[str] = []

    def work() -> None:
        for html, body in pairs * 3:
            if pack_body_html(html, body) != reference(html, body):
                failures.append(html[:40])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures


def test_without_the_cffi_backend_each_row_has_a_compressor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stored_html, "_CONTEXTS", threading.local())
    stored_html._CONTEXTS.unavailable = True
    assert stored_html._context() is None
    assert pack_body_html("<p>正文</p>", "正文") == reference("<p>正文</p>", "正文")


def test_a_cffi_backend_unlike_this_one_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """python-zstandard's cffi ffi/lib are not its documented API: a release that renames a zstd call must
    make every row take a compressor of its own, not fail every page."""
    import types

    monkeypatch.setattr(stored_html, "_CONTEXTS", threading.local())
    monkeypatch.setitem(
        sys.modules, "zstandard.backend_cffi", types.SimpleNamespace(ffi=object(), lib=object())
    )
    assert stored_html._context() is None
    assert pack_body_html("<p>正文</p>", "正文") == reference("<p>正文</p>", "正文")
