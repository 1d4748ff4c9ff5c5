"""The CSS of an uploaded SVG parsed and rebuilt from allowed properties with checked values.

`style=` attributes, presentation attributes and `<style>` text are tokenised with tinycss2
(escapes are decoded there, so `\\75rl(`, `URL(` and `url(` are the same function) and written
back from the tokens that passed: plain identifiers, numbers with known units, hex colours,
`rgb()`/`hsl()`, quoted font names and `url(#id)`. Nothing the checks did not understand, and
no escape, reaches the output. A declaration of a property not on the list is dropped after
its value is checked for references (inkscape's `-inkscape-font-specification`, say).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import tinycss2  # type: ignore[import-untyped]

from shared.brand.refusal import AssetRefused

PROPERTIES = frozenset({
    "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity",
    "stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray",
    "stroke-dashoffset", "opacity", "color", "display", "visibility", "overflow", "clip-path",
    "clip-rule", "mask", "filter", "marker-start", "marker-mid", "marker-end", "stop-color",
    "stop-opacity", "flood-color", "flood-opacity", "font-family", "font-size", "font-weight",
    "font-style", "font-variant", "font-stretch", "text-anchor", "dominant-baseline",
    "alignment-baseline", "baseline-shift", "letter-spacing", "word-spacing", "text-decoration",
    "paint-order", "vector-effect", "shape-rendering", "text-rendering", "color-interpolation",
    "color-interpolation-filters", "mix-blend-mode", "isolation",
})
UNITS = frozenset({"px", "pt", "pc", "mm", "cm", "in", "em", "ex", "rem", "deg", "rad",
                   "grad", "turn"})
COLOUR_FUNCTIONS = frozenset({"rgb", "rgba", "hsl", "hsla"})
ID_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,127}")
IDENT_RE = re.compile(r"-?[A-Za-z_][A-Za-z0-9_-]{0,127}")
NUMBER_RE = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
HEX_RE = re.compile(r"[0-9A-Fa-f]{3,8}")
FONT_NAME_RE = re.compile(r"[A-Za-z0-9 _-]{1,64}")
COMPOUND_RE = re.compile(r"(?:-?[A-Za-z_][\w-]*|\*)?(?:\.-?[A-Za-z_][\w-]*|#[A-Za-z_][\w-]*)*")
URL_REFUSED = "SVG refused: url() may only point inside the file, as url(#id)"


@dataclass(frozen=True)
class Rule:
    """One rebuilt `<style>` rule: canonical selectors and the declarations kept."""

    selectors: tuple[str, ...]
    declarations: tuple[tuple[str, str], ...]

    def text(self) -> str:
        body = ";".join(f"{name}:{value}" for name, value in self.declarations)
        return f"{','.join(self.selectors)}{{{body}}}"


def style_attribute(text: str) -> tuple[tuple[str, str], ...]:
    """The allowed declarations of a `style=` value, rebuilt."""
    items = tinycss2.parse_blocks_contents(text, skip_comments=True, skip_whitespace=True)
    return _declarations(items)


def presentation(name: str, text: str) -> str:
    """A presentation attribute's value (`fill="url(#g)"`), checked like the property."""
    tokens = tinycss2.parse_component_value_list(text, skip_comments=True)
    return _value(name, tokens)


def stylesheet(text: str) -> tuple[Rule, ...]:
    """The rules of a `<style>` element, rebuilt; any at-rule is refused."""
    rules = []
    for item in tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True):
        if item.type == "at-rule":
            raise AssetRefused(f"SVG refused: the CSS at-rule @{item.lower_at_keyword[:40]} is "
                               "not accepted in <style> (no @import, @font-face, @media…)")
        if item.type != "qualified-rule":
            raise AssetRefused("SVG refused: <style> holds CSS that could not be parsed")
        items = tinycss2.parse_blocks_contents(item.content, skip_comments=True,
                                               skip_whitespace=True)
        rules.append(Rule(_selectors(item.prelude), _declarations(items)))
    return tuple(rules)


def _declarations(items: list[Any]) -> tuple[tuple[str, str], ...]:
    kept = []
    for item in items:
        if item.type != "declaration":
            raise AssetRefused("SVG refused: a CSS block holds something other than "
                               "declarations (an at-rule, a nested rule or a parse error)")
        if item.lower_name in PROPERTIES:
            kept.append((item.lower_name, _value(item.lower_name, item.value)))
        else:
            _check_references(item.value)
    return tuple(kept)


