"""The writer process reads its settings without Scrapy: the same values Scrapy's getters give."""

from __future__ import annotations

import pytest
from scrapy.settings import BaseSettings

from crawler.archive_writer import load_callable, setting_bool, setting_dict, to_page


@pytest.mark.parametrize("value", [True, False, 0, 1, "0", "1", "True", "False", "true", "false"])
def test_setting_bool_reads_as_scrapy_does(value: object) -> None:
    assert setting_bool(value) is BaseSettings({"X": value}).getbool("X")


@pytest.mark.parametrize("value", [None, {}, {"a": 1}, '{"settings": {"A": "1"}}'])
def test_setting_dict_reads_as_scrapy_does(value: object) -> None:
    assert setting_dict(value) == BaseSettings({"X": value}).getdict("X")


def test_load_callable_names_an_object_by_its_path() -> None:
    assert load_callable("crawler.archive_writer.to_page") is to_page
    assert load_callable(to_page) is to_page
    with pytest.raises(ValueError, match="not a full path"):
        load_callable("to_page")
