"""Names before codes in what the engine says (issue 18): 青浦镇01（310118001）, not 310118001.

One form everywhere a place is named in a message, an edit refusal or the edit log:

- a unit, a facility, a district: its name, then its code in brackets — 青浦镇01（310118001）,
  青浦区区域医疗中心4（310118-DH04）, 青浦区（310118）; in English ``青浦镇01 (310118001)``;
- a grid, which has no name of its own: its district's name and its number, then its id —
  青浦区 第2网格（310118-G02）; in English ``青浦区 grid 2 (310118-G02)``. An id that is not
  ``<district>-G<nn>`` (a layout from elsewhere) keeps its district: 青浦区 网格（QP-north）;
- a code no layer names (a unit layer without names, a facility no longer in the data): the code.

A label is a catalogue message (``texts.engine``: ``label.*``) with the name and the code as its
parameters, so it renders in the reader's language like every message; as data (a violation's
parameters in ``checks.json``) it is the code alone (``code_of``). Pure: names come from the
world the rules already receive.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from planning.world import World
from texts import Text

Label = Text | str
_GRID_ID = re.compile(r"^(?P<district>.+)-G(?P<n>\d+)$")


def named(name: object, code: object) -> Label:
    """``name（code）``; the code alone when the name is blank or is the code."""
    code, name = str(code), str(name or "").strip()
    if not name or name == code or name.lower() == "nan":
        return code
    return Text("label.named", {"name": name, "ref": code})


def is_label(value: object) -> bool:
    return isinstance(value, Text) and value.code.startswith("label.")


def code_of(value: object) -> object:
    """The code a label stands for (anything else as it is): what data keeps of a label."""
    return value.params["ref"] if is_label(value) else value


def shown(value: object, lang: str) -> str:
    """A label (or a code) as text in ``lang``."""
    return value.render(lang) if isinstance(value, Text) else str(value)


class Labels:
    """The names of one world's units, facilities and districts, looked up once, as labels.

    ``Labels(world).unit("310118001")`` is 青浦镇01（310118001）; ``.grid("310118-G02")`` is
    青浦区 第2网格（310118-G02）. Every method takes a code and gives a label (``named``)."""

    def __init__(self, world: World) -> None:
        self.districts = {str(k): str(v) for k, v in world.district_names.items()}
        self.units = dict(zip(world.unit_codes.astype(str).tolist(), world.unit_names.astype(str).tolist()))
        self.facilities = dict(zip(world.member_codes.astype(str).tolist(), world.member_names.astype(str).tolist()))
        self.facilities.update(zip(world.lead_codes.astype(str).tolist(), world.lead_names.astype(str).tolist()))

    def unit(self, code: str) -> Label:
        return named(self.units.get(str(code), ""), code)

    def facility(self, code: str) -> Label:
        return named(self.facilities.get(str(code), ""), code)

    def district(self, code: str) -> Label:
        return named(self.districts.get(str(code), ""), code)

    def district_name(self, code: str) -> str:
        """A district's name alone (its code when it has none)."""
        return self.districts.get(str(code)) or str(code)

    def grid(self, grid_id: str, district_code: str | None = None) -> Label:
        """青浦区 第2网格（310118-G02）: the district (``district_code``, else the id's prefix) by
        name, the grid's number, the id; 青浦区 网格（id） for an id without a number; the id
        alone when no district is known."""
        grid_id = str(grid_id)
        found = _GRID_ID.match(grid_id)
        district = district_code or (found["district"] if found else None)
        if district is None or str(district) not in self.districts:
            return grid_id
        name = self.districts[str(district)]
        if found and found["district"] == str(district):
            return Text("label.grid", {"district": name, "n": int(found["n"]), "ref": grid_id})
        return Text("label.grid_plain", {"district": name, "ref": grid_id})

    def any(self, code: str) -> Label:
        """Whatever ``code`` names (a unit, a facility, a district or a grid), or the code."""
        code = str(code)
        for table in (self.units, self.facilities, self.districts):
            if code in table:
                return named(table[code], code)
        return self.grid(code)

    def units_of(self, codes: Iterable[str]) -> list[Label]:
        return [self.unit(c) for c in codes]
