"""Issue 31 items 1 and 9: SVG assets rebuilt from an allow-list under a drawing budget."""

from __future__ import annotations

import io

import cairosvg
import numpy as np
import pytest
import skia
from PIL import Image

from shared.brand.assetcheck import AssetRefused, check_asset
from shared.brand.svgbudget import MAX_SVG_ELEMENTS, MAX_SVG_EXPANDED
from shared.render import render_data_uri
from tests.shared.brandkit import body_of, decode_png, styled

HEAD = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'viewBox="0 0 100 100">')
PAYLOAD = "https://bulkqr.example/r/Ab3dE6gH"


def svg(body: str, head: str = HEAD) -> bytes:
    return f"{head}{body}</svg>".encode()


def use_bomb(levels: int = 6, fan: int = 10) -> bytes:
    """The issue's attack: <use> fanning out fan x fan x ... levels deep (10^6 drawn)."""
    parts = ['<path id="l0" d="M0 0h1v1z"/>']
    for level in range(1, levels + 1):
        uses = "".join(f'<use xlink:href="#l{level - 1}"/>' for _ in range(fan))
        parts.append(f'<g id="l{level}">{uses}</g>')
    return svg(f'<defs>{"".join(parts)}</defs><use xlink:href="#l{levels}"/>')


def pattern_bomb(levels: int = 6, fan: int = 10) -> bytes:
    parts = ['<pattern id="p0" width="1" height="1"><rect width="1" height="1"/></pattern>']
    for level in range(1, levels + 1):
        rects = "".join(f'<rect width="1" height="1" fill="url(#p{level - 1})"/>'
                        for _ in range(fan))
        parts.append(f'<pattern id="p{level}" width="1" height="1">{rects}</pattern>')
    return svg(f'<defs>{"".join(parts)}</defs><rect width="9" height="9" fill="url(#p{levels})"/>')


def gradient_chain(links: int = 300) -> bytes:
    stops = '<stop offset="0" stop-color="#000"/><stop offset="1" stop-color="#fff"/>'
    chain = [f'<linearGradient id="g0">{stops}</linearGradient>']
    chain += [f'<linearGradient id="g{i}" xlink:href="#g{i - 1}"/>' for i in range(1, links)]
    rects = f'<rect width="1" height="1" fill="url(#g{links - 1})"/>' * links
    return svg(f'<defs>{"".join(chain)}</defs>{rects}')


BYPASSES = {  # item 9: each was stored by the deny-list
    "style-URL-upper": '<style>.a{fill:URL(https://e.example/x.svg#p)}</style>',
    "style-url-escaped": r'<style>.a{fill:\75rl(https://e.example/x.svg#p)}</style>',
    "style-import-escaped": r'<style>@\69mport "https://e.example/x.css";</style>',
    "style-import": '<style>@import url(https://e.example/x.css);</style>',
    "style-font-face": '<style>@font-face{font-family:x;src:url(https://e.example/f)}</style>',
    "style-image-set": '<style>.a{fill:image-set("https://e.example/x.png" 1x)}</style>',
    "attr-URL-upper": '<rect width="9" height="9" style="fill:URL(https://e.example/x)"/>',
    "attr-url-escaped": r'<rect width="9" height="9" style="fill:\75rl(https://e.example/x)"/>',
    "attr-url-quoted": '<rect width="9" height="9" style="fill:url( \'https://e.example/x\' )"/>',
    "attr-image-set": '<rect width="9" height="9" style="background:image-set(\'x.png\' 1x)"/>',
    "presentation-URL": '<rect width="9" height="9" fill="URL(https://e.example/x)"/>',
    "tail-in-style": '<style><title/>@import url(https://e.example/x.css);</style>',
    "set-href": '<rect id="r"/><use xlink:href="#r"><set attributeName="href" '
                'to="https://e.example/x"/></use>',
    "animate-href": '<rect id="r"/><use xlink:href="#r"><animate attributeName="xlink:href" '
                    'values="#r;https://e.example/x"/></use>',
    "animate-transform": '<rect><animateTransform attributeName="transform"/></rect>',
    "discard": '<discard/>',
    "image-data": '<image href="data:image/png;base64,iVBORw0KGgo="/>',
    "image-element": '<image/>',
    "a-javascript": '<a href="javascript:alert(1)"><rect/></a>',
    "foreign-object": '<foreignObject><div xmlns="http://www.w3.org/1999/xhtml"/></foreignObject>',
    "xhtml-script": '<script xmlns="http://www.w3.org/1999/xhtml">alert(1)</script>',
    "css-expression-var": '<rect style="fill:var(--x)"/>',
    "selector-attribute": '<style>rect[fill]{fill:red}</style>',
}


