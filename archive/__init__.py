"""news-archive: the library. Extraction, storage, dedup, search, export, import, reparse.

This package never imports Scrapy (tests/test_layering.py enforces it): the crawler depends on the archive,
never the reverse.
"""

from __future__ import annotations

__version__ = "0.1.0"
