"""AIF (Argument Interchange Format) JSON: a zip with one argument graph `<name>.json` per document.

Each file has AIFdb's shape, `{"nodes", "edges", "locutions", "participants"}`, plus a
`stancemark` object (document id, external id, content hash, title, stance). The spans of the
`argument` layer become I-nodes (their text, with `start`, `end`, `label` and `step` kept beside).
A relation head → tail becomes an S-node between them: `supports` an RA-node ("Default
Inference"), `attacks` a CA-node ("Default Conflict"), `leads-to` an RA-node ("Default
Inference", `scheme` "leads-to": a step of reasoning from head to tail). `attributed-to` from an
argument span to a span of another layer (a source) becomes an L-node ("source: text") anchored
to the I-node by a YA-node ("Asserting"). Every S-node keeps the Stancemark label in `label`.
Relations that fit none of these (an end outside the argument layer) are reported and left out.
"""

import json
import zipfile
from typing import IO, Any

from django.utils import timezone

from annotator.exporters.base import (
    ExportOptions,
    ExportReport,
    file_stem,
    gold_records,
    zip_write,
)
from annotator.models import Project

ARGUMENT_LAYER = "argument"
S_NODES = {
    "supports": ("RA", "Default Inference"),
    "attacks": ("CA", "Default Conflict"),
    "leads-to": ("RA", "Default Inference"),
}


def write(project: Project, stream: IO[bytes], options: ExportOptions | None = None) -> ExportReport:
    """Write the zip of one AIF graph per selected document."""
    report = ExportReport()
    taken: set[str] = set()
    timestamp = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
    with zipfile.ZipFile(stream, "w") as archive:
        for record in gold_records(project, options or ExportOptions()):
            graph = aif_graph(record, report, timestamp)
            zip_write(
                archive, f"{file_stem(record, taken)}.json", json.dumps(graph, ensure_ascii=False, indent=1)
            )
            report.documents += 1
    return report


def aif_graph(record: dict[str, Any], report: ExportReport, timestamp: str = "") -> dict[str, Any]:
    """One document's argument graph in AIF JSON; `timestamp` goes on every node."""
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    locutions: list[dict[str, Any]] = []

    def node(kind: str, text: str, **extra: Any) -> str:
        node_id = str(len(nodes) + 1)
        nodes.append({"nodeID": node_id, "text": text, "type": kind, "timestamp": timestamp, **extra})
        return node_id

    def edge(source: str, target: str) -> None:
        edges.append({"edgeID": str(len(edges) + 1), "fromID": source, "toID": target, "formEdgeID": None})

    text = record["text"]
    spans = {s["id"]: s for s in record["spans"]}
    i_nodes = {
        s["id"]: node(
            "I", text[s["start"] : s["end"]], start=s["start"], end=s["end"], label=s["label"], step=s["step"]
        )
        for s in record["spans"]
        if s["layer"] == ARGUMENT_LAYER
    }
    for relation in record["relations"]:
        head, tail, label = relation["head"], relation["tail"], relation["label"]
        if label in S_NODES and head in i_nodes and tail in i_nodes:
            kind, name = S_NODES[label]
            extra = {"scheme": label} if label == "leads-to" else {}
            s_node = node(kind, name, label=label, **extra)
            edge(i_nodes[head], s_node)
            edge(s_node, i_nodes[tail])
        elif label == "attributed-to" and head in i_nodes and tail in spans and tail not in i_nodes:
            source = spans[tail]
            speaker = text[source["start"] : source["end"]]
            l_node = node("L", f"{speaker}: {text[spans[head]['start'] : spans[head]['end']]}", label=label)
            locutions.append({"nodeID": l_node, "personID": None, "source": speaker})
            ya_node = node("YA", "Asserting", label=label)
            edge(l_node, ya_node)
            edge(ya_node, i_nodes[head])
        else:
            ends = " and ".join(
                f"{end} ({spans[end]['layer']}:{spans[end]['label']})" for end in (head, tail)
            )
            report.problem(
                record,
                f"relation {relation['id']} {relation['layer']}:{label} between spans {ends} "
                "has no AIF counterpart; left out.",
            )
    stance = record["stance"]
    return {
        "nodes": nodes,
        "edges": edges,
        "locutions": locutions,
        "participants": [],
        "stancemark": {
            "id": record["id"],
            "external_id": record["meta"]["external_id"],
            "content_hash": record["meta"]["content_hash"],
            "title": record["title"],
            "stance": stance["label"] if stance else None,
        },
    }
