"""SPARQL results written from pyoxigraph terms: JSON, XML, CSV and TSV, plus RDF graphs."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from llm_atlas import errors, formats
from llm_atlas.formats import Format

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
ITS = "http://www.w3.org/2005/11/its"  # its:dir, an RDF 1.2 literal's base direction
# Oxigraph's writers that take prefixes (the others have no syntax for them)
PREFIXED = (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML)


def too_large(limit: int) -> errors.ResultTooLarge:
    """The error for a result with more rows than the configured limit (one class on every store,
    so the web layer's table maps it to 400 whichever store raised it)."""
    return errors.ResultTooLarge(f"the result has more than {limit} rows, the limit of this "
                                 "endpoint; add LIMIT and OFFSET to page through it")


def encode_result(result, solution_format: Format | str, graph_format: Format | str,
                  max_rows: int) -> tuple[str, bytes]:
    """A pyoxigraph result as (kind, body) in our formats; past max_rows it is refused, not cut."""
    if isinstance(result, ox.QueryBoolean):
        return "boolean", write_boolean(bool(result), solution_format)
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows: list[list[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None]] = []
        for solution in result:
            if len(rows) >= max_rows:
                raise too_large(max_rows)
            rows.append([solution[v] for v in variables])
        return "solutions", write_solutions(variables, rows, solution_format)
    triples: list[ox.Triple] = []
    for triple in result:
        if len(triples) >= max_rows:
            raise too_large(max_rows)
        triples.append(triple)
    return "graph", write_graph(triples, graph_format)


class _BoundedSink:
    """Bytes that Oxigraph's writer hands over, up to a bound (then it is stopped)."""

    def __init__(self, bound: int):
        self.bound, self.size = bound, 0
        self.parts: list[bytes] = []

    def write(self, chunk) -> int:
        self.size += len(chunk)
        if self.size > self.bound:  # the answer may have more rows than the limit: stop Oxigraph
            raise OverflowError("the answer is longer than the bound")
        self.parts.append(bytes(chunk))
        return len(chunk)

    def flush(self) -> None:
        pass


# A row of SPARQL JSON results takes at least 3 bytes (`{},`): a body of at most 3 * max_rows - 1
# bytes has at most max_rows rows, whatever they hold.
_LEAST_JSON_ROW = 3


def written_by_engine(solution_format: Format | str) -> bool:
    """Whether Oxigraph's own writer writes this solutions format: SPARQL JSON, whose output
    equals ours term for term (base directions and triple terms included); the other formats
    keep our writers for their fidelity fixes (XML's forbidden characters, TSV's triple terms)."""
    return formats.resolve(solution_format).oxigraph == ox.QueryResultsFormat.JSON


def solutions_in_engine(result, max_rows: int) -> bytes | None:
    """SELECT solutions as SPARQL JSON written by Oxigraph in Rust, when the body shows they are
    surely within the row limit; None once it may not be (the solutions are then spent, and the
    caller evaluates the query again and counts row by row)."""
    sink = _BoundedSink(_LEAST_JSON_ROW * max_rows - 1)
    try:
        result.serialize(sink, format=ox.QueryResultsFormat.JSON)
    except OverflowError:
        return None
    return b"".join(sink.parts)


def _json_term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
            if term.direction:
                out["its:dir"] = term.direction.value
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": {
        "subject": _json_term(term.subject), "predicate": _json_term(term.predicate),
        "object": _json_term(term.object)}}


# Characters XML 1.0 cannot carry at all, not even as a character reference.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def refuse_if_not_xml(text: str, what: str = "XML") -> None:
    """Raise ResultNotRepresentable when the text holds a character XML 1.0 cannot carry."""
    found = _NOT_XML.search(text)
    if found:
        raise errors.ResultNotRepresentable(
            f"the result holds the character U+{ord(found.group()):04X}, which {what} (XML 1.0) "
            "cannot carry; ask for it as application/sparql-results+json (or CSV, TSV; "
            "N-Triples or Turtle for CONSTRUCT and DESCRIBE)")


def _xml_text(text: str) -> str:
    """Element content that an XML parser gives back exactly: a raw CR would come back as LF."""
    refuse_if_not_xml(text, "SPARQL results XML")
    return escape(text, {"\r": "&#13;"})


def _xml_attribute(text: str) -> str:
    refuse_if_not_xml(text, "SPARQL results XML")
    return quoteattr(text)  # (writes TAB, LF and CR as references, as attributes need)


