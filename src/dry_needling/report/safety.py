"""Safety: HTML from notebooks sanitised with nh3 (a real HTML parser and an allow-list), links built from data,
and the Content-Security-Policy every page carries.

What a notebook contributes to a page (the HTML of its Markdown cells, HTML and Markdown outputs, raw cells) is
untrusted: it passes through :func:`neutralise`, which parses it the way a browser does (html5ever, inside the
Rust sanitiser ammonia that nh3 binds), so the content of raw-text elements (``style``, ``script``, ``textarea``,
``title``, ``xmp``, ``iframe``, ``noembed``, ``noscript``, ``plaintext``) ends where a browser ends it, and keeps only
an allow-list of tags and attributes. Each fragment is sanitised on its own, so an unclosed tag cannot reach past
its cell. The Content-Security-Policy is the second line: it allows only the report's own script files.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

# nbformat, nbconvert and the data validator are imported only where needed: importing them costs
# seconds, and a rebuild with nothing changed needs none of them.


#: Every page allows only script files of the report (assets/*.js: 'self', no inline script, no eval: the explorer's
#: Vega runs with its expression interpreter); images from the report or inline (data:, for the PNG outputs nbconvert
#: inlines); styles from the report or inline (nbconvert's); nothing else: no fetch, fonts, media, plugins, frames,
#: forms or <base>. There is no ``file:`` source: a page cannot name a file outside the report by a file:// address.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "object-src 'none'; frame-src 'none'; child-src 'none'; worker-src 'none'; connect-src 'none'; "
       "font-src 'none'; media-src 'none'; manifest-src 'none'; base-uri 'none'; form-action 'none'")
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'

_WEB_URL = re.compile(r"https?://[^\s<>\"'`\x00-\x1f\x7f]+")


def web_url(url) -> str | None:
    """``url`` if it is a plain https:// or http:// address (safe as a link), else None."""
    return url if isinstance(url, str) and _WEB_URL.fullmatch(url) else None


# --- the allow-list ------------------------------------------------------------------------------

_MATHML = {"math", "mi", "mn", "mo", "ms", "mtext", "mspace", "mrow", "mfrac", "msqrt", "mroot", "mstyle", "merror",
           "mpadded", "mphantom", "mfenced", "menclose", "msub", "msup", "msubsup", "munder", "mover", "munderover",
           "mmultiscripts", "mprescripts", "none", "mtable", "mtr", "mtd", "mlabeledtr", "semantics"}
_MATHML_ATTRIBUTES = {"display", "mathvariant", "stretchy", "fence", "separator", "lspace", "rspace", "form",
                      "accent", "accentunder", "largeop", "movablelimits", "symmetric", "minsize", "maxsize",
                      "linethickness", "columnalign", "rowalign", "columnspacing", "rowspacing", "columnlines",
                      "rowlines", "frame", "notation", "scriptlevel", "displaystyle", "open", "close", "separators",
                      "width", "height", "depth", "voffset", "align", "columnspan", "rowspan"}
TAGS = {"a", "abbr", "b", "bdi", "bdo", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd", "del",
        "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
        "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub",
        "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var", "wbr", "section",
        "article", "aside", "nav", "header", "footer", "hgroup", "time", "data", "label", "output"} | _MATHML
#: Removed with everything inside them (the rest of the allow-list keeps the text of a removed tag as text).
CLEAN_CONTENT_TAGS = {"script", "style", "template", "iframe", "noembed", "noframes", "noscript", "object", "embed",
                      "applet", "frameset", "frame", "svg", "select", "title", "textarea", "xmp", "plaintext"}
ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "dir", "role", "tabindex", "hidden"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "blockquote": {"cite"}, "q": {"cite"}, "del": {"cite"}, "ins": {"cite"},
    "details": {"open"},
    "ol": {"start", "type", "reversed"}, "li": {"value"},
    "table": {"border", "style"}, "tr": {"style"},
    "th": {"colspan", "rowspan", "scope", "align", "style", "headers", "abbr"},
    "td": {"colspan", "rowspan", "align", "style", "headers"}, "col": {"span"}, "colgroup": {"span"},
    "time": {"datetime"}, "data": {"value"}, "label": {"for"}, "output": {"for"},
    "math": {"xmlns"} | _MATHML_ATTRIBUTES,
    **{tag: set(_MATHML_ATTRIBUTES) for tag in _MATHML - {"math"}},
}
#: CSS properties a ``style`` attribute may keep (pandas aligns table cells with them); a value with a function
#: (``url()``, ``image-set()``, ``expression()``), an escape or a comment is dropped whole.
STYLE_PROPERTIES = {"text-align", "vertical-align", "white-space", "font-weight", "font-style", "text-decoration",
                    "color", "background-color", "width", "min-width", "max-width"}
