"""Reading the service's HTML pages in tests: text by element id, links with their context."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


@dataclass
class Anchor:
    href: str
    text: str
    within: set[str]  # ids of the elements around it
    inferred: bool  # inside an element of class "inferred"


@dataclass
class Page(HTMLParser):
    """A parsed page: `text[id]`, `anchors`, and every external asset reference."""

    text: dict[str, str] = field(default_factory=dict)
    anchors: list[Anchor] = field(default_factory=list)
    assets: list[str] = field(default_factory=list)

    def __post_init__(self):
        super().__init__()
        self._stack: list[tuple[str, dict]] = []
        self._anchor: Anchor | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "data"):
            if attrs.get(name):
                self.assets.append(attrs[name])
        if tag == "link" and attrs.get("href"):
            self.assets.append(attrs["href"])
        if tag in VOID:
            return
        self._stack.append((tag, attrs))
        if "id" in attrs:
            self.text.setdefault(attrs["id"], "")
        if tag == "a":
            self._anchor = Anchor(attrs.get("href", ""), "", self._ids(),
                                  any("inferred" in (a.get("class") or "").split()
                                      for _, a in self._stack))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        while self._stack:
            open_tag, _ = self._stack.pop()
            if open_tag == tag:
                break
        if tag == "a" and self._anchor is not None:
            self._anchor.text = self._anchor.text.strip()
            self.anchors.append(self._anchor)
            self._anchor = None

    def handle_data(self, data):
        for ident in self._ids():
            self.text[ident] += data
        if self._anchor is not None:
            self._anchor.text += data

    def _ids(self) -> set[str]:
        return {a["id"] for _, a in self._stack if "id" in a}

    def links(self, within: str | None = None, inferred: bool | None = None) -> set[str]:
        """The hrefs of the links inside an element (and marked inferred or not, if given)."""
        return {a.href for a in self.anchors
                if (within is None or within in a.within)
                and (inferred is None or a.inferred == inferred)}

    def clean(self, ident: str) -> str:
        return " ".join(self.text.get(ident, "").split())


def parse_page(body: bytes) -> Page:
    page = Page()
    page.feed(body.decode("utf-8"))
    page.close()
    return page
