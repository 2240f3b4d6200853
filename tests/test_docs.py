"""docs/DATA_FORMAT.md describes every layer, column and setting the code knows."""

from __future__ import annotations

from dataclasses import fields

from conftest import ROOT
from geodata.schema import LAYERS
from planning.config import PlanConfig

DOC = (ROOT / "docs" / "DATA_FORMAT.md").read_text(encoding="utf-8")


def test_every_layer_and_column_is_documented():
    for layer in LAYERS.values():
        assert f"`{layer.name}`" in DOC
        for column in layer.columns:
            assert f"`{column.name}`" in DOC, column.name


def test_every_setting_is_documented():
    for f in fields(PlanConfig):
        name = "[crs]" if f.name == "layer_crs" else f.name
        assert name in DOC, name


def test_the_documented_config_example_parses():
    from geodata.package import parse_config

    example = DOC.split("```toml\n", 1)[1].split("```", 1)[0]
    config = parse_config(example)
    assert config.district_cap_overrides["310115"].limit == 3
    assert config.layer_crs["facilities"] == "gcj02"
