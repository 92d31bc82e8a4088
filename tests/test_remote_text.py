"""Update texts for remote engines: batches small enough for Virtuoso's SQL compiler."""

import pyoxigraph as ox

from llm_atlas.store.remote.text import BNODE_BATCH, PLAIN_BATCH, insert_operations


def plain(n: int) -> list:
    return [ox.Triple(ox.NamedNode(f"http://example.org/s{i}"), ox.NamedNode("http://example.org/p"),
                      ox.Literal(str(i))) for i in range(n)]


def test_plain_triples_go_in_insert_data_of_at_most_the_plain_batch():
    ops = insert_operations("http://example.org/g", plain(2 * PLAIN_BATCH + 1), batch=5000)
    assert [op.startswith("INSERT DATA") for op in ops] == [True, True, True]
    assert [op.count(" .") for op in ops] == [PLAIN_BATCH, PLAIN_BATCH, 1]


def test_blank_node_groups_stay_whole_in_insert_templates():
    axiom = ox.BlankNode()
    group = [ox.Triple(axiom, ox.NamedNode("http://example.org/p"), ox.Literal(str(i)))
             for i in range(3)]
    ops = insert_operations(None, plain(10) + group * 1, batch=BNODE_BATCH)
    assert ops[0].startswith("INSERT DATA") and ops[1].startswith("INSERT {")
    assert ops[1].count(" .") == 3