def _value(name: str, tokens: list[Any]) -> str:
    text = re.sub(r"\s+", " ", "".join(_token(name, token) for token in tokens)).strip()
    if not text:
        raise AssetRefused(f"SVG refused: the CSS property {name} has no value")
    return text


def _token(name: str, token: Any) -> str:
    kind = token.type
    if kind in ("whitespace", "comment"):
        return " "
    if kind == "ident" and IDENT_RE.fullmatch(token.value):
        return str(token.value)
    if kind in ("number", "percentage", "dimension"):
        return _number(name, token)
    if kind == "hash" and HEX_RE.fullmatch(token.value):
        return f"#{token.value}"
    if kind == "literal" and token.value in (",", "/"):
        return str(token.value)
    if kind == "string" and name == "font-family" and FONT_NAME_RE.fullmatch(token.value):
        return f"'{token.value}'"
    if kind in ("url", "function"):
        return _function(name, token)
    raise AssetRefused(f"SVG refused: the CSS value of {name} holds "
                       f"{_shown(token)}, which is not accepted")


def _number(name: str, token: Any) -> str:
    unit = {"number": "", "percentage": "%"}.get(token.type, getattr(token, "lower_unit", ""))
    if NUMBER_RE.fullmatch(token.representation) and (unit in ("", "%") or unit in UNITS):
        return f"{token.representation}{unit}"
    raise AssetRefused(f"SVG refused: the CSS value of {name} holds a number not understood")


def _function(name: str, token: Any) -> str:
    target = _url_target(token)
    if target is not None:
        return f"url(#{target})"
    if token.lower_name in COLOUR_FUNCTIONS:
        args = "".join(_colour_argument(name, arg) for arg in token.arguments)
        return f"{token.lower_name}({args.strip()})"
    raise AssetRefused(f"SVG refused: the CSS function {token.lower_name[:40]}() is not "
                       "accepted (only url(#id), rgb() and hsl())")


def _colour_argument(name: str, token: Any) -> str:
    if token.type in ("number", "percentage", "dimension", "whitespace", "comment"):
        return _token(name, token)
    if token.type == "literal" and token.value in (",", "/"):
        return str(token.value)
    raise AssetRefused(f"SVG refused: a colour function in {name} holds {_shown(token)}")


def _url_target(token: Any) -> str | None:
    """The id of `url(#id)` in any spelling; None for another function; refused elsewhere."""
    if token.type == "url":
        href = str(token.value)
    elif token.lower_name == "url":
        args = [arg for arg in token.arguments if arg.type not in ("whitespace", "comment")]
        href = args[0].value if len(args) == 1 and args[0].type == "string" else ""
    else:
        return None
    if href.startswith("#") and ID_RE.fullmatch(href[1:]):
        return href[1:]
    raise AssetRefused(URL_REFUSED)


def _check_references(tokens: list[Any]) -> None:
    """A dropped declaration may still not name anything outside the file."""
    for token in tokens:
        if token.type in ("url", "function"):
            if token.type == "function" and token.lower_name in ("image-set", "image",
                                                                 "cross-fade", "element"):
                raise AssetRefused(f"SVG refused: the CSS function {token.lower_name}() is "
                                   "not accepted")
            if _url_target(token) is None:
                _check_references(token.arguments)
        elif token.type in ("() block", "[] block", "{} block"):
            _check_references(token.content)


def _selectors(prelude: list[Any]) -> tuple[str, ...]:
    """Selectors of type, `.class`, `#id` and `*` joined by combinators; nothing else."""
    text = ""
    for token in prelude:
        if token.type == "whitespace":
            text += " "
        elif token.type == "ident" and IDENT_RE.fullmatch(token.value):
            text += token.value
        elif token.type == "hash" and token.is_identifier and ID_RE.fullmatch(token.value):
            text += f"#{token.value}"
        elif token.type == "literal" and token.value in (".", ",", ">", "+", "~", "*"):
            text += token.value
        else:
            raise AssetRefused(f"SVG refused: a <style> selector holds {_shown(token)}; only "
                               "element names, .class, #id, * and combinators are accepted")
    spaced = re.sub(r"\s*([>+~])\s*", r" \1 ", text)
    selectors = tuple(re.sub(r"\s+", " ", part).strip() for part in spaced.split(","))
    for selector in selectors:
        compounds = re.split(r"\s*[>+~]\s*|\s+", selector)
        if not all(compound and COMPOUND_RE.fullmatch(compound) for compound in compounds):
            raise AssetRefused(f"SVG refused: the <style> selector {selector[:40]!r} could "
                               "not be understood")
    return selectors


def _shown(token: Any) -> str:
    return repr(tinycss2.serialize([token])[:40])
