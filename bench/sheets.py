"""Label-sheet PDF: labels per second and peak RSS for a big sheet fed from archive images,
and, in the same run, the per-module cairo drawing it replaced, as a ratio.

`python -m bench.sheets [labels] [preset]` (default 250,000 labels on a4-3x8) prints the
figures as JSON and writes them to bench/results/sheets.json. Labels are made from data URIs
as the download will make them from the archive: a pool of distinct rendered codes is
cycled, each label with its own caption.
"""

from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import cairocffi
import orjson
import psutil

from bench.render_limit import short_links
from shared.render import encode_matrix, render_data_uri
from shared.rows.styling import Styling
from shared.sheets import Label, label_from_data_uri, layout_for, sheet_pdf

DISTINCT_CODES = 2000
RESULTS = Path(__file__).resolve().parent / "results"
BASELINE_LABELS = 480


@dataclass
class SheetFigures:
    labels: int
    preset: str
    pages: int
    seconds: float
    labels_per_s: float
    cpu_seconds: float  # this process's CPU time for the sheet: the figure load does not skew
    labels_per_cpu_s: float
    decode_labels_per_s: float  # label_from_data_uri alone (part of labels_per_s)
    cairo_per_module_labels_per_s: float  # the approach replaced, same machine, same run
    pdf_mb: float
    bytes_per_label: float
    largest_piece_kb: float
    rss_before_mb: float
    peak_rss_mb: float
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]

    @property
    def speedup(self) -> float:
        return self.labels_per_s / self.cairo_per_module_labels_per_s


def feed(images: list[str], count: int) -> Iterator[Label]:
    for i in range(count):
        yield label_from_data_uri(f"SKU-{i:07d}", images[i % len(images)])


def decode_rate(images: list[str]) -> float:
    started = time.perf_counter()
    for _ in feed(images, len(images)):
        pass
    return len(images) / (time.perf_counter() - started)


def cairo_per_module_rate(links: list[str]) -> float:
    """Every dark module its own filled rectangle, as the first attempt drew them."""
    surface = cairocffi.PDFSurface(io.BytesIO(), 595.28, 841.89)
    context = cairocffi.Context(surface)
    started = time.perf_counter()
    for i, link in enumerate(links):
        matrix = encode_matrix(link, "M")
        x0, y0 = 20 + (i % 3) * 190, 40 + (i // 3 % 8) * 96
        module = 70 / matrix.shape[0]
        for y, x in zip(*matrix.nonzero(), strict=True):
            context.rectangle(x0 + x * module, y0 + y * module, module, module)
            context.fill()
        context.move_to(x0, y0 + 84)
        context.show_text(f"SKU-{i:07d}")
        if i % 24 == 23:
            context.show_page()
    surface.finish()
    return len(links) / (time.perf_counter() - started)


def rss_mb() -> float:
    return float(psutil.Process().memory_info().rss) / 2**20


def measure(count: int = 250_000, preset: str = "a4-3x8") -> SheetFigures:
    links = short_links(DISTINCT_CODES)
    images = [render_data_uri(link, Styling()) for link in links]
    layout = layout_for(preset, {})
    decode = decode_rate(images)
    baseline = cairo_per_module_rate(links[:BASELINE_LABELS])
    load_before, rss_before = os.getloadavg(), rss_mb()
    largest = written = 0
    with tempfile.NamedTemporaryFile(suffix=".pdf") as out:
        started, cpu_started = time.perf_counter(), time.process_time()
        for piece in sheet_pdf(feed(images, count), layout):
            out.write(piece)
            written, largest = written + len(piece), max(largest, len(piece))
        seconds, cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
        out.flush()
        info = subprocess.run(
            ["pdfinfo", out.name], capture_output=True, text=True, check=True
        ).stdout
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
    assert pages == layout.pages_for(count), (pages, count)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return SheetFigures(
        count,
        preset,
        pages,
        round(seconds, 1),
        round(count / seconds),
        round(cpu_s, 1),
        round(count / cpu_s),
        round(decode),
        round(baseline),
        round(written / 2**20, 1),
        round(written / count),
        round(largest / 1024, 1),
        round(rss_before),
        round(peak_mb),
        load_before,
        os.getloadavg(),
    )


def report(count: int, preset: str = "a4-3x8") -> dict[str, object]:
    """Measure, print one line, and give the figures for a results file."""
    figures = measure(count, preset)
    print(
        f"sheets ({preset}, {count:,} labels from PNG data URIs): "
        f"{figures.labels_per_s:,} labels/s, {figures.seconds} s, {figures.pages:,} pages, "
        f"{figures.pdf_mb} MB; RSS {figures.rss_before_mb} MB before, peak "
        f"{figures.peak_rss_mb} MB; per-module cairo {figures.cairo_per_module_labels_per_s}"
        f" labels/s (x{figures.speedup:.1f}); load {figures.load_before}",
        flush=True,
    )
    return asdict(figures) | {"speedup": round(figures.speedup, 1)}


if __name__ == "__main__":
    arguments = sys.argv[1:]
    result = report(
        int(arguments[0]) if arguments else 250_000,
        arguments[1] if len(arguments) > 1 else "a4-3x8",
    )
    result |= {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "cpus": psutil.cpu_count(),
        "command": "python -m bench.sheets " + " ".join(arguments),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "sheets.json").write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    print(orjson.dumps(result).decode())
