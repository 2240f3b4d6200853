"""The bad-input corpus (tests/corpus/cases, written by make_corpus.py) through the CLI and the
upload path: nothing crashes, every problem is named, and what can load still loads."""

from __future__ import annotations

from pathlib import Path

import pytest

import cli
from geodata.errors import DataValidationError
from geodata.package import load_package
from geodata.store import package_path, save_upload

CASES = sorted(p for p in (Path(__file__).parent / "corpus" / "cases").iterdir() if p.is_dir())

# the issue each case must report (code), where one is expected
EXPECTED = {
    "broken-json": "file_unreadable", "empty-districts-file": "file_empty", "empty-feature-collection": "layer_empty",
    "not-json-at-all": "file_unreadable", "truncated-zip": "archive_damaged", "zip-path-traversal": "unsafe_archive",
    "zip-bomb": "unsafe_archive", "shapefile-without-dbf": "shapefile_part_missing",
    "shapefile-gbk-without-cpg": "encoding_guessed", "shapefile-without-shx": "shapefile_part_missing",
    "gbk-csv": "text_encoding", "empty-geometry": "geometry_missing", "self-intersecting-unit": "geometry_repaired", "unclosed-ring": "geometry_missing",
    "swapped-lat-lon": "latlon_swapped", "gcj02-points": "looks_gcj02", "projected-without-crs": "looks_projected",
    "duplicate-codes": "code_duplicate", "missing-code": "code_missing", "missing-kind-column": "column_missing",
    "no-coordinate-columns": "no_geometry", "text-in-population": "not_a_number", "negative-population": "negative",
    "huge-population": "implausible_population", "infinite-population": "not_finite",
    "facility-outside-districts": "outside_districts", "point-outside-china": "outside_china",
    "unit-in-two-districts": "unit_two_districts", "unknown-kind": "bad_choice", "bad-config-toml": "config_invalid",
    "config-with-unknown-keys": "config_invalid", "unknown-layer-file": "layer_unknown",
    "duplicate-district-codes": "code_duplicate", "wkt-garbage": "wkt_invalid", "xlsx-not-really": "file_unreadable",
    "missing-districts-layer": "layer_missing",
}


def test_the_corpus_has_at_least_40_cases():
    assert len(CASES) >= 40


def _codes(path: Path) -> tuple[set[str], object]:
    try:
        pkg = load_package(path)
    except DataValidationError as exc:
        return {i.code for i in exc.issues}, None
    return {i.code for i in pkg.report.issues}, pkg


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@pytest.mark.slow
def test_every_case_is_reported_without_a_crash(case, capsys, tmp_path, monkeypatch):
    name = case.name.split("-", 1)[1]
    code = cli.main(["--lang", "en", "validate", str(case)])
    out = capsys.readouterr()
    assert code in (0, 1, 2)
    assert "Traceback" not in out.out + out.err
    codes, pkg = _codes(case)
    if name in EXPECTED:
        assert EXPECTED[name] in codes, f"{name}: {sorted(codes)}"
    if pkg is not None:  # what can load still loads: the good layers are all there
        assert len(pkg.districts) >= 1 and len(pkg.units) >= 1
        assert code == (1 if pkg.report.errors else 0)
    else:
        assert code == 2
    # the upload path: the same files stored and loaded as the import page does
    monkeypatch.setenv("YLT_DATA_DIR", str(tmp_path / "data"))
    package_id = save_upload([(p.name, p.read_bytes()) for p in case.iterdir() if p.is_file()])
    assert _codes(package_path(package_id))[0] == codes
    assert not (tmp_path.parent / "evil.geojson").exists()


def test_a_200_mb_file_is_refused_before_it_is_read(tmp_path):
    folder = tmp_path / "big"
    folder.mkdir()
    (folder / "districts.geojson").write_bytes(b"")
    with open(folder / "districts.geojson", "r+b") as f:
        f.truncate(201 * 1024 * 1024)  # sparse: no 200 MB written to disk
    codes, pkg = _codes(folder)
    assert "file_too_large" in codes and pkg is None
