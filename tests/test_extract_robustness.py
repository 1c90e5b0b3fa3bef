"""`news-archive extract` on bad input: one line per file (a record or an error), exit 1 only when one failed,
never a traceback, never a hang. Runs the real command in a subprocess, as a user (and score.py) does.

Time is bounded by pytest-timeout, not by timed assertions: a hang fails the test, a slow run does not.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from archive.article import RECORD_KEYS

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "pages"
TRS = FIXTURES / "gov_trs" / "clean.html"
TRS_TITLE = json.loads((FIXTURES / "gov_trs" / "clean.expected.json").read_text(encoding="utf-8"))["title"]


def command() -> list[str]:
    exe = shutil.which("news-archive")
    return [exe] if exe else [sys.executable, "-c", "from crawler.cli import main; main()"]


def run_extract(
    *args: str, stdin: bytes | None = None, cwd: Path | None = None
) -> tuple[int, list[dict], str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("NEWS_ARCHIVE_DEBUG", None)
    res = subprocess.run(
        [*command(), "extract", *args], input=stdin or b"", capture_output=True, cwd=cwd, env=env
    )
    stdout, stderr = res.stdout.decode("utf-8"), res.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr and "Traceback" not in stdout, stderr[-2000:]
    lines = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    return res.returncode, lines, stderr


def assert_record_or_error(line: dict[str, Any], path: str) -> None:
    assert line["file"] == path
    if "error" in line:
        assert isinstance(line["error"], str) and line["error"].strip()
        assert "\n" not in line["error"], "an error is one line"
        assert set(line) == {"file", "error"}
    else:
        assert list(line) == [k for k in RECORD_KEYS if k in line], "SPEC key order"
        assert line["page_type"] in ("article", "listing", "other")


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bad")
    trs = TRS.read_bytes()
    rng = random.Random(20240601)
    files = {
        "empty": b"",
        "binary": bytes(rng.randrange(256) for _ in range(200_000)),
        # cut inside the body, in the middle of a 3-byte UTF-8 character and of a tag
        "truncated": trs[: trs.index("此次补贴范围".encode()) + 4],
        "invalid_utf8": trs.replace("记者从".encode(), b"\xff\xfe\x80").replace(
            "有关负责人".encode(), b"\xc3\x28\xa0\xa1"
        ),
        "nested": (
            b"<html><head><title>deep</title></head><body>"
            + b"<div>" * 10_000
            + "深层嵌套的文字。".encode()
            + b"</div>" * 10_000
            + b"</body></html>"
        ),
    }
    paths = {}
    for name, data in files.items():
        paths[name] = d / f"{name}.html"
        paths[name].write_bytes(data)
    # 20 MB: a real article whose body and page are padded with paragraphs and link lists
    para = "<p>　　青溪市持续推进农业机械化，农机作业水平稳步提升，群众获得感不断增强。</p>\n".encode()
    links = b"".join(b'<li><a href="/n/%d.html">related item %d</a></li>\n' % (i, i) for i in range(200))
    pad, size = [], 0
    while size < 20 * 1024 * 1024:
        pad.append(para * 200 + b"<ul>" + links + b"</ul>")
        size += len(pad[-1])
    cut = trs.index(b"</div>\n    </div>")
    paths["huge"] = d / "huge.html"
    paths["huge"].write_bytes(trs[:cut] + b"".join(pad) + trs[cut:])
    assert paths["huge"].stat().st_size >= 20 * 1024 * 1024
    return paths


@pytest.mark.timeout(600)
def test_every_bad_input_gets_one_line_and_the_run_goes_on(
    bad_files: dict[str, Path], tmp_path: Path
) -> None:
    missing = str(tmp_path / "does-not-exist.html")
    names = ["empty", "binary", "truncated", "huge", "nested", "invalid_utf8"]
    args = [str(bad_files[n]) for n in names] + [missing, str(TRS)]
    code, lines, _ = run_extract(*args)
    assert [line["file"] for line in lines] == args, "one line per file, in order"
    for line, path in zip(lines, args, strict=True):
        assert_record_or_error(line, path)
    assert "error" in lines[args.index(missing)]
    assert code == 1, "a file failed, so the exit status is 1"
    # the pages that are still HTML articles give records, not errors
    by_name = dict(zip(names, lines, strict=False))
    for name in ("truncated", "invalid_utf8"):
        assert "error" not in by_name[name], by_name[name]
        assert by_name[name]["title"] == TRS_TITLE
        assert by_name[name]["encoding"] and "utf" in by_name[name]["encoding"].lower()
    assert lines[-1]["title"] == TRS_TITLE, "the file after the failures is still extracted"
    assert "error" not in by_name["huge"], "a 20 MB article page is still a page"
    assert by_name["huge"]["title"] == TRS_TITLE


@pytest.mark.timeout(120)
def test_exit_zero_when_every_file_gives_a_record(bad_files: dict[str, Path]) -> None:
    args = [str(bad_files["truncated"]), str(bad_files["invalid_utf8"]), str(TRS)]
    code, lines, stderr = run_extract(*args)
    assert code == 0, stderr
    assert len(lines) == 3 and all("error" not in line for line in lines)
    # the bad bytes are decoded as replacement characters, not as another encoding's mojibake
    assert "有关负责人" not in lines[1]["body"] and "市农业农村局" in lines[1]["body"]


@pytest.mark.timeout(120)
def test_missing_file_alone_is_an_error_line_and_exit_1(tmp_path: Path) -> None:
    code, lines, stderr = run_extract(str(tmp_path / "nope.html"))
    assert code == 1
    assert len(lines) == 1 and lines[0]["file"] == str(tmp_path / "nope.html") and lines[0]["error"]


@pytest.mark.timeout(120)
def test_a_directory_is_an_error_line(tmp_path: Path) -> None:
    code, lines, _ = run_extract(str(tmp_path), str(TRS))
    assert code == 1
    assert "error" in lines[0] and lines[1]["title"] == TRS_TITLE


@pytest.mark.timeout(120)
def test_stdin_dash_reads_raw_bytes() -> None:
    gbk = FIXTURES / "header_contradiction" / "clean.html"
    expected = json.loads((FIXTURES / "header_contradiction" / "clean.expected.json").read_text("utf-8"))
    code, lines, stderr = run_extract("-", "--url", expected["url"], stdin=gbk.read_bytes())
    assert code == 0, stderr
    assert len(lines) == 1 and lines[0]["file"] == "-"
    assert lines[0]["title"] == expected["title"]
    assert lines[0]["url"] == expected["url"]


@pytest.mark.timeout(120)
def test_empty_stdin_is_one_line_not_a_crash() -> None:
    code, lines, _ = run_extract("-", stdin=b"")
    assert len(lines) == 1
    assert_record_or_error(lines[0], "-")
    assert code == (1 if "error" in lines[0] else 0)


@pytest.mark.timeout(120)
def test_no_file_argument_is_a_usage_error_without_traceback() -> None:
    res = subprocess.run([*command(), "extract"], capture_output=True, text=True)
    assert res.returncode != 0
    assert "Traceback" not in res.stderr and res.stdout == ""