@pytest.mark.parametrize("body", BYPASSES.values(), ids=BYPASSES.keys())
def test_every_sanitiser_bypass_of_item_9_is_refused(body: str) -> None:
    with pytest.raises(AssetRefused, match="SVG refused") as refused:
        check_asset(svg(body))
    assert refused.value.status == 400


@pytest.mark.parametrize(("data", "message"), [
    (use_bomb(), f"draws more than {MAX_SVG_EXPANDED} elements"),
    (pattern_bomb(), f"draws more than {MAX_SVG_EXPANDED} elements"),
    (gradient_chain(), f"draws more than {MAX_SVG_EXPANDED} elements"),
    (svg('<g id="a"><use xlink:href="#a"/></g>'), "reference cycle"),
    (svg('<use id="a" xlink:href="#b"/><use id="b" xlink:href="#a"/>'), "reference cycle"),
    (svg('<defs><linearGradient id="a" xlink:href="#b"/><linearGradient id="b" '
         'xlink:href="#a"/></defs><rect fill="url(#a)"/>'), "reference cycle"),
    (svg('<pattern id="p"><rect fill="url(#p)"/></pattern><rect fill="url(#p)"/>'),
     "reference cycle"),
    (svg('<rect/>' * (MAX_SVG_ELEMENTS + 1)), f"more than {MAX_SVG_ELEMENTS} elements"),
    (svg('<defs><marker id="m">' + '<rect/>' * 100 + '</marker></defs><path d="M0 0'
         + ' L1 1' * 1000 + '" marker-mid="url(#m)"/>'), "draws more than"),
    (svg('<style>.x{fill:url(#p)}</style><pattern id="p">' + '<rect/>' * 400 + '</pattern>'
         + '<rect class="x"/>' * 100), "draws more than"),
    (svg('<g fill="url(#p)">' + '<rect/>' * 100 + '</g><pattern id="p">' + '<rect/>' * 400
         + '</pattern>'), "draws more than"),
    (svg('<g>' * 70 + '</g>' * 70), "nest deeper than"),
    (svg('<rect id="a"/><rect id="a"/>'), "used twice"),
    (svg("<style>" + ".a{fill:#000}" * 11_000 + "</style>"), "characters of distinct CSS"),
    (svg("".join(f'<rect style="fill:#000;stroke:#111;opacity:.{i:05d}"/>' for i in range(4_000))),
     "characters of distinct CSS"),
])
def test_reference_bombs_cycles_and_big_files_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(AssetRefused, match=message):
        check_asset(data)


def test_a_style_repeated_on_every_element_is_tokenised_once() -> None:
    style = "fill:#1565c0;fill-opacity:1;stroke:none;stroke-width:0.26;" * 4
    check_asset(svg(f'<rect style="{style}"/>' * 4_000))  # 1 MB of CSS, 240 characters once


def test_the_attack_file_is_the_size_of_the_issue() -> None:
    assert 1_400 < len(use_bomb()) < 2_000  # the issue's 1.7 KB


TAIL = svg('<g><title>t</title>@import url(https://e.example/x.css);<rect width="9" '
           'height="9"/>&lt;script&gt;alert(1)&lt;/script&gt;</g>'
           '<text x="1" y="9">a<tspan>b</tspan>c &lt;d&gt;</text>')


def test_tail_text_outside_text_elements_is_dropped_and_inside_kept_escaped() -> None:
    data = check_asset(TAIL).data
    assert b"@import" not in data and b"script" not in data
    assert b"a<tspan>b</tspan>c &lt;d&gt;</text>" in data


def test_the_output_is_rebuilt_with_no_escapes_and_canonical_urls() -> None:
    data = check_asset(svg(
        r'<style>.a{FILL:\75rl("#g")}.b>#c,rect.d{stroke:#ABC;stroke-width:2PX}</style>'
        '<linearGradient id="g"><stop offset="0" style="stop-color:rgb(1, 2, 3)"/>'
        '</linearGradient><rect id="c" class="a  b" width="9" height="9" '
        'style="-inkscape-font-specification:\'Sans, Bold\';fill:URL(#g) ;opacity:.5"/>'
    )).data.decode()
    assert ".a{fill:url(#g)}.b &gt; #c,rect.d{stroke:#ABC;stroke-width:2px}" in data
    assert 'style="fill:url(#g);opacity:.5"' in data and 'class="a b"' in data
    assert "\\" not in data and "inkscape" not in data


