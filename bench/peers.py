"""The rdflib peers and the Flask floor, each a server process:
`python -m bench.peers KIND DATA --port N`.

- `rdflib-endpoint`: the PyPI package's SparqlEndpoint (FastAPI) under uvicorn;
- `flask`: a plain rdflib Dataset behind a minimal Flask `/sparql` (GET, JSON results) under
  Granian, the HTTP server ours runs under (so the two differ in their store, not their server);
- `floor`: the same Flask and Granian answering every GET /sparql with one constant body; it reads
  no data and evaluates nothing, so its throughput is the ceiling of any Flask service here.

Both parse the same N-Quads file into an rdflib Dataset whose default graph is the union of its
graphs, as ours and Oxigraph's server (`--union-default-graph`) answer. rdflib's SPARQL engine
fetches FROM, SERVICE and LOAD targets, so the benchmark queries carry none (bench/workload.py)
and, to be sure, these processes refuse every outbound connection (an audit hook) and rdflib's
FROM loading is switched off. rdflib is not safe under concurrent queries: rdflib-endpoint runs
its handler on the event loop (one query at a time); the Flask peer takes a lock per query.
The process prints one line `loaded N` once the data is in, then serves on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import sys
import threading

HOST = "127.0.0.1"


def refuse_outbound(event: str, args: tuple) -> None:
    """Audit hook: no socket of this process may connect anywhere, no URL may be opened."""
    if event in ("socket.connect", "urllib.Request"):
        raise PermissionError(f"bench peer: outbound access refused ({event} {args[1:]!r})")


def load(data: str):
    """The file as an rdflib Dataset with the union of its graphs as default graph."""
    import rdflib
    import rdflib.plugins.sparql

    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False
    dataset = rdflib.Dataset(default_union=True)
    dataset.parse(data, format="nquads")
    return dataset


def flask_app(dataset):
    """A minimal SPARQL endpoint: GET /sparql?query=... -> SPARQL JSON results."""
    from flask import Flask, Response, request
    from pyparsing import ParseException

    app = Flask("bench-flask-rdflib")
    lock = threading.Lock()

    @app.get("/sparql")
    def sparql() -> Response:
        text = request.args.get("query")
        if not text:
            return Response("send a SPARQL query as ?query=\n", 400, mimetype="text/plain")
        try:
            with lock:
                body = dataset.query(text).serialize(format="json")
        except ParseException as exc:
            return Response(f"query syntax: {exc}\n", 400, mimetype="text/plain")
        return Response(body, mimetype="application/sparql-results+json")

    return app


# the floor's one answer: a SPARQL JSON result of one row, about the size of a lookup's
FLOOR_BODY = (b'{"head":{"vars":["p","o"]},"results":{"bindings":[{"p":{"type":"uri","value":'
              b'"http://www.w3.org/2000/01/rdf-schema#label"},"o":{"type":"literal","value":'
              b'"floor"}}]}}')


def floor_app():
    """Flask with one route and nothing behind it."""
    from flask import Flask, Response

    app = Flask("bench-flask-floor")

    @app.get("/sparql")
    def sparql() -> Response:
        return Response(FLOOR_BODY, mimetype="application/sparql-results+json")

    return app


def _granian(name: str, port: int, loader) -> None:
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces

    # one worker and 16 blocking threads, as `llm-atlas serve` runs
    server = Granian(name, address=HOST, port=port, interface=Interfaces.WSGI,
                     blocking_threads=16, http=HTTPModes.http1, log_level="warning")
    server.serve(target_loader=loader, wrap_loader=False)


def serve_flask(dataset, port: int) -> None:
    # Granian's worker is forked from this process, so it starts with the dataset loaded
    _granian("bench-flask", port, lambda: flask_app(dataset))


def serve_floor(_dataset, port: int) -> None:
    _granian("bench-floor", port, floor_app)


def serve_rdflib_endpoint(dataset, port: int) -> None:
    import uvicorn
    from rdflib_endpoint import SparqlEndpoint

    app = SparqlEndpoint(graph=dataset, path="/sparql", cors_enabled=False)
    uvicorn.run(app, host=HOST, port=port, log_level="warning", access_log=False)


SERVERS = {"rdflib-endpoint": serve_rdflib_endpoint, "flask": serve_flask, "floor": serve_floor}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.peers")
    parser.add_argument("kind", choices=sorted(SERVERS))
    parser.add_argument("data", help="an N-Quads file")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    sys.addaudithook(refuse_outbound)
    dataset = None if args.kind == "floor" else load(args.data)
    print(f"loaded {0 if dataset is None else len(dataset)}", flush=True)
    SERVERS[args.kind](dataset, args.port)


if __name__ == "__main__":
    main()
