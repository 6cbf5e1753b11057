"""Every file the code reads at run time ships in the wheel, not only in a checkout.

`pip install -e .` reads files where they lie, so a data file that no package-data
pattern names works in development and goes missing from an installed wheel (the
workspace's stylesheets once did).
"""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("dispatcher", "channels", "compliance", "templates")


def test_every_data_file_matches_a_package_data_pattern() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns: dict[str, list[str]] = config["package-data"]
    everywhere = patterns["*"]

    def shipped(path: Path) -> bool:
        if any(fnmatch.fnmatch(path.name, p) for p in everywhere):
            return True
        for package, globs in patterns.items():
            base = ROOT.joinpath(*package.split("."))
            if package != "*" and base in path.parents:
                relative = path.relative_to(base).as_posix()
                if any(fnmatch.fnmatch(relative, g) for g in globs):
                    return True
        return False

    data = [
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*")
        if path.is_file()
        and path.suffix not in {".py", ".pyc"}
        and "__pycache__" not in path.parts
        and path.name != "README.md"
    ]
    assert data, "no data files found: the walk is wrong"
    assert [p.relative_to(ROOT).as_posix() for p in data if not shipped(p)] == []
