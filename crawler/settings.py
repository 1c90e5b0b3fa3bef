"""Scrapy settings: polite defaults. Every one can be overridden with ``-s NAME=VALUE``."""

from __future__ import annotations

BOT_NAME = "news_archive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
