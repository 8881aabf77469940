"""An assembly's step graph, drawn: Mermaid for the docs and the map, DOT for Graphviz.

The graph is networkx's (inputs → steps → result), built from a validated :class:`Analysis`,
so what is drawn is what validation resolved: the version each step gets, its level, its
condition, and which step reads which.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import networkx as nx

    from .validate import Analysis

INPUTS, RESULT = "inputs", "result"


def step_graph(analysis: Analysis) -> nx.DiGraph:
    import networkx as nx

    g = nx.DiGraph()
    model = analysis.file.model
    g.add_node(INPUTS, label="inputs", detail=_some(list(model.inputs)) if model else "", kind="inputs")
    g.add_node(RESULT, label="decision + outputs" if model and model.decision else "outputs", kind="result")
    for sid in analysis.order:
        s = analysis.steps[sid]
        entry = s.target.entry if s.target else None
        detail = f"{entry.id} {entry.version} · L{int(entry.level)}" if entry else s.step.uses
        g.add_node(sid, label=sid, detail=detail, when=s.step.when or "", kind="step")
        fields_from: dict[str, list[str]] = {}
        for binding in s.bindings.values():
            parts = binding.source.rstrip("?").split(".")
            if parts[0] == "inputs":
                fields_from.setdefault(INPUTS, []).append(binding.field)
            elif parts[0] == "steps" and len(parts) > 1:
                fields_from.setdefault(parts[1], []).append(binding.field)
        for source in s.reads:
            fields_from.setdefault(source, [])
        for source, fields in fields_from.items():
            if source in g or source == INPUTS:
                g.add_edge(source, sid, fields=sorted(set(fields)))
    for sid in analysis.steps:
        if sid in analysis.result_reads:
            g.add_edge(sid, RESULT, fields=[])
    return g


def mermaid(analysis: Analysis) -> str:
    g = step_graph(analysis)
    lines = ["flowchart LR"]
    for node, data in g.nodes(data=True):
        text = data["label"] + (f"<br/><small>{_escape(data['detail'])}</small>" if data.get("detail") else "")
        if data.get("when"):
            text += f"<br/><small>when {_escape(data['when'])}</small>"
        shape = {"inputs": ('(["', '"])'), "result": ('[["', '"]]')}.get(data["kind"], ('["', '"]'))
        if data.get("when"):
            shape = ('{{"', '"}}')
        lines.append(f"  {_id(node)}{shape[0]}{text}{shape[1]}")
    for a, b, data in g.edges(data=True):
        label = f"|{_escape(_some(data['fields']))}|" if data.get("fields") else ""
        lines.append(f"  {_id(a)} -->{label} {_id(b)}")
    return "\n".join(lines) + "\n"


def dot(analysis: Analysis) -> str:
    g = step_graph(analysis)
    name = analysis.file.model.id if analysis.file.model else "assembly"
    lines = [f'digraph "{name}" {{', "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];']
    for node, data in g.nodes(data=True):
        label = "\\n".join(x for x in (data["label"], data.get("detail", ""), _when(data)) if x)
        shape = {"inputs": "ellipse", "result": "doubleoctagon"}.get(data["kind"], "diamond" if data.get("when") else "box")
        lines.append(f'  "{node}" [label="{_dot_escape(label)}", shape={shape}];')
    for a, b, data in g.edges(data=True):
        label = f' [label="{_dot_escape(_some(data["fields"]))}"]' if data.get("fields") else ""
        lines.append(f'  "{a}" -> "{b}"{label};')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _some(names: list[str], shown: int = 6) -> str:
    """A few names, then how many more: a step reading 20 characteristics stays one line."""
    if len(names) <= shown:
        return ", ".join(names)
    return ", ".join(names[:shown]) + f" … +{len(names) - shown} more"


def _when(data: dict) -> str:
    return f"when {data['when']}" if data.get("when") else ""


def _id(node: str) -> str:
    return f"n_{node}"


def _escape(text: str) -> str:
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;").replace("|", "#124;")


def _dot_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\\\\n", "\\n")
