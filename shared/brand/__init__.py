"""Branded codes: styling options, vector geometry, SVG/PDF/EPS/PNG output, scannability."""
