"""Distributed mode: many crawl workers share one frontier in Redis; one writer keeps the SQLite archive.

How the pieces fit (see docs/scale-out.md for running it):

- :mod:`.keys` names every Redis key under one prefix, so several crawls (or tests) share a server safely.
- :mod:`.scheduler` is scrapy-redis's scheduler with an in-flight record: a request popped from the shared
  queue is moved, atomically, into its worker's in-flight hash, and leaves it only once its response has been
  handled (:mod:`.middlewares`). :mod:`.liveness` gives each worker a heartbeat and puts a dead worker's
  in-flight requests back on the queue, so a SIGKILLed worker loses no page for good.
- :mod:`.pipeline` pushes each fetched page to a Redis list (:mod:`.pagequeue`); workers never open SQLite.
- :mod:`.idle` closes a worker once the shared frontier has stayed empty for a while.
- :mod:`.writer` pops pages in batches through a reliable queue and ingests them with
  :class:`archive.ingest.Ingestor`.
"""
