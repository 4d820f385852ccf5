"""Safety: links built from data, raw HTML in Markdown, and a Content-Security-Policy."""

from __future__ import annotations

import html
import re

# nbformat, nbconvert and the data validator are imported only where needed: importing them costs
# seconds, and a rebuild with nothing changed needs none of them.


# ---------------------------------------------------------------------------------------
# Safety: links built from data, raw HTML in Markdown, and a Content-Security-Policy

#: Every page allows only the report's own script files (assets/*.js: 'self', which Chromium applies to file://
#: pages too; no inline script, no eval: the explorer's Vega runs with its expression interpreter), and forbids
#: plugins, frames, forms and <base>; styles may be inline (nbconvert's), images inline (data:) or beside the page.
CSP = ("default-src 'self' file: data:; script-src 'self'; object-src 'none'; frame-src 'none'; "
       "base-uri 'none'; form-action 'none'; style-src 'self' file: 'unsafe-inline'; img-src 'self' file: data:")
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'

_WEB_URL = re.compile(r"https?://[^\s<>\"'`\x00-\x1f\x7f]+")
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:")
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_ATTR = re.compile(r"""([^\s"'=<>/]+)(\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
_URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "srcset",
              "ping", "cite", "longdesc", "manifest"}
_DROP_TAGS = {"script", "iframe", "object", "embed", "base", "form", "frame", "frameset", "applet", "meta",
              "link"}


def web_url(url) -> str | None:
    """``url`` if it is a plain https:// or http:// address (safe as a link), else None."""
    return url if isinstance(url, str) and _WEB_URL.fullmatch(url) else None


def _safe_link_value(name: str, value: str) -> bool:
    plain = re.sub(r"[\x00-\x20\x7f]", "", html.unescape(value)).lower()
    scheme = _SCHEME.match(plain)
    if scheme is None:
        return not plain.startswith("//") or name != "href"  # relative: fine
    if plain.startswith(("https:", "http:", "mailto:")) and name in {"href", "cite"}:
        return True
    return name == "src" and plain.startswith("data:image/")


def neutralise(page: str) -> str:
    """Raw HTML in a page body made harmless: script, frame, form, base, meta and link tags dropped,
    event-handler attributes (``onclick=``) dropped, and any URL attribute that is not http(s),
    mailto, relative or an inline image replaced by ``#unsafe-link-removed``. Text between tags
    (escaped code, prose) is left as it is."""

    def attrs(text: str) -> str:
        out = []
        for match in _ATTR.finditer(text):
            name = match.group(1).lower()
            if name.startswith("on") or name in {"style"} and "expression(" in (match.group(0).lower()):
                continue
            if name in _URL_ATTRS and match.group(2):
                value = next(v for v in match.group(3, 4, 5) if v is not None)
                if not _safe_link_value(name, value):
                    out.append(f'{name}="#unsafe-link-removed"')
                    continue
            out.append(match.group(0))
        return (" " + " ".join(out)) if out else ""

    def tag(match: re.Match) -> str:
        closing, name, rest = match.groups()
        if name.lower() in _DROP_TAGS:
            return ""
        tail = "/" if rest.rstrip().endswith("/") else ""
        return f"<{closing}{name}{attrs(rest.rstrip().rstrip('/'))}{tail}>"

    page = re.sub(r"<script\b.*?</script\s*>", "", page, flags=re.IGNORECASE | re.DOTALL)
    return _TAG.sub(tag, page)


