"""Run one crawl in this process (Scrapy's CrawlerProcess) and say how it went.

    report = run_crawl(["https://example.gov.cn/"], "archive.db", {"DOWNLOAD_DELAY": 1})
    sys.exit(report.exit_code)

One run per process: Twisted's reactor cannot be started twice. The archive's lock (``archive.db.lock``)
is taken before Scrapy starts, so a second run on the same archive is refused at once (ArchiveLocked,
exit status 4) instead of crawling and then failing to write.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from archive.errors import BadInput
from archive.runs import ArchiveLock
from crawler import writer_process
from crawler.pipelines import RunReport

__all__ = ["RunReport", "crawl_settings", "run_crawl"]


def crawl_settings(db_path: str | Path, overrides: Mapping[str, Any] | None = None) -> Settings:
    """The project's settings with the archive path and the caller's overrides (as ``-s`` would)."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("NEWS_ARCHIVE_DB", str(db_path), priority="cmdline")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def skip_disabled_log_records(settings: Settings) -> None:
    """Give Scrapy's loggers the run's LOG_LEVEL, so that the records below it are not made at all.

    Scrapy filters by level in its handler and leaves the loggers at NOTSET, so every response's 'Crawled'
    and every item's 'Scraped from' debug record was built (a LogRecord, its arguments formatted lazily but
    gathered) and then dropped: about 0.03 ms of the crawl's CPU per page.
    """
    level = logging.getLevelName(str(settings.get("LOG_LEVEL", "DEBUG")).upper())
    if isinstance(level, int) and settings.getbool("LOG_ENABLED", True):
        for name in ("scrapy", "twisted"):
            logging.getLogger(name).setLevel(level)


def run_crawl(
    start_urls: Sequence[str],
    db_path: str | Path,
    settings_overrides: Mapping[str, Any] | None = None,
    *,
    profile: str | Path | None = None,
    install_signal_handlers: bool = True,
    spider: str = "news",
) -> RunReport:
    """Crawl ``start_urls`` (and a profile's) into the archive at ``db_path``; return the run's report.

    Raises ArchiveLocked when another run holds the archive, BadInput for unusable arguments.
    """
    urls = [u for u in start_urls if u]
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise BadInput(f"{url}: not an http(s) URL")
    if not urls and profile is None:
        raise BadInput("no start URL (give one or more, or --profile with start_urls)")
    overrides = dict(settings_overrides or {})
    if profile is not None:
        overrides["NEWS_ARCHIVE_PROFILE"] = str(profile)
        from crawler.profiles import load_profiles

        load_profiles(profile)  # a bad profile is a one-line error before anything starts
    overrides["NEWS_ARCHIVE_LOCK_HELD"] = True
    overrides.setdefault(
        "NEWS_ARCHIVE_RUN_ARGS", {"settings": {k: str(v) for k, v in (settings_overrides or {}).items()}}
    )
    settings = crawl_settings(db_path, overrides)
    with ArchiveLock(db_path):  # made beside the archive: a directory that cannot be written fails here
        if Path(db_path).exists():
            # A file that is not an archive (or cannot be written) is a one-line error before Scrapy starts.
            # A new archive is made by the writer as it opens (making it here first cost 30-70 ms of file
            # syncs on the crawl's start).
            from archive.db import open_db

            open_db(db_path).conn.close()
        if settings.getbool("NEWS_ARCHIVE_WRITER_PROCESS", True):
            writer_process.prestart()  # its imports overlap Scrapy's start; the pipeline takes it
        try:
            process = CrawlerProcess(settings)
            skip_disabled_log_records(settings)
            crawler = process.create_crawler(spider)
            process.crawl(crawler, start_urls=urls)
            process.start(install_signal_handlers=install_signal_handlers)
        finally:
            writer_process.discard_prestarted()  # not taken: the crawl did not get as far as its pipeline
        pipeline = getattr(crawler, "news_archive_pipeline", None)
        if pipeline is None:
            report = RunReport(db_path=str(db_path), outcome="failed", error="the crawl did not start")
        else:
            report = pipeline.report
            if report.run_id is None:
                report.outcome = "failed"
                report.error = report.error or "the archive could not be opened"
        logging.getLogger(__name__).info(report.summary())
        return report
