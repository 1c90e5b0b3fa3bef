"""Spiders of the news-archive Scrapy project."""