ILLUSTRATOR = svg(
    '<defs><style>.cls-1{fill:url(#linear-gradient);}.cls-2{fill:#e30613;}</style>'
    '<linearGradient id="linear-gradient" x1="0" y1="50" x2="100" y2="50" '
    'gradientUnits="userSpaceOnUse"><stop offset="0" stop-color="#0b5"/>'
    '<stop offset="1" stop-color="#07f"/></linearGradient>'
    '<clipPath id="clip"><circle cx="50" cy="50" r="48"/></clipPath></defs>'
    '<g id="Layer_1" data-name="Layer 1" clip-path="url(#clip)">'
    '<rect class="cls-1" width="100" height="100"/>'
    '<path class="cls-2" transform="translate(50 50) rotate(45)" d="M-10-30h20v60h-20z"/>'
    '</g>')
INKSCAPE = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:svg="http://www.w3.org/2000/svg" '
    b'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" '
    b'xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd" '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    b'xmlns:dc="http://purl.org/dc/elements/1.1/" width="100mm" height="100mm" '
    b'viewBox="0 0 100 100" version="1.1" inkscape:version="1.3" sodipodi:docname="logo.svg">'
    b'<sodipodi:namedview id="namedview1" pagecolor="#ffffff" inkscape:zoom="1"/>'
    b'<metadata id="m"><rdf:RDF><dc:title>Logo</dc:title></rdf:RDF></metadata>'
    b'<g inkscape:label="Layer 1" inkscape:groupmode="layer" id="layer1">'
    b'<rect style="fill:#1565c0;fill-opacity:1;stroke:none;stroke-width:0.26;'
    b'font-variation-settings:normal" id="rect1" width="100" height="100" x="0" y="0" '
    b'sodipodi:nodetypes="cccc"/>'
    b'<circle style="fill:#ffffff" id="c1" cx="50" cy="50" r="30"/></g></svg>')
SYMBOLS = svg(
    '<title>Dots</title><defs><symbol id="dot" viewBox="0 0 10 10">'
    '<circle cx="5" cy="5" r="5" fill="#c2185b"/></symbol></defs>'
    '<rect width="100" height="100" fill="#fff"/>'
    + "".join(f'<use xlink:href="#dot" x="{x}" y="{y}" width="20" height="20"/>'
              for x in range(0, 100, 20) for y in range(0, 100, 20)))
LOGOS = {"illustrator": (ILLUSTRATOR, (227, 6, 19)), "inkscape": (INKSCAPE, (21, 101, 192)),
         "symbols": (SYMBOLS, (194, 24, 91))}


def skia_pixels(data: bytes) -> np.ndarray:
    dom = skia.SVGDOM.MakeFromStream(skia.MemoryStream(data))
    surface = skia.Surface(100, 100)
    dom.setContainerSize(skia.Size(100, 100))
    dom.render(surface.getCanvas())
    return np.asarray(surface.makeImageSnapshot().toarray())[..., [2, 1, 0]]  # BGRA


def has_colour(pixels: np.ndarray, rgb: tuple[int, int, int]) -> bool:
    return bool((np.abs(pixels[..., :3].astype(int) - rgb).max(axis=-1) < 8).any())


@pytest.mark.parametrize("name", LOGOS)
def test_real_world_logos_pass_and_render(name: str) -> None:
    data, colour = LOGOS[name]
    checked = check_asset(data)
    assert checked.kind == "svg" and (checked.width, checked.height) == (100, 100)
    cairo = np.asarray(Image.open(io.BytesIO(cairosvg.svg2png(bytestring=checked.data)))
                       .convert("RGB"))
    assert has_colour(cairo, colour)
    if name == "inkscape":  # skia's SVG module draws no <style> rule nor <symbol>, checked or not
        assert has_colour(skia_pixels(checked.data), colour)
    _, png = body_of(render_data_uri(PAYLOAD, styled({"logo": "asset_x"}, data)))
    assert decode_png(png) == PAYLOAD
