"""An uploaded SVG rebuilt from an allow-list: known elements, their known attributes with
checked values, CSS rebuilt by svgcss. What is kept is copied into a new tree, so the output
cannot carry what the checks did not understand.

Refused (the caller gets why): any element not on the list (script, foreignObject, image, a,
animation such as set/animate, elements of other namespaces), event attributes, an `href`
that is not `#id`, CSS that leaves the file, nesting deeper than MAX_SVG_DEPTH. Dropped
silently, as they draw nothing: `<metadata>`, inkscape/sodipodi elements and attributes of
other namespaces, attributes not on an element's list, and text outside text, tspan, title
and desc (including the tail text after a child element).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NoReturn
from xml.etree import ElementTree as ET

from shared.brand import svgcss
from shared.brand.refusal import AssetRefused

SVG_NS, XLINK_NS = "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"
DROPPED_NAMESPACES = frozenset({
    "http://www.inkscape.org/namespaces/inkscape",
    "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd",
    "http://ns.adobe.com/AdobeIllustrator/10.0/",
    "http://ns.adobe.com/AdobeSVGViewerExtensions/3.0/",
})
MAX_SVG_DEPTH = 64
MAX_SVG_CSS_CHARS = 128 * 1024  # tokenising this much takes ~0.2 s
ANIMATION = frozenset({"set", "animate", "animateMotion", "animateTransform", "animateColor",
                       "discard", "mpath"})
TEXT_HOLDERS = frozenset({"text", "tspan", "title", "desc"})
BOX = frozenset({"x", "y", "width", "height"})
PRIMITIVE = BOX | {"result"}
TEXT_POSITION = frozenset({"x", "y", "dx", "dy", "rotate", "textLength", "lengthAdjust"})
GRADIENT = frozenset({"gradientUnits", "gradientTransform", "spreadMethod", "href"})
VIEWPORT = frozenset({"viewBox", "preserveAspectRatio"})
ELEMENTS: dict[str, frozenset[str]] = {
    "svg": BOX | VIEWPORT, "g": frozenset(), "defs": frozenset(),
    "symbol": BOX | VIEWPORT | {"refX", "refY"}, "use": BOX | {"href"},
    "path": frozenset({"d", "pathLength"}), "rect": BOX | {"rx", "ry", "pathLength"},
    "circle": frozenset({"cx", "cy", "r", "pathLength"}),
    "ellipse": frozenset({"cx", "cy", "rx", "ry", "pathLength"}),
    "line": frozenset({"x1", "y1", "x2", "y2", "pathLength"}),
    "polyline": frozenset({"points", "pathLength"}), "polygon": frozenset({"points", "pathLength"}),
    "text": TEXT_POSITION, "tspan": TEXT_POSITION,
    "title": frozenset(), "desc": frozenset(), "style": frozenset(),
    "linearGradient": GRADIENT | {"x1", "y1", "x2", "y2"},
    "radialGradient": GRADIENT | {"cx", "cy", "r", "fx", "fy", "fr"},
    "stop": frozenset({"offset"}), "clipPath": frozenset({"clipPathUnits"}),
    "mask": BOX | {"maskUnits", "maskContentUnits"},
    "pattern": BOX | VIEWPORT | {"patternUnits", "patternContentUnits", "patternTransform",
                                 "href"},
    "marker": VIEWPORT | {"refX", "refY", "markerWidth", "markerHeight", "markerUnits",
                          "orient"},
    "filter": BOX | {"filterUnits", "primitiveUnits"},
    "feGaussianBlur": PRIMITIVE | {"in", "stdDeviation", "edgeMode"},
    "feOffset": PRIMITIVE | {"in", "dx", "dy"}, "feFlood": PRIMITIVE,
    "feBlend": PRIMITIVE | {"in", "in2", "mode"},
    "feComposite": PRIMITIVE | {"in", "in2", "operator", "k1", "k2", "k3", "k4"},
    "feColorMatrix": PRIMITIVE | {"in", "type", "values"}, "feMerge": PRIMITIVE,
    "feMergeNode": frozenset({"in"}),
    "feDropShadow": PRIMITIVE | {"in", "dx", "dy", "stdDeviation"},
}
PLAIN = frozenset({"title", "desc", "style"})  # no presentation, class or style of their own
STYLED = frozenset({"id", "class", "style", "transform"}) | svgcss.PROPERTIES
CSS_ATTRIBUTES = svgcss.PROPERTIES | {"style"}
NUMBERS_RE = re.compile(r"[-+0-9.eE,\s%A-Za-z]*")
PATH_RE = re.compile(r"[-+0-9.eE,\sMmZzLlHhVvCcSsQqTtAa]*")
TRANSFORM_RE = re.compile(r"(?:\s*(?:matrix|translate|scale|rotate|skewX|skewY)\s*"
                          r"\([-+0-9.eE,\s]*\)\s*,?)*\s*")
WORD_RE = re.compile(r"[A-Za-z0-9_ .-]*")
CLASS_RE = re.compile(r"[\sA-Za-z0-9_-]*")
WORDS = frozenset({"preserveAspectRatio", "gradientUnits", "spreadMethod", "clipPathUnits",
                   "maskUnits", "maskContentUnits", "patternUnits", "patternContentUnits",
                   "markerUnits", "filterUnits", "primitiveUnits", "lengthAdjust", "in", "in2",
                   "result", "operator", "mode", "type", "edgeMode"})
OUTSIDE = ("SVG refused: references outside the file (href to a URL, a javascript: or data: "
           "link) are not accepted")


@dataclass(frozen=True)
class CleanSvg:
    root: ET.Element
    rules: tuple[svgcss.Rule, ...]  # the rebuilt <style> rules, for the reference budget


class _Css:
    """The CSS of one file: each distinct text tokenised once, MAX_SVG_CSS_CHARS in all."""

    def __init__(self) -> None:
        self.rules: list[svgcss.Rule] = []
        self.memo: dict[tuple[str, str], str] = {}
        self.chars = 0

    def count(self, text: str) -> None:
        self.chars += len(text)
        if self.chars > MAX_SVG_CSS_CHARS:
            raise AssetRefused(f"SVG refused: it holds more than {MAX_SVG_CSS_CHARS} characters "
                               "of distinct CSS (style attributes, presentation attributes and "
                               "<style>)")

    def value(self, name: str, text: str) -> str:
        """A `style=` or presentation attribute's value, rebuilt."""
        key = (name, text)
        if key not in self.memo:
            self.count(text)
            self.memo[key] = ";".join(f"{prop}:{val}" for prop, val in svgcss.style_attribute(
                text)) if name == "style" else svgcss.presentation(name, text)
        return self.memo[key]


def clean_svg(root: ET.Element) -> CleanSvg:
    """`root` (an <svg> element) rebuilt from what the allow-list accepts."""
    css = _Css()
    clean = _element(root, 0, css)
    if clean is None:
        raise AssetRefused("SVG refused: the document holds nothing to draw")
    return CleanSvg(clean, tuple(css.rules))


def _element(source: ET.Element, depth: int, css: _Css) -> ET.Element | None:
    namespace, _, tag = str(source.tag).rpartition("}")
    _check_dangerous_attributes(source)
    if namespace[1:] in DROPPED_NAMESPACES or (namespace[1:] == SVG_NS and tag == "metadata"):
        return None
    if namespace[1:] != SVG_NS or tag not in ELEMENTS:
        why = "animation could change an href or a style after the check" if (
            tag in ANIMATION) else "no scripts, foreign content or elements off the list"
        raise AssetRefused(f"SVG refused: <{tag[:40]}> is not accepted ({why})")
    if depth > MAX_SVG_DEPTH:
        raise AssetRefused(f"SVG refused: elements nest deeper than {MAX_SVG_DEPTH} levels")
    clean = ET.Element(f"{{{SVG_NS}}}{tag}", _attributes(tag, source, css))
    if tag == "style":
        clean.text = _style_text(source, css)
        return clean
    clean.text = source.text if tag in TEXT_HOLDERS else None
    for child in source:
        kept = _element(child, depth + 1, css)
        if kept is not None:
            clean.append(kept)
        if tag in TEXT_HOLDERS and child.tail:
            _append_text(clean, child.tail)
    return clean


def _check_dangerous_attributes(source: ET.Element) -> None:
    for name, value in source.attrib.items():
        namespace, _, local = name.rpartition("}")
        if not namespace and local.lower().startswith("on"):
            raise AssetRefused(f"SVG refused: the event attribute {local[:40]} is not accepted")
        if local == "href" and not _is_fragment(value):
            raise AssetRefused(OUTSIDE)


def _is_fragment(href: str) -> bool:
    return href.startswith("#") and svgcss.ID_RE.fullmatch(href[1:]) is not None


def _attributes(tag: str, source: ET.Element, css: _Css) -> dict[str, str]:
    allowed = ELEMENTS[tag] | (frozenset({"id"}) if tag in PLAIN else STYLED)
    kept: dict[str, str] = {}
    for name, value in source.attrib.items():
        namespace, _, local = name.rpartition("}")
        if namespace and not (namespace[1:] == XLINK_NS and local == "href"):
            continue  # inkscape:label, sodipodi:nodetypes, xml:space…: they draw nothing
        if local not in allowed:
            continue
        clean = css.value(local, value) if local in CSS_ATTRIBUTES else _value(tag, local, value)
        if clean:
            kept[f"{{{XLINK_NS}}}href" if local == "href" else local] = clean
    return kept


def _value(tag: str, name: str, value: str) -> str:
    if name == "class":
        return " ".join(value.split()) if CLASS_RE.fullmatch(value) else _bad(tag, name, value)
    if name in ("id", "href"):
        ok = svgcss.ID_RE.fullmatch(value) if name == "id" else _is_fragment(value)
        return value if ok else _bad(tag, name, value)
    pattern = _PATTERNS.get(name, NUMBERS_RE)
    return value.strip() if pattern.fullmatch(value) else _bad(tag, name, value)


_PATTERNS: dict[str, re.Pattern[str]] = {
    "d": PATH_RE, "transform": TRANSFORM_RE, "gradientTransform": TRANSFORM_RE,
    "patternTransform": TRANSFORM_RE, **dict.fromkeys(WORDS, WORD_RE)}


def _bad(tag: str, name: str, value: str) -> NoReturn:
    raise AssetRefused(f"SVG refused: the attribute {name} of <{tag}> has a value that is not "
                       f"accepted: {value[:40]!r}")


def _style_text(source: ET.Element, css: _Css) -> str:
    if len(source):
        raise AssetRefused("SVG refused: <style> may hold only CSS text, not elements")
    css.count(source.text or "")
    parsed = svgcss.stylesheet(source.text or "")
    css.rules.extend(parsed)
    return "".join(rule.text() for rule in parsed)


def _append_text(parent: ET.Element, text: str) -> None:
    if len(parent):
        parent[-1].tail = (parent[-1].tail or "") + text
    else:
        parent.text = (parent.text or "") + text

