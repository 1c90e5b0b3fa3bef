"""Scrapy settings: polite defaults. Every one can be overridden with ``-s NAME=VALUE``.

Politeness (see docs/crawling.md): robots.txt obeyed per RFC 9309 (a robots.txt that answers 5xx or cannot
be fetched means "disallow all" for that site), its Crawl-delay honoured, AutoThrottle on, at most two
requests in flight per site, a bounded response size, retries with exponential backoff, timeouts.
"""

from __future__ import annotations

BOT_NAME = "news_archive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# --- Where the pages go ---------------------------------------------------------------------------------
# The archive the pipeline writes into (news-archive crawl --db sets it).
NEWS_ARCHIVE_DB = "archive.db"
# Pages handed to the archive per transaction: a killed run loses at most this many uncommitted pages
# (they are not known, so the next run fetches them again).
NEWS_ARCHIVE_BATCH_SIZE = 25
# ... or after this many seconds, whichever comes first.
NEWS_ARCHIVE_BATCH_SECONDS = 2.0
# Extraction in this many helper processes (0: in the archive writer). A polite crawl never needs
# one; a fast crawl of many sites on a machine with cores to spare does (see docs/benchmarks.md, ## Crawl).
NEWS_ARCHIVE_EXTRACT_PROCESSES = 0
# The archive writer (store, extract, dedup, index) in a child process, so the crawl's interpreter does not
# share its core with the ingest path (crawler/writer_process.py; docs/benchmarks.md, ## Crawl). False: a
# writer thread in the crawl's process.
NEWS_ARCHIVE_WRITER_PROCESS = True
# When the archive writer process falls behind (a full batch waits while it writes), the crawl's process
# extracts the waiting pages, so the two share the extraction on two cores (crawler/pipelines.py). A page
# extracted there costs more CPU than in the writer: on a machine whose cores are busy with other work,
# False may do better (docs/benchmarks.md, ## Crawl).
NEWS_ARCHIVE_SHARE_EXTRACTION = True
# Pages waiting for the writer at which downloads pause until it catches up (at least 2 batches).
NEWS_ARCHIVE_MAX_WAITING = 0
# Freeze the start-up objects and collect garbage less often in the crawl's process (crawler.pipelines.tune_gc).
NEWS_ARCHIVE_TUNE_GC = True
# A run is "degraded" when more than this share of its fetches failed.
NEWS_ARCHIVE_MAX_ERROR_RATIO = 0.25
# Listing pages walked per listing at most (a guard against endless generated pagination).
NEWS_ARCHIVE_MAX_LISTING_PAGES = 500
# Articles fetched again when due on the decaying revisit schedule (archive.fetch_state).
NEWS_ARCHIVE_REVISIT = True
# Per-site profile (TOML file), see crawler/profiles.py.
NEWS_ARCHIVE_PROFILE = None

# --- Identity -------------------------------------------------------------------------------------------
# Put a page that explains the crawl and how to reach its operator here.
NEWS_ARCHIVE_CONTACT_URL = "https://github.com/news-archive/news-archive"
# Replaced by "news-archive/VERSION (+NEWS_ARCHIVE_CONTACT_URL)" unless set explicitly (-s USER_AGENT=...).
USER_AGENT = "news-archive/0.1 (+https://github.com/news-archive/news-archive)"

# --- Politeness -----------------------------------------------------------------------------------------
ROBOTSTXT_OBEY = True
DOWNLOADER_MIDDLEWARES = {
    # Replaced by an RFC 9309 reading: 5xx / unreachable robots.txt = disallow all; Crawl-delay honoured.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.PoliteRobotsTxtMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware": None,
    "crawler.middlewares.ContactUserAgentMiddleware": 500,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.LoopAwareRedirectMiddleware": 600,
}
# How long a robots.txt that answered 5xx (or could not be fetched) blocks its site before it is asked again.
ROBOTSTXT_UNAVAILABLE_RETRY = 600
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Retry n waits RETRY_BACKOFF_BASE * 2**(n-1) seconds (capped), honouring a Retry-After that asks for more.
RETRY_BACKOFF_BASE = 1.0
RETRY_BACKOFF_MAX = 60.0
REDIRECT_MAX_TIMES = 10
COOKIES_ENABLED = False
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9,zh-TW;q=0.8,en;q=0.6",
}

ITEM_PIPELINES = {"crawler.pipelines.ArchivePipeline": 300}
# Scrapy starts this many asyncio workers for every callback's output, even when it yields one item: with
# the default 100, that overhead alone cost a fast crawl a third of its throughput. The pipeline batches
# pages itself, so a few are plenty.
CONCURRENT_ITEMS = 8
# Scrapy re-reads the source of every generator callback (inspect + ast) for each response to warn about a
# `return value` in it: its cache is keyed by the bound method, a new object per response, so it never hits.
# That cost a fast crawl ~0.1 ms of CPU per page; the news spider's callbacks return no values.
WARN_ON_GENERATOR_RETURN_VALUE = False

# --- Housekeeping ---------------------------------------------------------------------------------------
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "INFO"
# Breadth-first: home and section pages before deep article chains, so an interrupted run has the freshest.
DEPTH_PRIORITY = 1
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
