"""Post markup: a corpus of hostile Markdown and HTML comes out harmless, ordinary Markdown comes out
right, plain text for notices, and @mentions."""

from __future__ import annotations

import html
import re
import time
from html.parser import HTMLParser

import pytest

from boardkit.core.errors import ValidationFailed
from boardkit.forum.markup import MAX_BODY, check_body, find_mentions, plain, render, sanitise

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
FORBIDDEN = ("<script", "<svg", "<iframe", "<object", "<embed", "<style", "<img", "<math", "<form", "<base")
ATTRIBUTE_IN_TAG = re.compile(r"<[^>]*?[\s/\"'](on\w+|style|src|srcdoc|formaction|target)\s*=", re.I)
SAFE_HREF = re.compile(r"(https?|mailto):", re.I)
CONTROL = re.compile(r"[\x00-\x20\x7f]+")


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def assert_harmless(out: str) -> None:
    """Only the allowed tags, no attribute but a[href] (web and mail only) and a[rel]."""
    lowered = out.lower()
    for bad in FORBIDDEN:
        assert bad not in lowered, (bad, out)
    assert not ATTRIBUTE_IN_TAG.search(out), out
    assert "<!--" not in out, out
    parser = _Tags()
    parser.feed(out)
    parser.close()
    assert not parser.comments, out
    for tag, attrs in parser.tags:
        assert tag in ALLOWED_TAGS, (tag, out)
        if tag != "a":
            assert not attrs, (tag, attrs, out)
            continue
        assert set(attrs) <= {"href", "rel"}, (attrs, out)
        assert attrs.get("rel") == "nofollow ugc noopener", out
        if "href" in attrs:
            href = CONTROL.sub("", html.unescape(attrs["href"] or ""))
            assert SAFE_HREF.match(href), (href, out)
            for scheme in ("javascript:", "vbscript:", "data:"):
                assert scheme not in href.lower(), (href, out)


HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](java&#x0A;script:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;&#x61;vascript&colon;alert(1))",
    "[x](javascript%3Aalert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "[x](data:image/png;base64,iVBORw0KGgo=)",
    "[x](  javascript:alert(1))",
    "[x](\njavascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](ｊａｖａｓｃｒｉｐｔ:alert(1))",
    "[x](javascript\x00:alert(1))",
    '[x](https://example.dk "t\\" onmouseover=\\"alert(1)")',
    '[x](<https://example.dk" onclick="alert(1)>)',
    '[x](https://example.dk/"onmouseover="alert(1))',
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    '<https://example.dk/"><script>alert(1)</script>>',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<a href="javascript:1">x</a>',
    '<a href="jav&#x0A;ascript:alert(1)">x</a>',
    '<a href="https://example.dk" onclick="alert(1)" target="_blank">x</a>',
    "![x](javascript:alert(1))",
    "![x](https://tracker.example/pixel.gif)",
    '![x](https://example.dk/a.png "t" onerror="alert(1)")',
    "[![x](javascript:alert(1))](javascript:alert(2))",
    "[![x](https://tracker.example/p.gif)](https://example.dk)",
    "<iframe src=https://evil.example></iframe>",
    "<iframe srcdoc='<script>alert(1)</script>'>",
    "<object data=https://evil.example/x.swf></object>",
    "<embed src=https://evil.example/x.swf>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</script>",
    "<b><i>nested <u>broken</b> tags</i>",
    "<p <p onclick=alert(1)>x",
    "<a href='x' <script>alert(1)</script>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<base href="javascript:alert(1)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<!--<script>alert(1)</script>-->",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "&#x3C;img src=x onerror=alert(1)&#x3E;",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "[x]\n\n[x]: JaVaScRiPt:alert(1)",
    "[x][]\n\n[x]: data:text/html;base64,PHNjcmlwdD4=",
    "![x][img]\n\n[img]: javascript:alert(1)",
    "```html\n<script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    "> <script>alert(1)</script>\n> [x](javascript:alert(1))",
    "- [x](javascript:alert(1))\n  - <svg onload=alert(1)>",
    "**<img src=x onerror=alert(1)>**",
]


