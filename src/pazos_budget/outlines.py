"""Cluster outlines for the council deck's coverage map, read from a small GeoJSON file.

The file is optional (`present --map FILE.geojson`): a FeatureCollection whose features
are Polygon or MultiPolygon geometries, each naming the cluster it outlines in
`properties.cluster` (a cluster id of the results) and, optionally, where its name is
written in `properties.label_point` ([longitude, latitude]; the middle of its largest
polygon otherwise: a cluster drawn around others needs it). Coordinates are drawn as given
(longitude, latitude), with no projection and no GIS library: the deck only needs the
shapes side by side. Every problem is located (`FILE:LINE:COL: features[2].geometry:
...`) and the whole file is refused (exit 2), as a scenario is.

The file is read with the line and column of every value (`json_document`), as
`present` reads its result files.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import Problem, ScenarioError
from .json_document import read_json
from .messages import Text

Ring = list[tuple[float, float]]


@dataclass(frozen=True)
class Outline:
    """The polygons of one cluster: each a list of rings (outer first, then holes)."""

    cluster: str
    polygons: list[list[Ring]]
    label_point: tuple[float, float] | None = None  # where its name goes, if not the middle


def load_outlines(path: Path, clusters: Collection[str]) -> list[Outline]:
    """The outlines of a GeoJSON file, checked against the cluster ids of the results."""
    doc, at = read_json(path)
    problems: list[Problem] = []

    def bad(where: str, message: str) -> None:
        line, col = at.get(where, (0, 0))
        problems.append(Problem(str(path), line, col, where, message))

    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        bad("type" if isinstance(doc, dict) else "", Text("val.outlines.collection"))
        raise ScenarioError(problems)
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        bad("features" if "features" in doc else "", Text("val.outlines.features"))
        raise ScenarioError(problems)
    outlines: list[Outline] = []
    seen: set[str] = set()
    for k, feature in enumerate(features):
        here = f"features[{k}]"
        if not isinstance(feature, dict):
            bad(here, Text("val.outlines.feature"))
            continue
        props = feature.get("properties")
        cluster = props.get("cluster") if isinstance(props, dict) else None
        if not isinstance(cluster, str):
            where = f"{here}.properties" if isinstance(props, dict) else here
            bad(where, Text("val.outlines.no_cluster", key="properties.cluster"))
        elif cluster not in clusters:
            shown = ", ".join(sorted(clusters)[:8]) + (", …" if len(clusters) > 8 else "")
            bad(
                f"{here}.properties.cluster",
                Text("val.outlines.unknown_cluster", cluster=cluster, known=shown),
            )
        elif cluster in seen:
            bad(f"{here}.properties.cluster", Text("val.outlines.twice", cluster=cluster))
        geometry = feature.get("geometry")
        polygons = _polygons(geometry, f"{here}.geometry", bad)
        point = props.get("label_point") if isinstance(props, dict) else None
        if point is not None and not _position(point):
            bad(f"{here}.properties.label_point", Text("val.outlines.label_point"))
            point = None
        if isinstance(cluster, str) and cluster in clusters and polygons is not None:
            seen.add(cluster)
            label = (float(point[0]), float(point[1])) if point is not None else None
            outlines.append(Outline(cluster, polygons, label))
    if problems:
        raise ScenarioError(problems)
    return outlines


def _position(pos: Any) -> bool:
    """[longitude, latitude] (a third number, an altitude, is allowed and ignored)."""
    return (
        isinstance(pos, list)
        and len(pos) >= 2
        and all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            for v in pos[:2]
        )
    )


def _polygons(geometry: Any, where: str, bad: Any) -> list[list[Ring]] | None:
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        bad(where, Text("val.outlines.polygon"))
        return None
    coords = geometry.get("coordinates")
    many = geometry["type"] == "MultiPolygon"
    where = f"{where}.coordinates"
    if not isinstance(coords, list) or not coords:
        bad(where, Text("val.outlines.rings"))
        return None
    polygons = coords if many else [coords]
    out: list[list[Ring]] = []
    for p, polygon in enumerate(polygons):
        at_p = f"{where}[{p}]" if many else where
        if not isinstance(polygon, list) or not polygon:
            bad(at_p, Text("val.outlines.rings"))
            return None
        rings: list[Ring] = []
        for r, ring in enumerate(polygon):
            at_r = f"{at_p}[{r}]"
            if not isinstance(ring, list) or len(ring) < 4:
                bad(at_r, Text("val.outlines.ring_short"))
                return None
            points: Ring = []
            for q, pos in enumerate(ring):
                if not _position(pos):
                    bad(f"{at_r}[{q}]", Text("val.outlines.position"))
                    return None
                points.append((float(pos[0]), float(pos[1])))
            if points[0] != points[-1]:
                bad(at_r, Text("val.outlines.ring_open"))
                return None
            rings.append(points)
        out.append(rings)
    return out
