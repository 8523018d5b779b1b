"""The README documents every CLI command, every stored query and every setting (as datasette does)."""
from __future__ import annotations

import re

import click

from govcat.cli import main
from govcat.paths import QUERIES_DIR, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = "govcat") -> list[str]:
    found = []
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            found += commands(cmd, f"{prefix} {name}")
        else:
            found.append(f"{prefix} {name}")
    return found


def test_every_cli_command_is_in_the_readme():
    missing = [c for c in commands(main)
               if c not in README and not re.search(rf"{re.escape(c.rsplit(' ', 1)[0])} [\w|\\\\]*\b{c.rsplit(' ', 1)[1]}\b", README)]
    assert not missing, f"commands missing from README.md: {missing}"


def test_every_query_is_in_the_readme():
    missing = [q.stem for q in QUERIES_DIR.glob("*.rq") if f"`{q.stem}`" not in README]
    assert not missing, f"queries missing from README.md: {missing}"


def test_every_setting_is_in_the_readme():
    settings = set()
    for path in list((ROOT / "app").rglob("*.py")) + list((ROOT / "loaders").rglob("*.py")):
        settings |= set(re.findall(r"\b(GOVCAT_[A-Z_]+)\b", path.read_text(encoding="utf-8")))
    assert settings, "no settings found: the scan is broken"
    missing = sorted(s for s in settings if s not in README)
    assert not missing, f"settings missing from README.md: {missing}"


def test_every_query_file_starts_with_a_comment_saying_what_it_does():
    bare = [q.name for q in QUERIES_DIR.glob("*.rq") if not q.read_text(encoding="utf-8").startswith("#")]
    assert not bare, bare
