"""Builds archive/extract/zh_chars.py from the installed OpenCC's own dictionaries.

Run ``python -m archive.extract.zh_chars_build`` after upgrading OpenCC (lang.py ignores tables made for
another OpenCC version and converts instead). Never imported by extraction itself.

What the tables say, for each of the two conversions lang.chinese_script compares (t2s and s2t), about the
characters it samples (U+3400..U+9FFF):

- ``changed``: the characters the conversion changes when they stand alone.
- ``unsure``: the characters some phrase converts otherwise than alone, to a character that is sometimes
  the character itself (``公里`` keeps the 里 that alone becomes 裡): only where such a phrase may stand
  is it unknown without converting whether that position changes.
- ``bigrams``: the pairs of adjacent characters around an unsure character in those phrases. A phrase can
  only be matched where the text holds it, so an unsure character with neither neighbour pair in this set
  is converted exactly as when it stands alone.

OpenCC's dictionaries are read with the ``opencc_dict`` tool its Python package ships (ocd2 -> text).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The dictionaries of each conversion's chain, as its config (share/opencc/<config>.json) lists them.
CHAINS = {
    "t2s": ("TSPhrases", "TSCharactersExt", "TSCharacters"),
    "s2t": ("STPhrases", "STPhrases_GeneratedFromRegionalPhrases", "STCharacters"),
}
FIRST, LAST = 0x3400, 0x9FFF  # the characters lang.chinese_script samples
_SAMPLED = re.compile(r"^[\u3400-\u9fff]+$")
OUTPUT = Path(__file__).with_name("zh_chars.py")


@dataclass
class Tables:
    changed: str
    unsure: str
    bigrams: list[str]


def _opencc_dir() -> Path:
    import opencc

    return Path(opencc.__file__).parent / "clib"


def read_config(config: str) -> dict[str, Any]:
    """The installed OpenCC's configuration of a conversion (its JSON file)."""
    text = (_opencc_dir() / "share" / "opencc" / f"{config}.json").read_text(encoding="utf-8")
    return json.loads(text)


def dict_files(part: object) -> list[str]:
    """The ocd2 dictionaries named anywhere in a part of a configuration, in order."""
    return re.findall(r'"file":\s*"([^"]+)\.ocd2"', json.dumps(part))


def _config_dicts(config: str) -> list[str]:
    """The ocd2 files a config's conversion chain reads (a check that CHAINS still matches the config)."""
    return dict_files(read_config(config)["conversion_chain"])


def read_dict(name: str) -> list[tuple[str, str]]:
    """(key, first value) pairs of one OpenCC dictionary: the value OpenCC converts a match to."""
    tool = _opencc_dir() / "bin" / "opencc_dict"
    src = _opencc_dir() / "share" / "opencc" / f"{name}.ocd2"
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "dict.txt")
        subprocess.run([str(tool), "-i", str(src), "-o", out, "-f", "ocd2", "-t", "text"], check=True)
        pairs = []
        for line in Path(out).read_text(encoding="utf-8").splitlines():
            key, values = line.split("\t")
            pairs.append((key, values.split(" ")[0]))
    return pairs


def alone(config: str, chars: list[str] | None = None) -> dict[str, str]:
    """What the conversion makes of each of ``chars`` (by default every sampled character) standing alone:
    newlines keep them apart, since no dictionary key holds one."""
    import opencc

    if chars is None:
        chars = [chr(cp) for cp in range(FIRST, LAST + 1)]
    converted = opencc.OpenCC(config).convert("\n".join(chars)).split("\n")
    assert len(converted) == len(chars), "a conversion changed the line count"
    return dict(zip(chars, converted, strict=True))


def build(config: str) -> Tables:
    names = CHAINS[config]
    assert _config_dicts(config) == list(names), f"{config}.json no longer lists {names}"
    single = alone(config)
    outputs: dict[str, set[str]] = {c: {o} for c, o in single.items()}
    deviations: list[tuple[str, int]] = []  # (phrase, offset) where the phrase converts unlike alone
    for name in names:
        for key, value in read_dict(name):
            if len(key) < 2 or not _SAMPLED.match(key):
                continue  # single characters are what `alone` gives; others cannot match a sample
            # Every position keeps its place: lang.py compares the sample and its conversion position by
            # position, which a phrase of another length would shift.
            assert len(value) == len(key), f"{name}: {key} -> {value} changes the length"
            for k, (a, b) in enumerate(zip(key, value, strict=True)):
                outputs[a].add(b)
                if b != single[a]:
                    deviations.append((key, k))
    # Unsure: some phrase converts it unlike alone, and not every conversion of it changes it.
    unsure = {key[k] for key, k in deviations if key[k] in outputs[key[k]]}
    bigrams: set[str] = set()
    for key, k in deviations:
        if key[k] in unsure:
            bigrams.update(key[j : j + 2] for j in (k - 1, k) if 0 <= j and j + 2 <= len(key))
    changed = "".join(sorted(c for c, o in single.items() if o != c))
    return Tables(changed, "".join(sorted(unsure)), sorted(bigrams))


def _chunks(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def render() -> str:
    import opencc

    lines = [
        '"""Character tables of OpenCC\'s t2s and s2t conversions, for lang.chinese_script.',
        "",
        "Generated by ``python -m archive.extract.zh_chars_build`` (which explains them): do not edit.",
        '"""',
        "",
        f'OPENCC_VERSION = "{opencc.__version__}"',
    ]
    for config in CHAINS:
        t = build(config)
        for field, text in (("CHANGED", t.changed), ("UNSURE", t.unsure), ("BIGRAMS", "".join(t.bigrams))):
            name = f"{config.upper()}_{field}"
            chunks = _chunks(text, 48)
            lines.append("")
            if len(chunks) == 1:  # laid out as ruff format would
                lines.append(f'{name} = "{chunks[0]}"')
            else:
                lines.extend([f"{name} = (", *(f'    "{chunk}"' for chunk in chunks), ")"])
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUTPUT}")
