"""A counting zone: the part of a radar's field of view where targets count as people in the room.

Coordinates are millimetres in the sensor's own frame, as an LD2450 reports them: ``x`` across
(negative to the left, seen from the sensor), ``y`` straight out from the sensor. A zone is a
rectangle (``x_mm`` and ``y_mm`` ranges, the easy case) or a polygon (``polygon_mm``, for a room
whose wall is not square to the sensor). Targets outside it, e.g. people in the corridor seen
through a glass wall, are not counted.
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

Millimetres = Annotated[int, Field(ge=-10_000, le=10_000)]
Point = tuple[Millimetres, Millimetres]


class Zone(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    x_mm: tuple[Millimetres, Millimetres] | None = None
    y_mm: tuple[Millimetres, Millimetres] | None = None
    polygon_mm: list[Point] | None = Field(default=None, min_length=3, max_length=32)

    @model_validator(mode="after")
    def _one_shape(self) -> "Zone":
        rectangle = self.x_mm is not None or self.y_mm is not None
        if rectangle and self.polygon_mm is not None:
            raise ValueError("a zone is either x_mm and y_mm ranges or a polygon_mm, not both")
        if not rectangle and self.polygon_mm is None:
            raise ValueError("a zone needs x_mm and y_mm ranges, or polygon_mm points")
        if rectangle:
            if self.x_mm is None or self.y_mm is None:
                raise ValueError("a rectangular zone needs both x_mm and y_mm, e.g. [-1500, 1500]")
            for name, (low, high) in (("x_mm", self.x_mm), ("y_mm", self.y_mm)):
                if low >= high:
                    raise ValueError(f"{name} must be [low, high] with low < high")
        return self

    def corners(self) -> list[Point]:
        if self.polygon_mm is not None:
            return list(self.polygon_mm)
        assert self.x_mm is not None and self.y_mm is not None  # checked by _one_shape
        (x0, x1), (y0, y1) = self.x_mm, self.y_mm
        return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]

    def contains(self, x: float, y: float) -> bool:
        """Whether the point is inside; a point on a rectangle's edge counts as inside."""
        if self.polygon_mm is None:
            assert self.x_mm is not None and self.y_mm is not None
            return self.x_mm[0] <= x <= self.x_mm[1] and self.y_mm[0] <= y <= self.y_mm[1]
        return _inside_polygon(x, y, self.polygon_mm)


def _inside_polygon(x: float, y: float, points: list[Point]) -> bool:
    # Ray casting: a ray to the right crosses the outline an odd number of times from inside.
    inside = False
    j = len(points) - 1
    for i, (xi, yi) in enumerate(points):
        xj, yj = points[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside
