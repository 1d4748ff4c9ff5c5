"""How much an SVG draws: the elements written, and the elements drawn once every reference
is expanded (`<use>`, paint servers, href chains, clip paths, masks, markers, filters).

A 1.7 KB file whose `<use>` elements fan out 10 x 10 x ... six levels draws 10^6 elements
and held a renderer for seconds (issue 31), so the drawn count is what is bounded. It is an
upper bound: every element counts once where it is written plus once per reference to it,
a `<style>` rule counts for every element its last compound could match, an inherited fill
or stroke counts for every shape under it, a marker-mid once per vertex, and long path data
or text counts one more per GEOMETRY_CHARS_PER_UNIT characters. A reference cycle is refused.
"""

from __future__ import annotations

import re
from collections import defaultdict
from xml.etree import ElementTree as ET

from shared.brand.refusal import AssetRefused
from shared.brand.svgcss import Rule

MAX_SVG_ELEMENTS = 5_000
MAX_SVG_EXPANDED = 10_000  # twice what may be written: reuse is fine, fan-out is not
MAX_SVG_NESTING = 128  # elements and reference hops on one path from the root
GEOMETRY_CHARS_PER_UNIT = 256
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
INHERITED = ("fill", "stroke", "marker-start", "marker-mid", "marker-end")
LOCAL = ("clip-path", "mask", "filter")
SHAPES = frozenset({"path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text",
                    "tspan"})
URL_RE = re.compile(r"url\(#([^)]+)\)")
NUMBER_RE = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
Refs = dict[str, tuple[str, ...]]
Context = tuple[tuple[str, ...], ...]  # the inherited references, in the order of INHERITED


def check_written(root: ET.Element) -> None:
    """Refuse before any other work a file that writes more than MAX_SVG_ELEMENTS elements."""
    for count, _ in enumerate(root.iter(), start=1):
        if count > MAX_SVG_ELEMENTS:
            raise AssetRefused(f"SVG refused: it has more than {MAX_SVG_ELEMENTS} elements")


def expanded_elements(root: ET.Element, rules: tuple[Rule, ...]) -> int:
    """The drawn count of a cleaned tree; refused past MAX_SVG_EXPANDED or on a cycle."""
    return _Expansion(root, rules).cost(root, ((),) * len(INHERITED))


class _Expansion:
    def __init__(self, root: ET.Element, rules: tuple[Rule, ...]) -> None:
        self.ids: dict[str, ET.Element] = {}
        for element in root.iter():
            element_id = element.get("id")
            if element_id is not None and self.ids.setdefault(element_id, element) is not element:
                raise AssetRefused(f"SVG refused: the id {element_id!r} is used twice")
        self.rules = _rule_refs(rules)
        self.memo: dict[tuple[int, Context], int] = {}
        self.path: set[int] = set()

    def cost(self, element: ET.Element, inherited: Context) -> int:
        key = (id(element), inherited)
        if key in self.memo:
            return self.memo[key]
        if id(element) in self.path:
            raise AssetRefused(f"SVG refused: a reference cycle through <{_tag(element)} "
                               f"id={element.get('id', '')!r}> (a <use> or href that leads "
                               "back to itself)")
        if len(self.path) >= MAX_SVG_NESTING:
            raise AssetRefused(f"SVG refused: references and elements nest deeper than "
                               f"{MAX_SVG_NESTING} levels")
        self.path.add(id(element))
        total = self._own_cost(element, inherited)
        self.path.discard(id(element))
        if total > MAX_SVG_EXPANDED:
            raise AssetRefused(f"SVG refused: it draws more than {MAX_SVG_EXPANDED} elements "
                               "once its references (<use>, patterns, gradients, clips, "
                               "masks, markers, filters) are expanded")
        self.memo[key] = total
        return total

    def _own_cost(self, element: ET.Element, inherited: Context) -> int:
        refs = self._refs(element)
        context = tuple(refs.get(name, inherited[i]) for i, name in enumerate(INHERITED))
        total = 1 + _weight(element)
        if _tag(element) in SHAPES:
            fill, stroke, start, mid, end = context
            total += self._targets(fill + stroke + start + end)
            total += self._targets(mid) * _vertices(element)
        total += self._targets(tuple(t for name in LOCAL for t in refs.get(name, ())))
        href = element.get(XLINK_HREF, "")[1:]
        if href in self.ids:
            total += self.cost(self.ids[href], context)
        return total + sum(self.cost(child, context) for child in element)

    def _targets(self, ids: tuple[str, ...]) -> int:
        """What the paint servers, clips, masks, markers or filters named draw, each time."""
        empty = ((),) * len(INHERITED)
        return sum(self.cost(self.ids[name], empty) for name in ids if name in self.ids)

    def _refs(self, element: ET.Element) -> Refs:
        found: defaultdict[str, tuple[str, ...]] = defaultdict(tuple)
        for key in _keys(element):
            for name, targets in self.rules.get(key, {}).items():
                found[name] += targets
        for name in INHERITED + LOCAL:
            found[name] += tuple(URL_RE.findall(element.get(name, "")))
        for declaration in element.get("style", "").split(";"):  # svgclean wrote prop:value
            name, _, value = declaration.partition(":")
            found[name] += tuple(URL_RE.findall(value))
        return {name: targets for name, targets in found.items() if targets}


def _rule_refs(rules: tuple[Rule, ...]) -> dict[str, Refs]:
    """Per selector key (#id, .class, tag or *): the references its rules declare."""
    table: defaultdict[str, defaultdict[str, tuple[str, ...]]] = defaultdict(
        lambda: defaultdict(tuple))
    for rule in rules:
        refs = [(name, tuple(URL_RE.findall(value))) for name, value in rule.declarations
                if name in INHERITED + LOCAL]
        for selector in rule.selectors:
            key = _selector_key(selector)
            for name, targets in refs:
                table[key][name] += targets
    return {key: dict(refs) for key, refs in table.items()}


def _selector_key(selector: str) -> str:
    last = re.split(r"[\s>+~]+", selector)[-1]
    for pattern in (r"#[\w-]+", r"\.[\w-]+", r"^[A-Za-z_][\w-]*"):
        found = re.search(pattern, last)
        if found:
            return found.group(0)
    return "*"


def _keys(element: ET.Element) -> list[str]:
    classes = [f".{name}" for name in element.get("class", "").split()]
    return ["*", _tag(element), f"#{element.get('id', '')}", *classes]


def _tag(element: ET.Element) -> str:
    return str(element.tag).rpartition("}")[2]


def _weight(element: ET.Element) -> int:
    chars = sum(len(element.get(name, "")) for name in ("d", "points"))
    chars += len(element.text or "") + len(element.tail or "")
    return chars // GEOMETRY_CHARS_PER_UNIT


def _vertices(element: ET.Element) -> int:
    numbers = len(NUMBER_RE.findall(element.get("d", "") + " " + element.get("points", "")))
    return numbers // 2 + 1
