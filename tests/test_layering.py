"""The archive library never imports Scrapy (or the crawler): the arrows point crawler -> archive only."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ARCHIVE = Path(__file__).resolve().parent.parent / "archive"
FORBIDDEN = ("scrapy", "scrapy_redis", "twisted", "crawler")


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_no_archive_module_imports_scrapy_or_crawler() -> None:
    offenders = {
        str(p.relative_to(ARCHIVE)): sorted(_imported_modules(p) & set(FORBIDDEN))
        for p in ARCHIVE.rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_importing_the_archive_cli_loads_no_scrapy() -> None:
    code = "import sys, archive.cli, archive.ingest; print(any(m.split('.')[0] in ('scrapy','twisted') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_archive_writer_process_loads_no_scrapy() -> None:
    # The writer process imports these and the extractor; Scrapy and Twisted would triple its start-up.
    code = (
        "import sys, crawler.writer_process, crawler.archive_writer, archive.extract;"
        " print(sorted({m.split('.')[0] for m in sys.modules} & {'scrapy', 'twisted'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
