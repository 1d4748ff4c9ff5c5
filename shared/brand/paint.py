"""The colours each part of a branded code is filled with, decided once for every format."""

from __future__ import annotations

import math
from dataclasses import dataclass

from shared.brand.colour import Rgb
from shared.brand.geometry import Box, Layout
from shared.brand.options import Brand, Gradient

WHITE: Rgb = (255, 255, 255)


@dataclass(frozen=True)
class Fill:
    """A flat colour, or a gradient between two points (linear) / from a centre (radial)."""

    colour: Rgb
    gradient: Gradient | None = None
    start: tuple[float, float] = (0.0, 0.0)  # linear: first point; radial: the centre
    end: tuple[float, float] = (0.0, 0.0)  # linear: second point
    radius: float = 0.0  # radial only


@dataclass(frozen=True)
class Paints:
    light: Rgb | None
    modules: Fill
    eye_rings: Fill
    eye_centres: Fill
    logo_background: Rgb | None


def paints(brand: Brand, dark: Rgb, light: Rgb | None, shape: Layout) -> Paints:
    modules = _fill(brand.gradient, dark, shape.code)
    rings = Fill(brand.eye_color) if brand.eye_color else modules
    centres = Fill(brand.eye_inner_color) if brand.eye_inner_color else rings
    background = None if brand.logo_transparent else (
        brand.logo_background or light or WHITE)
    return Paints(light, modules, rings, centres, background)


def _fill(gradient: Gradient | None, dark: Rgb, code: Box) -> Fill:
    if gradient is None:
        return Fill(dark)
    x, y, side, _ = code
    cx, cy = x + side / 2, y + side / 2
    if gradient.type == "radial":
        return Fill(gradient.start, gradient, (cx, cy), (cx, cy), side / math.sqrt(2))
    angle = math.radians(gradient.angle_deg)
    dx, dy = math.cos(angle) * side / 2, math.sin(angle) * side / 2
    return Fill(gradient.start, gradient, (cx - dx, cy - dy), (cx + dx, cy + dy))


def dark_colours(fill: Fill) -> list[Rgb]:
    """Every colour a dark part can take (both gradient ends)."""
    return [fill.gradient.start, fill.gradient.end] if fill.gradient else [fill.colour]
