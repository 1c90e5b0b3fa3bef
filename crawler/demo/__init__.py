"""The demo: a bundled sample news site (``site/``, made by :mod:`crawler.demo.make_site`) and its server.

``news-archive demo`` (:mod:`crawler.commands.demo`) serves it on 127.0.0.1 and crawls it into ``demo.db``.
"""