@pytest.mark.parametrize("body", HOSTILE)
def test_hostile_markdown_comes_out_harmless(body: str) -> None:
    assert_harmless(render(body))


@pytest.mark.parametrize("body", HOSTILE)
def test_the_sanitiser_alone_makes_hostile_html_harmless(body: str) -> None:
    # The second layer holds on its own: were raw HTML ever let through the Markdown, nh3 cleans it.
    assert_harmless(sanitise(body))


@pytest.mark.parametrize(
    "bad",
    [
        "<script>x</script>",
        '<a href="javascript:x" rel="nofollow ugc noopener">x</a>',
        '<a href="java&#x09;script:x" rel="nofollow ugc noopener">x</a>',
        '<a href="data:text/html,x" rel="nofollow ugc noopener">x</a>',
        '<a href="https://x.dk">no rel</a>',
        '<a href="https://x.dk" rel="nofollow ugc noopener" target="_blank">x</a>',
        "<p onclick=alert(1)>x</p>",
        '<p style="color:red">x</p>',
        "<img src=x>",
        "<div>x</div>",
        "<h1>x</h1>",
    ],
)
def test_the_check_catches_what_it_looks_for(bad: str) -> None:
    with pytest.raises(AssertionError):
        assert_harmless(bad)


def test_script_written_in_a_post_is_shown_as_text() -> None:
    assert render("<script>alert(1)</script>") == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
    assert render("[x](javascript:alert(1))") == "<p>[x](javascript:alert(1))</p>\n"


def test_ordinary_markdown() -> None:
    out = render("**fet** og *kursiv* og ~~væk~~\n\n- en\n- to\n\n1. første\n2. anden")
    assert "<strong>fet</strong>" in out and "<em>kursiv</em>" in out and "<s>væk</s>" in out
    assert "<ul>\n<li>en</li>\n<li>to</li>\n</ul>" in out
    assert "<ol>\n<li>første</li>\n<li>anden</li>\n</ol>" in out
    assert_harmless(out)


def test_links_get_the_rel_attribute_and_no_target() -> None:
    out = render("[Boligselskabet](https://example.dk/side?a=1&b=2) og <https://x.dk> og <post@x.dk>")
    assert (
        '<a href="https://example.dk/side?a=1&amp;b=2" rel="nofollow ugc noopener">Boligselskabet</a>' in out
    )
    assert '<a href="https://x.dk" rel="nofollow ugc noopener">https://x.dk</a>' in out
    assert '<a href="mailto:post@x.dk" rel="nofollow ugc noopener">post@x.dk</a>' in out
    assert "target" not in out and "title" not in render('[x](https://x.dk "titel")')


def test_only_web_and_mail_links_are_made() -> None:
    for body in ("[x](/meetings/1)", "[x](#top)", "[x](ftp://x.dk/f)", "[x](file:///etc/passwd)"):
        assert "<a" not in render(body), body


def test_bare_urls_stay_text_without_linkify() -> None:
    assert render("Se https://example.dk") == "<p>Se https://example.dk</p>\n"


def test_code_is_escaped() -> None:
    out = render("```python\nif a < b and c > d: print('<b>&amp;')\n```\n\nog `<i>`")
    assert "<pre><code>if a &lt; b and c &gt; d: print('&lt;b&gt;&amp;amp;')\n</code></pre>" in out
    assert "<code>&lt;i&gt;</code>" in out
    assert "class=" not in out


def test_headings_go_two_levels_down() -> None:
    out = render("# Et\n## To\n### Tre\n#### Fire\n##### Fem\n###### Seks")
    assert out.split("\n")[:6] == [
        "<h3>Et</h3>",
        "<h4>To</h4>",
        "<h5>Tre</h5>",
        "<h6>Fire</h6>",
        "<h6>Fem</h6>",
        "<h6>Seks</h6>",
    ]


