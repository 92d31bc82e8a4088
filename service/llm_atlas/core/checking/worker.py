"""The checker process: parses, validates and reasons over clients' documents, without network.

`checker.CheckerPool` starts it as
`python -m llm_atlas.core.checking.worker READ_FD WRITE_FD [SOURCES]` in its own process
group. It takes the network away from itself first (`sandbox.deny_network`, which HermiT's JVM
inherits), parses the annotation shapes once, and then answers jobs one at a time
over two pipes until the server closes them. Jobs come in as pickles from the server (trusted);
answers go back as JSON, so the server never unpickles what a process that read hostile input
wrote. The server kills the whole group when a job passes its deadline.
"""

from __future__ import annotations

import json
import sys
from multiprocessing.connection import Connection

from rdflib import Graph

from llm_atlas.core.checking.context import shacl_in_context
from llm_atlas.core.checking.sandbox import deny_network, network_denied
from llm_atlas.core.knowledge.rdfio import parse_data
from llm_atlas.core.knowledge.rdfsafety import Limits, refuse_schema_triples
from llm_atlas.core.knowledge.sources import find_sources
from llm_atlas.errors import (
    AtlasError,
    CheckerFault,
    InputTooLarge,
    RDFSyntaxError,
    ReasonerUnavailable,
    SandboxUnavailable,
    SchemaTriple,
    UnsafeInput,
    UnsupportedFormat,
)

# exception class -> the name the server raises it again by (checker.ERRORS)
KINDS = [(SchemaTriple, "SchemaTriple"), (UnsafeInput, "UnsafeInput"),
         (InputTooLarge, "InputTooLarge"), (UnsupportedFormat, "UnsupportedFormat"),
         (ReasonerUnavailable, "ReasonerUnavailable"), (RDFSyntaxError, "RDFSyntaxError")]


def _nt(graph: Graph) -> str:
    return graph.serialize(format="nt", encoding="utf-8").decode("utf-8")


class Worker:
    """The state a checker keeps between jobs: the shapes, and the ontology it last saw."""

    def __init__(self, sources: str | None):
        self.shapes = find_sources(sources).annotation_shapes()
        self.ontology_digest: str | None = None
        self.ontology = Graph()

    def parse(self, data: bytes, syntax: str, name: str, base_iri: str | None,
              limits: tuple) -> dict:
        """A client's document as N-Triples: bounded, nothing fetched, no schema triples."""
        graph = parse_data(data, syntax, source_name=name, limits=Limits(*limits),
                           base_iri=base_iri)
        refuse_schema_triples(graph, name)
        return {"graph": _nt(graph), "triples": len(graph)}

    def validate(self, data_nt: bytes, context_nt: bytes, digest: str,
                 ontology_nt: bytes | None) -> dict:
        """The SHACL report on a document with its stored context, about its own nodes."""
        if digest != self.ontology_digest:
            if ontology_nt is None:
                raise CheckerFault("the server sent no ontology to a checker that lacks it")
            self.ontology = parse_data(ontology_nt, "nt", source_name="the stored ontology")
            self.ontology_digest = digest
        data = parse_data(data_nt, "nt", source_name="the document")
        context = parse_data(context_nt, "nt", source_name="the stored context")
        report = shacl_in_context(data, context, self.shapes, self.ontology)
        return {"results": [r.as_dict() for r in report.results], "report": _nt(report.graph)}

    def consistent(self, graph_nt: bytes) -> dict:
        """HermiT's verdict on ontology plus triples (sent whole: one run is a new JVM anyway)."""
        from llm_atlas.core.checking.reasoning import reason

        return {"consistent": reason(parse_data(graph_nt, "nt")).consistent}


def _answer(worker: Worker, job: tuple) -> dict:
    operation, args = job[0], job[1:]
    try:
        return getattr(worker, operation)(*args)
    except RecursionError:
        return {"error": "RDFSyntaxError",
                "message": "the document nests too deeply to be checked (a chain of nodes or "
                           "lists thousands deep); flatten it"}
    except AtlasError as exc:
        kind = next((name for cls, name in KINDS if isinstance(exc, cls)), "CheckerFault")
        return {"error": kind, "message": str(exc)}
    except Exception as exc:  # noqa: BLE001 -- reported to the server, which logs it as a fault
        return {"error": "CheckerFault", "message": f"{type(exc).__name__}: {exc}"}


def _seal() -> None:
    try:
        deny_network()
    except SandboxUnavailable as exc:
        print(f"warning: the checker keeps network access ({exc}); only the parsers' own "
              "guards now stop a document from making this host fetch remote URLs",
              file=sys.stderr)
        return
    if not network_denied():
        print("warning: the checker's network filter is in place but a socket still opened",
              file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Serve jobs over the two pipes named on the command line until they close."""
    argv = sys.argv[1:] if argv is None else argv
    jobs = Connection(int(argv[0]), writable=False)
    answers = Connection(int(argv[1]), readable=False)
    _seal()  # before anything from a client is read
    try:
        worker = Worker(argv[2] if len(argv) > 2 else None)
        answers.send_bytes(json.dumps({"ready": True}).encode())
        while True:
            job = jobs.recv()
            answers.send_bytes(json.dumps(_answer(worker, job)).encode())
    except (EOFError, OSError):
        return 0  # the server closed our pipes: it is gone or replacing us


if __name__ == "__main__":
    sys.exit(main())