_URL_ATTRIBUTES = {"href", "src", "cite"}
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
_INLINE_IMAGE = re.compile(r"data:image/(?:png|jpeg|gif|webp|svg\+xml)[;,]", re.IGNORECASE)


def _safe_url(tag: str, name: str, value: str) -> bool:
    """A link to the web (http, https, mailto), an inline image, or a place inside the report: a relative path
    that neither starts at the root of the disk nor climbs out with '..' (a page's links and images cannot reach
    a file outside the report folder)."""
    plain = re.sub(r"[\t\n\r]", "", value).strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12"
                                                   "\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
    if "\\" in plain:
        return False
    scheme = _SCHEME.match(plain)
    if scheme:
        kind = scheme.group(1).lower()
        if tag == "img" and name == "src":
            return _INLINE_IMAGE.match(plain) is not None
        return kind in ("http", "https", "mailto") and name in ("href", "cite")
    if plain.startswith("/"):
        return False  # the root of the disk (file:///...) or another host (//host)
    path = plain.split("#", 1)[0].split("?", 1)[0]
    return not any(unquote(part) == ".." for part in path.split("/"))


def _safe_style(value: str) -> bool:
    return not re.search(r"[()\\@<>]|/\*|&", value)


def _attribute(tag: str, name: str, value: str) -> str | None:
    if name in _URL_ATTRIBUTES:
        return value if _safe_url(tag, name, value) else None
    if name == "style":
        return value if _safe_style(value) else None
    return value


_CLEANER = None


def neutralise(fragment: str) -> str:
    """``fragment`` (HTML from a notebook or a data file) made harmless with nh3: parsed as a browser parses it
    (raw-text elements included), with only the tags of :data:`TAGS` and the attributes of :data:`ATTRIBUTES` kept,
    no event handler, no script, frame, form, base, meta, link, object or style element, no comment, ``style``
    attributes reduced to :data:`STYLE_PROPERTIES` without functions (no ``url()``), and only web links, inline
    images and relative addresses inside the report. Text is kept (escaped where needed)."""
    global _CLEANER
    if _CLEANER is None:
        import nh3

        _CLEANER = nh3.Cleaner(tags=TAGS, clean_content_tags=CLEAN_CONTENT_TAGS, attributes=ATTRIBUTES,
                               attribute_filter=_attribute, strip_comments=True, link_rel=None,
                               url_schemes={"http", "https", "mailto", "data"},
                               generic_attribute_prefixes={"aria-", "data-"},
                               filter_style_properties=STYLE_PROPERTIES)
    return _CLEANER.clean(fragment)


# --- what a figure may hold before it is published -------------------------------------------------

_SVG = "{http://www.w3.org/2000/svg}"
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_SVG_DROP = {"script", "foreignObject", "iframe", "object", "embed", "handler", "listener", "animate", "set",
             "animateMotion", "animateTransform", "a"}


def _css_problem(text: str) -> str | None:
    plain = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL).lower()
    if "\\" in plain or "@import" in plain or "expression(" in plain:
        return "CSS with an escape, @import or expression()"
    for target in re.findall(r"url\(\s*['\"]?([^'\")\s]*)", plain):
        if not target.startswith("#"):
            return f"CSS url({target[:40]}) (only references inside the drawing are allowed)"
    return None


def svg_problem(data: bytes) -> str | None:
    """Why an SVG file must not be published (None when it is a plain drawing). An SVG opened on its own is a
    document without the report's CSP: it may hold no script, no element that runs or embeds code, no event
    handler, and refer to nothing but its own parts (``#id``) and inline images. Parsed as XML (defusedxml)."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(data)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        return f"not well-formed SVG ({str(exc).splitlines()[0][:80]})"
    if root.tag != f"{_SVG}svg":
        return "not an SVG drawing (the root element is not <svg>)"
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
        if tag in _SVG_DROP:
            return f"a <{tag}> element"
        if tag == "style" and element.text and _css_problem(element.text):
            return _css_problem(element.text)
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            if local.startswith("on"):
                return f"an event handler ({local}=)"
            if name == _XLINK_HREF or local == "href":
                if not (value.startswith("#") or _INLINE_IMAGE.match(value)):
                    return f"a reference to {value[:60]!r} (only '#id' and inline images are allowed)"
            elif _css_problem(value):
                return f"{local}: {_css_problem(value)}"
    return None
