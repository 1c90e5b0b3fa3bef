"""The Scrapy project: spiders decide what to fetch, pipelines hand each response to the archive."""
