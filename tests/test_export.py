"""`llm-atlas export`: the static copy equals what the service serves; the w3id rules negotiate."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from live import request
from llm_atlas.web import negotiation as neg
from llm_atlas.web.export import file_for
from test_iri_negotiation import CHROME, FIREFOX, JENA, OWL_API, RDFLIB, SAFARI
from test_iris import TERMS, path_of

SITE = "https://atlas.example.org"
PARSERS = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml", "nt": "nt"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export")
    done = subprocess.run([sys.executable, "-m", "llm_atlas", "export", "--memory", "--out",
                           str(out), "--site-url", SITE], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    assert re.search(r"^wrote \d+ files to ", done.stdout, re.M)
    return out


def url_of(relative: str) -> str:
    """The service URL a file of the copy was fetched from."""
    if relative == "index.html":
        return "/"
    if relative.endswith(".html") and "/" not in relative:
        return "/" + relative[:-5]  # pages of other areas (/matrix)
    return "/" + relative


def test_every_term_has_its_page_and_documents(exported):
    site = exported / "site"
    missing = [f"{path_of(str(t))}.{f.extension}" for t in TERMS for f in neg.documents()
               if not (site / file_for(f"{path_of(str(t))}.{f.extension}")).is_file()]
    assert missing == []
    assert (site / "index.html").is_file() and (site / "ontology.ttl").is_file()


def test_the_copy_equals_what_the_service_serves(exported, server):
    site = exported / "site"
    files = sorted(p for p in site.rglob("*") if p.is_file() and p.name != ".htaccess")
    assert len(files) > 2000
    differences = []
    # every page, script, style sheet and document outside resource/; of the resources' files
    # (15,000-odd, each RDF one fetched and parsed twice) every seventeenth, which with files
    # sorted by path and five files to a resource reaches every format of every kind of resource
    for n, path in enumerate(files):
        relative = path.relative_to(site).as_posix()
        if relative.startswith("resource/") and n % 17:
            continue
        reply = request(server.url + url_of(relative), headers={"Accept": "text/html"})
        extension = relative.rsplit(".", 1)[-1]
        if reply.status != 200:
            differences.append((relative, reply.status))
        elif extension in ("html", "css", "js"):
            if reply.body != path.read_bytes():
                differences.append((relative, "page differs"))
        else:
            served = Graph().parse(data=reply.body, format=PARSERS[extension])
            copied = Graph().parse(path, format=PARSERS[extension])
            if len(copied) == 0 or not isomorphic(served, copied):
                differences.append((relative, "graph differs"))
    assert differences == []


def test_the_site_rules_give_each_extension_its_media_type(exported):
    rules = (exported / "site" / ".htaccess").read_text()
    for fmt in neg.documents():
        assert f"AddType {fmt.media_type} .{fmt.extension}" in rules


def test_the_copy_has_the_pages_assets_and_the_services_safety_headers(exported):
    site = exported / "site"
    page = (site / "ontology" / "MoralHazard.html").read_text()
    assets = re.findall(r'(?:src|href)="/(static/[^"]+)"', page)
    assert sorted(assets) == ["static/atlas.css", "static/copy-iri.js", "static/iri.css"]
    assert all((site / asset).is_file() for asset in assets)
    rules = (site / ".htaccess").read_text()
    assert ('Header always set Content-Security-Policy "default-src \'self\'; script-src '
            "'self'; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors "
            "'none'; form-action 'self'\"") in rules
    assert 'Header always set X-Content-Type-Options "nosniff"' in rules


def apply_rules(rules: str, path: str, accept: str) -> tuple[int, str]:
    """What Apache's mod_rewrite does with these rules for a path and an Accept header
    (enough of it for our rules: conditions on the Accept header, R=code and L flags)."""
    conditions: list[str] = []
    for line in rules.splitlines():
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if words[0] == "RewriteCond":
            assert words[1] == "%{HTTP_ACCEPT}"
            conditions.append(words[2])
        elif words[0] == "RewriteRule":
            pattern, target, flags = words[1:4]
            match = re.search(pattern, path)
            holds = all(bool(re.search(c.lstrip("!"), accept)) != c.startswith("!")
                        for c in conditions)
            conditions = []
            if match and holds:
                status = int(re.search(r"R=(\d+)", flags).group(1))
                return status, match.expand(re.sub(r"\$(\d)", r"\\\1", target))
    return 404, ""


@pytest.mark.parametrize("accept", [FIREFOX, CHROME, SAFARI, "*/*", RDFLIB, OWL_API, JENA,
                                    "text/turtle", "application/ld+json",
                                    "application/rdf+xml", "application/n-triples", "text/plain",
                                    "text/plain, */*;q=0.1"])
def test_the_w3id_rules_negotiate_like_the_service(exported, accept):
    rules = (exported / "w3id.org" / "llm-atlas" / ".htaccess").read_text()
    expected = neg.choose(neg.documents(), accept).extension
    for path in ("ontology/MoralHazard", "resource/paper/mitchell-2019-model-cards",
                 "ontology/0.1.0"):
        status, target = apply_rules(rules, path, accept)
        assert (status, target) == (303, f"{SITE}/{path}.{expected}")
        assert (exported / "site" / target[len(SITE) + 1:]).is_file()
    assert apply_rules(rules, "ontology/", accept) == (303, f"{SITE}/ontology.{expected}")


def test_the_w3id_rules_send_documents_and_the_root_where_they_are(exported):
    rules = (exported / "w3id.org" / "llm-atlas" / ".htaccess").read_text()
    assert apply_rules(rules, "ontology/MoralHazard.jsonld", FIREFOX) == (
        302, f"{SITE}/ontology/MoralHazard.jsonld")
    assert apply_rules(rules, "", "*/*") == (302, f"{SITE}/")


def test_pages_exported_for_a_site_under_a_path_link_under_it(tmp_path, monkeypatch):
    from llm_atlas.config import Settings
    from llm_atlas.web import export
    from llm_atlas.web.app import create_app
    from llm_atlas.web.export import export_site

    # the documents of a few terms (the module's export writes all 15,000-odd files already;
    # a second full one took six minutes and tests nothing more about the path)
    every = export.document_urls
    monkeypatch.setattr(export, "document_urls",
                        lambda app: [u for u in every(app) if u.startswith(("/ontology/S",
                                                                            "/ontology/M"))])

    app = create_app(Settings(memory=True))
    try:
        client = app.test_client()
        page = client.get("/ontology/MoralHazard.html", base_url="http://localhost/kg/")
        assert page.status_code == 200
        hrefs = re.findall(r'href="([^"]+)"', page.get_data(as_text=True))
        own = [h for h in hrefs if h.startswith("/")]
        assert own and all(h.startswith("/kg/") for h in own)
        report = export_site(app, tmp_path, "https://example.org/kg/")
        assert report.failed == [] and report.files > 50
        assert 'href="/kg/ontology/Signaling"' in (tmp_path / "site" / "index.html").read_text()
        moral_hazard = (tmp_path / "site" / file_for("/ontology/MoralHazard.html")).read_text()
        links = re.findall(r'href="(/[^"]*)"', moral_hazard)
        assert links and all(h.startswith("/kg/") for h in links)
    finally:
        app.extensions["llm_atlas"].store.close()