def _xml_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{_xml_text(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{_xml_text(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            language = _xml_attribute(term.language)
            direction = (f" its:dir={_xml_attribute(term.direction.value)} xmlns:its=\"{ITS}\" "
                         'its:version="2.0"' if term.direction else "")
            return f"<literal xml:lang={language}{direction}>{_xml_text(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            datatype = _xml_attribute(term.datatype.value)
            return f"<literal datatype={datatype}>{_xml_text(term.value)}</literal>"
        return f"<literal>{_xml_text(term.value)}</literal>"
    return (f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>"
            f"{_xml_term(term.predicate)}</predicate><object>{_xml_term(term.object)}</object></triple>")


def _csv_field(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        value = "_:" + term.value
    elif isinstance(term, (ox.NamedNode, ox.Literal)):
        value = term.value
    else:
        value = str(term)
    if any(c in value for c in ',"\r\n'):
        value = '"' + value.replace('"', '""') + '"'
    return value


def _tsv_term(term) -> str:
    # pyoxigraph's str() of a term is its N-Triples / Turtle form, which TSV results use; its
    # str() of a triple has no `<<( )>>`, which a triple term needs to be read as one term
    if isinstance(term, ox.Triple):
        parts = (term.subject, term.predicate, term.object)
        return "<<( " + " ".join(_tsv_term(t) for t in parts) + " )>>"
    return str(term)


def _tsv_field(term) -> str:
    return "" if term is None else _tsv_term(term).replace("\t", "\\t")


def _json_solutions(variables: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    bindings = [{v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None}
                for row in rows]
    return json.dumps({"head": {"vars": list(variables)}, "results": {"bindings": bindings}},
                      ensure_ascii=False).encode()


def _xml_solutions(variables: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    out = io.StringIO()
    out.write('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
              "<head>")
    out.writelines(f"<variable name={_xml_attribute(v)}/>" for v in variables)
    out.write("</head><results>")
    for row in rows:
        out.write("<result>")
        out.writelines(f"<binding name={_xml_attribute(v)}>{_xml_term(t)}</binding>"
                       for v, t in zip(variables, row, strict=True) if t is not None)
        out.write("</result>")
    out.write("</results></sparql>\n")
    return out.getvalue().encode()


def _csv_solutions(variables: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    out = io.StringIO()
    out.write(",".join(variables) + "\r\n")
    for row in rows:
        out.write(",".join(_csv_field(t) for t in row) + "\r\n")
    return out.getvalue().encode()


def _tsv_solutions(variables: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    out = io.StringIO()
    out.write("\t".join("?" + v for v in variables) + "\n")
    for row in rows:
        out.write("\t".join(_tsv_field(t) for t in row) + "\n")
    return out.getvalue().encode()


def _xml_boolean(value: bool) -> bytes:
    return ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n").encode()


def _text_boolean(value: bool) -> bytes:
    return b"true\n" if value else b"false\n"


# Our own writers, by the library's format a result format is a kind of: Oxigraph's would do,
# but these keep what its writers lose (a CR in XML, a character XML cannot carry).
_SOLUTION_WRITERS = {ox.QueryResultsFormat.JSON: _json_solutions,
                     ox.QueryResultsFormat.XML: _xml_solutions,
                     ox.QueryResultsFormat.CSV: _csv_solutions,
                     ox.QueryResultsFormat.TSV: _tsv_solutions}
_BOOLEAN_WRITERS = {ox.QueryResultsFormat.JSON: lambda v: json.dumps(
                        {"head": {}, "boolean": v}).encode(),
                    ox.QueryResultsFormat.XML: _xml_boolean,
                    ox.QueryResultsFormat.CSV: _text_boolean,
                    ox.QueryResultsFormat.TSV: _text_boolean}


def _writer(table: dict, fmt: Format | str, what: str):
    """The writer for a results format, by its Oxigraph format; ValueError when it has none."""
    try:
        found = formats.resolve(fmt)
    except KeyError:
        found = None
    writer = table.get(found.oxigraph) if found and found.kind == formats.SOLUTIONS else None
    if writer is None:
        raise ValueError(f"unknown {what} format {getattr(found, 'name', fmt)!r}")
    return writer


def write_solutions(variables: Sequence[str], rows: Iterable[Sequence],
                    fmt: Format | str) -> bytes:
    """Serialize SELECT solutions; rows hold a term or None per variable."""
    return _writer(_SOLUTION_WRITERS, fmt, "solution")(variables, rows)


def write_boolean(value: bool, fmt: Format | str) -> bytes:
    """Serialize an ASK answer."""
    return _writer(_BOOLEAN_WRITERS, fmt, "boolean")(value)


def write_graph(triples: Iterable, fmt: Format | str,
                prefixes: dict[str, str] | None = None) -> bytes:
    """Serialize triples (or quads, for TriG/N-Quads) with pyoxigraph's own writers."""
    rdf_format = formats.resolve(fmt).oxigraph
    if not isinstance(rdf_format, ox.RdfFormat):
        raise ValueError(f"{formats.resolve(fmt).name!r} is not an RDF format")
    body = ox.serialize(triples, format=rdf_format,
                        prefixes=prefixes if prefixes and rdf_format in PREFIXED else None) or b""
    if rdf_format == ox.RdfFormat.RDF_XML:
        # Oxigraph's RDF/XML writer copies literals as they are: the same two faults as above.
        # Its own markup uses no CR, so every CR is a literal's and becomes a reference.
        refuse_if_not_xml(body.decode(), "RDF/XML")
        body = body.replace(b"\r", b"&#13;")
    return body
