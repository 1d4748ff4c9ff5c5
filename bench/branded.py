"""Branded rows per second in one render process (logo + rounded + gradient, 300 px PNG,
read back at full and half size as every branded row is), against plain rows in the same run.

`python -m bench.branded [rows]` prints the figures as JSON.
"""

from __future__ import annotations

import io
import sys
import time
from dataclasses import asdict, dataclass, replace

import orjson
from PIL import Image

from bench.render_limit import short_links
from shared.brand.assetcheck import check_asset
from shared.brand.logos import logo_of
from shared.render import render_batch
from shared.rows.styling import Styling, parse_styling

BRANDED = {"modules": "rounded", "logo": "asset_bench", "logoSize": 0.2,
           "gradient": {"type": "linear", "from": "#0d1b4c", "to": "#6a1b9a", "angle": 45},
           "eyes": {"shape": "rounded", "color": "#0d1b4c"}, "size": 300}
TARGET_ROWS_PER_S = 400


@dataclass
class BrandedFigures:
    rows: int
    plain_rows_per_s: float
    branded_rows_per_s: float

    @property
    def ratio(self) -> float:
        return self.branded_rows_per_s / self.plain_rows_per_s


def bench_logo() -> bytes:
    image = Image.new("RGB", (120, 120), (230, 81, 0))
    image.paste((255, 255, 255), (30, 30, 90, 90))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def branded_styling() -> Styling:
    styling = parse_styling(BRANDED)
    assert styling.brand is not None
    logo = logo_of(check_asset(bench_logo()))
    return replace(styling, brand=replace(styling.brand, logo=logo))


def rows_per_s(jobs: list[tuple[str, Styling]]) -> float:
    render_batch(jobs[:20])  # warm caches (font, logo) as a running worker has them
    started = time.perf_counter()
    results = render_batch(jobs)
    elapsed_s = time.perf_counter() - started
    failed = [text for ok, text in results if not ok]
    assert not failed, failed[:3]
    return len(jobs) / elapsed_s


def measure(count: int = 1000) -> BrandedFigures:
    links = short_links(count)
    plain = rows_per_s([(link, Styling()) for link in links])
    styling = branded_styling()
    branded = rows_per_s([(link, styling) for link in links])
    return BrandedFigures(count, round(plain), round(branded))


def report(count: int) -> dict[str, float]:
    """Measure, print one line, and give the figures for the results file."""
    figures = measure(count)
    print(f"branded (logo, rounded, gradient, 300 px, read back): "
          f"{figures.branded_rows_per_s:.0f} rows/s per process, plain "
          f"{figures.plain_rows_per_s:.0f} in the same run (ratio {figures.ratio:.3f}; "
          f"target {TARGET_ROWS_PER_S})", flush=True)
    return asdict(figures) | {"ratio": round(figures.ratio, 4)}


if __name__ == "__main__":
    print(orjson.dumps(report(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)).decode())
