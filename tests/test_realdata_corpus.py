"""Real-world faults on real boundaries (tests/corpus/realdata/faults.py), at the loading stage:
each package loads (or is refused with every reason), every problem is named with its code and
place, and nothing is dropped in silence (rows in the file = loaded + rejected, per layer).

Each case goes through the loader, the upload path (``save_upload`` then load, as the import
page does) and ``ylt validate``. The loader runs in the fast loop; the full matrix is slow.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import cli
from corpus.realdata.faults import CASES, Case, write
from geodata.errors import DataValidationError
from geodata.package import load_package
from geodata.store import package_path, save_upload

FAST = ("clean-enclaves-exclaves-islands", "gbk-zip-windows", "units-file-unusable", "xlsx-tables")


def _load(path: Path):
    try:
        return load_package(path), None
    except DataValidationError as exc:
        return None, exc


def _assert_outcome(case: Case, pkg, refused) -> set[str]:
    if case.unusable:
        assert pkg is None and refused is not None
        codes = {i.code for i in refused.issues}
    else:
        assert refused is None, refused
        codes = {i.code for i in pkg.report.issues}
    assert case.codes <= codes, f"missing {case.codes - codes}; got {sorted(codes)}"
    assert not (case.absent & codes), f"unexpected {case.absent & codes}"
    if pkg is None:
        return codes
    for issue in pkg.report.issues:  # every problem renders, in both languages, with its place
        for lang in ("zh", "en"):
            assert issue.message(lang) and issue.fix(lang) and "{" not in issue.message(lang)
        if issue.position is not None:
            assert issue.position_kind in ("line", "row", "feature") and issue.layer
    for layer, rows in case.rows.items():  # nothing silently dropped
        loaded = len(getattr(pkg, layer))
        rejected = len(pkg.report.rejected.get(layer, ()))
        assert loaded + rejected == rows, f"{layer}: {loaded} loaded + {rejected} rejected != {rows} in the file"
        assert pkg.meta[layer].rows_read == rows
    assert "rows_unaccounted" not in codes
    if case.check is not None:
        case.check(pkg)
    return codes


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Each case generated once per module, in a temporary folder (nothing large in git)."""
    out = tmp_path_factory.mktemp("realdata")
    cache: dict[str, tuple[Case, Path]] = {}

    def get(name: str) -> tuple[Case, Path]:
        if name not in cache:
            case = CASES[name]()
            cache[name] = (case, write(case, out / name))
        return cache[name]
    return get


@pytest.mark.parametrize("name", FAST)
def test_realdata_case_loads_and_names_every_problem(built, name):
    case, path = built(name)
    pkg, refused = _load(path)
    _assert_outcome(case, pkg, refused)


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in CASES if n not in FAST])
def test_realdata_case_loads_and_names_every_problem_slow(built, name):
    case, path = built(name)
    pkg, refused = _load(path)
    _assert_outcome(case, pkg, refused)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_realdata_case_through_upload_and_cli(built, name, tmp_path, monkeypatch, capsys):
    case, path = built(name)
    pkg, refused = _load(path)
    codes = {i.code for i in (pkg.report.issues if pkg is not None else refused.issues)}
    # the upload path: the same files stored and loaded as the import page does
    monkeypatch.setenv("YLT_DATA_DIR", str(tmp_path / "data"))
    package_id = save_upload(list(case.files.items()))
    stored, stored_refused = _load(package_path(package_id))
    assert _assert_outcome(case, stored, stored_refused) == codes
    # the command line
    exit_code = cli.main(["--lang", "en", "validate", str(path)])
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    if pkg is None:
        assert exit_code == 2
    else:
        assert exit_code == (1 if pkg.report.errors else 0)
        for layer, rows in case.rows.items():
            if layer in ("districts", "units", "facilities", "partnerships"):
                loaded, rejected = len(getattr(pkg, layer)), len(pkg.report.rejected.get(layer, ()))
                assert any(line.split()[:5] == [layer, str(loaded), "loaded", str(rejected), "rejected"]
                           for line in out.out.splitlines()), out.out[:2000]
