"""Road-network travel times on a small hand-made network with known answers.

    A(0,0) ----- 6 km primary (50 km/h) ----- B(6000,0) ---- 3 km residential (20 km/h) ---- C(9000,0)
    origin O at (0, 100): 100 m from A; facility F at (9000, -50): 50 m from C; walking 5 km/h

    by road: walk 100 m (1.2 min) + 6 km at 50 (7.2 min) + 3 km at 20 (9 min) + walk 50 m (0.6 min) = 18.0 min
    straight: 9,000.7 m at 5 km/h = 108 min
"""

from __future__ import annotations

import numpy as np
import pytest

from planning.roads import build_network, minutes_to_nearest, speed_of


def network():
    lines = [np.array([[0.0, 0.0], [3000.0, 0.0], [6000.0, 0.0]]), np.array([[6000.0, 0.0], [9000.0, 0.0]])]
    return build_network(lines, [speed_of("primary", None), speed_of("residential", None)])


def test_known_travel_time_along_the_roads():
    minutes, walked = minutes_to_nearest(network(), np.array([[0.0, 100.0]]), np.array([[9000.0, -50.0]]))
    assert minutes[0] == pytest.approx(1.2 + 7.2 + 9.0 + 0.6, abs=1e-6)
    assert not walked[0]


def test_roads_meet_at_shared_vertices_and_the_fastest_parallel_road_counts():
    lines = [np.array([[0.0, 0.0], [1000.0, 0.0]]), np.array([[0.0, 0.0], [1000.0, 0.0]])]
    net = build_network(lines, [10.0, 60.0])
    assert net.n == 2 and net.graph[0, 1] == pytest.approx(1.0)  # 1 km at 60 km/h


def test_walking_wins_when_the_facility_is_next_door():
    minutes, walked = minutes_to_nearest(network(), np.array([[5000.0, 2000.0]]), np.array([[5100.0, 2000.0]]))
    assert walked[0] and minutes[0] == pytest.approx(1.2)


def test_nearest_of_several_facilities_and_speeds_by_class():
    sites = np.array([[9000.0, 0.0], [0.0, 0.0]])
    minutes, _ = minutes_to_nearest(network(), np.array([[6000.0, 0.0]]), sites)
    assert minutes[0] == pytest.approx(7.2)  # A at 7.2 min beats C at 9 min
    assert speed_of("motorway", None) == 80 and speed_of("县道", None) == 40 and speed_of("x", 33.0) == 33.0
    assert speed_of("primary_link", None) == 50 and speed_of("unknown", None) == 25


def test_reachable_within_minutes_by_road_or_on_foot():
    from planning.roads import reachable

    origins = np.array([[0.0, 100.0], [9000.0, 100.0], [8900.0, -50.0]])
    found = reachable(network(), origins, np.array([[9000.0, -50.0]]), 10.0)
    # origin 0 needs 18 min by road; origin 1 walks to C (1.2 min) then to the site (0.6); origin 2 is 100 m away
    assert list(found[0]) == [1, 2]
    assert list(reachable(network(), origins, np.array([[9000.0, -50.0]]), 20.0)[0]) == [0, 1, 2]