def test_images_become_links_and_never_load() -> None:
    out = render("![Kælderen *efter* regnen](https://example.dk/k.jpg) ![](https://example.dk/t.gif)")
    assert "<img" not in out
    assert (
        '<a href="https://example.dk/k.jpg" rel="nofollow ugc noopener">Kælderen <em>efter</em> regnen</a>'
    ) in out
    assert (
        '<a href="https://example.dk/t.gif" rel="nofollow ugc noopener">https://example.dk/t.gif</a>' in out
    )
    linked = render("[![logo](https://example.dk/logo.png)](https://example.dk)")
    assert linked == '<p><a href="https://example.dk" rel="nofollow ugc noopener">logo</a></p>\n'


def test_tables_quotes_rules_and_line_breaks() -> None:
    out = render("| Dag | Tid |\n|:--|--:|\n| Tirsdag | 9–12 |\n\n> citat\n\n---\n\nlinje et\nlinje to")
    assert "<th>Dag</th>" in out and "<td>9–12</td>" in out and "style" not in out
    assert "<blockquote>\n<p>citat</p>\n</blockquote>" in out and "<hr>" in out
    assert "<p>linje et<br>\nlinje to</p>" in out


def test_unicode_is_kept() -> None:
    text = "Søren Ødegård, Ayşe Şahin og Nguyễn Thị Ánh: “æøå ÆØÅ” 🙂 &copy;"
    assert render(text) == "<p>Søren Ødegård, Ayşe Şahin og Nguyễn Thị Ánh: “æøå ÆØÅ” 🙂 ©</p>\n"


