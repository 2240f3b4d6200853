"""Province and national runs (issue 19): many pooling areas, one pipeline each, on Dask.

A layer above ``geodata`` and ``planning`` and below ``ui``/``pages``: it finds a region's areas,
runs one area's whole pipeline (``PlanningSession``, the same outputs as the CLI's), and schedules
the areas serially or on a ``dask.distributed`` cluster (a ``LocalCluster`` by default, or one by
address). It never imports ``ui``, ``pages`` or streamlit.
"""