def _long_post() -> str:
    paragraph = (
        "## Vandet lukkes\n\nVi **lukker** vandet *tirsdag* kl. 9–12 i blok Ø. "
        "Se [varslet](https://example.dk/v) og skriv til @Søren Ødegård. `kode` og ~~gammelt~~.\n\n"
        "- punkt et\n- punkt to\n\n> citat\n\n"
    )
    return (paragraph * (MAX_BODY // len(paragraph) + 1))[:MAX_BODY]


@pytest.mark.parametrize(
    "body",
    [
        _long_post(),
        "a " * (MAX_BODY // 2),
        "[" * MAX_BODY,
        "*a" * (MAX_BODY // 2),
        "_" * MAX_BODY,
        ">" * MAX_BODY,
        "![a](" * (MAX_BODY // 5),
        "[a](<" * (MAX_BODY // 5),
        "<" * MAX_BODY,
        "&#" * (MAX_BODY // 2),
        "*" * (MAX_BODY // 2) + "a" + "*" * (MAX_BODY // 2 - 1),
        "<script>" * (MAX_BODY // 8),
    ],
    ids=lambda body: repr(body[:12]),
)
def test_a_post_of_the_largest_size_renders_in_reasonable_time(body: str) -> None:
    assert len(body) <= MAX_BODY
    start = time.perf_counter()
    out = render(body)
    plain(body)
    find_mentions(body, {1: "Søren Ødegård", 2: "Anne Jensen"})
    assert time.perf_counter() - start < 3.0
    assert_harmless(out)


def test_the_long_post_keeps_its_text() -> None:
    out = render(_long_post())
    assert out.count("<h4>Vandet lukkes</h4>") > 50 and "blok Ø" in out


# --- the text as written -------------------------------------------------------------------


def test_check_body() -> None:
    assert check_body("Hej\r\nmed dig  \r\n\r\n") == "Hej\nmed dig"
    assert check_body("x" * MAX_BODY) == "x" * MAX_BODY
    for empty in ("", "  \n\t "):
        with pytest.raises(ValidationFailed) as caught:
            check_body(empty)
        assert caught.value.status == 422 and "body" in caught.value.fields
    for long in ("x" * (MAX_BODY + 1), "y" * 100_000):
        with pytest.raises(ValidationFailed) as caught:
            check_body(long)
        assert "20.000" in caught.value.message


# --- plain text ----------------------------------------------------------------------------


def test_plain_drops_the_markup() -> None:
    body = "# Vandet\n\n**Lukkes** *tirsdag*  [læs mere](https://example.dk) ![kort](https://x.dk/k.png)\n\n`kode`"
    assert plain(body) == "Vandet Lukkes tirsdag læs mere kort kode"
    assert plain("Hej &amp; farvel\n\n\n  med   mellemrum") == "Hej & farvel med mellemrum"
    assert plain("- en\n- to\n\n> citat\n\n```\nblok\n```") == "en to citat blok"


def test_plain_is_cut_at_a_word_boundary() -> None:
    body = "Vandet lukkes tirsdag fra klokken ni til tolv på grund af reparation i kælderen"
    assert plain(body) == body
    assert plain(body, limit=len(body)) == body
    cut = plain(body, limit=30)
    assert cut == "Vandet lukkes tirsdag fra…" and len(cut) <= 30
    assert plain(body, limit=27) == "Vandet lukkes tirsdag fra…"  # "fra" ends exactly at the cut
    assert plain("Søren, Ødegård og Åse kom " * 40).endswith("…")
    assert len(plain("Søren, Ødegård og Åse kom " * 40)) <= 300
    assert plain("x" * 400, limit=10) == "x" * 9 + "…"  # one long word is cut inside


# --- mentions ------------------------------------------------------------------------------

MEMBERS = {
    1: "Søren Ødegård",
    2: "Søren Ødegård Madsen",
    3: "Ayşe Şahin",
    4: "Nguyễn Thị Ánh",
    5: "Anne Jensen",
    6: "Anne Hansen",
    7: "Mette Kjær",
    8: "Ali",
    9: "Ali Hassan",
}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Hej @Søren Ødegård, kan du se på det?", {1}),
        ("@søren ødegård", {1}),
        ("@SØREN ØDEGÅRD", {1}),
        ("@Søren Ødegård Madsen har nøglen", {2}),  # the longest match wins
        ("@Søren", set()),  # two Sørens
        ("@Anne", set()),  # two Annes
        ("@Anne Hansen og @anne jensen", {5, 6}),
        ("@Mette, vil du?", {7}),  # the only Mette
        ("@mette kjær", {7}),
        ("@Mettes forslag", set()),  # not a whole name
        ("@Ayşe Şahin", {3}),
        ("@ayşe", {3}),
        ("@Nguyễn Thị Ánh", {4}),
        ("@nguyễn", {4}),
        ("@Nguye\u0302\u0303n Thi\u0323 A\u0301nh", {4}),  # written decomposed (NFD)
        ("@Ali", {8}),  # a full name wins over another member's first name
        ("@Ali Hassan", {9}),
        ("skriv til mette@example.dk", set()),
        ("a@b.dk", set()),
        ("<mette@example.dk>", set()),
        ("skriv til info@mette.dk eller post@Ali-byg.dk", set()),  # the domain is a name: still no mention
        ("<kontakt@ali.dk>", set()),
        ("`@Mette`", set()),
        ("```\n@Mette\n```", set()),
        ("    @Mette in an indented code block", set()),
        ("(@Mette) og “@Ali”", {7, 8}),
        ("**@Mette** og [@Ali](https://example.dk)", {7, 8}),
        ("@Søren\nØdegård", {1}),
        ("@Søren\n\nØdegård", set()),  # not across paragraphs
        ("Ingen nævnt", set()),
        ("@", set()),
    ],
)
def test_find_mentions(body: str, expected: set[int]) -> None:
    assert find_mentions(body, MEMBERS) == expected


def test_mentions_with_no_members_or_empty_names() -> None:
    assert find_mentions("@Mette", {}) == set()
    assert find_mentions("@ hej", {1: "", 2: "  "}) == set()


def test_members_with_the_same_name_are_all_mentioned() -> None:
    assert find_mentions("@Anne Jensen", {1: "Anne Jensen", 2: "Anne  Jensen"}) == {1, 2}
