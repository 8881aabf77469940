"""The capability map as Markdown: the five-level index, a page per capability, domain and product.

Plain Python over the catalog and ``assemblies/``: no MkDocs import here, so any static-site tool
(or a plain Markdown viewer) can use the output. Layout of ``out_dir``::

    index.md                      the five-level map, one block per L1 domain, then the products;
                                  a legend and the filter form (filters.py) on top
    domains/<domain>.md           one L1 domain: its capabilities by level
    capabilities/<id>.md          one capability (newest version; every installed version listed)
    products/<id>.md              one product assembly, with its lock's pins (locks.py)

The index needs Python-Markdown's ``attr_list`` and ``md_in_html`` (the jimu-map plugin turns
them on): its blocks carry the data the filter script (``assets/jimu-map.js``) reads.

Links are relative ``.md`` paths, which MkDocs resolves. User text (names, descriptions) is
escaped; ids are validated dotted words and shown as code. Output is sorted, so two builds of
the same catalog give the same bytes.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..capability import Capability
from ..composite import Composite
from ..contracts import Entry, Level
from .filters import filter_form, heat, legend
from .locks import lock_path, read_lock

if TYPE_CHECKING:
    from ..assembly.validate import Analysis, Validator
    from ..catalog import Catalog

__all__ = ["MapModel", "build_model", "generate", "render_capability", "render_index", "render_product"]

INDEX = "index.md"
ARROW = " → "


# -- escaping ------------------------------------------------------------------------------------

def esc(text: object) -> str:
    """User text for Markdown prose and table cells: HTML escaped, Markdown specials neutralised."""
    s = " ".join(str(text).split())  # one line: descriptions from YAML may hold newlines
    s = re.sub(r"([\\`*_{}\[\]()#+!~])", r"\\\1", s)  # Python-Markdown honours these backslash escapes
    s = html.escape(s, quote=False)  # then & < > as entities: no raw HTML from user text
    return s.replace("|", "&#124;")


def code(text: object) -> str:
    """Inline code for ids, types, values: backticks chosen so the text cannot close them."""
    s = " ".join(str(text).split())  # Python-Markdown's tables do not split cells inside code spans
    if not s:
        return ""
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", s)), default=0) + 1)
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{ticks}{pad}{s}{pad}{ticks}"


def _mermaid_text(text: str) -> str:
    return (text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
            .replace("|", "#124;").replace("\n", " "))


def _slug(cap_id: str) -> str:
    return cap_id  # ids are [a-z0-9_.]: safe as file names and URLs


# -- the model: everything the pages need, computed once ----------------------------------------


@dataclass
class Product:
    id: str
    analysis: Analysis
    path: Path
    #: capability id a step uses → step ids
    direct: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class MapModel:
    catalog: Catalog
    latest: dict[str, Entry]  # capability id → newest version (domains excluded)
    users: dict[str, set[str]]  # id → ids of capabilities whose (any version's) uses resolve to it
    children: dict[str, list[str]]  # id → ids the newest version uses (resolved), sorted
    latest_users: dict[str, set[str]]  # id → ids whose newest version uses it (for "shared")
    products: dict[str, Product]
    reach: dict[str, set[str]]  # capability id → product ids that reach it, transitively
    validator: Validator
    yaml_url: str | None = None
    root: Path | None = None  # file paths are shown relative to it when under it
    broken: list[Analysis] = field(default_factory=list)  # assemblies that could not be read
    #: id → every installed version, oldest first (Catalog.versions scans the whole catalog per
    #: call: at 1,000 capabilities that is quadratic, so the map asks it once per id)
    versions: dict[str, list[Entry]] = field(default_factory=dict)
    usage: Any = None  # jimu.governance.impact.usage_graph: what `jimu impact` walks

    def entry(self, cap_id: str) -> Entry | None:
        return self.latest.get(cap_id) or self.catalog.domains.get(cap_id)

    def shared(self, cap_id: str) -> bool:
        return len(self.latest_users.get(cap_id, ())) > 1

    def impact(self, cap_id: str) -> list[tuple[str, str, list[str]]]:
        """What changing ``cap_id`` affects: ``(kind, id, path)`` for every composite/capability
        that uses it transitively and every product reaching it; each path a shortest one, from
        ``cap_id`` up to the affected item. The same graph and walk as ``jimu impact``."""
        from ..governance.impact import impact

        if self.usage is None:
            return []
        return impact(self.usage, cap_id).by_id()


def build_model(catalog: Catalog, assemblies_dir: Path | None, *, yaml_url: str | None = None) -> MapModel:
    from ..assembly import find_assemblies, load_file
    from ..assembly.model import ProductAssembly
    from ..assembly.validate import Validator

    latest: dict[str, Entry] = {}
    versions: dict[str, list[Entry]] = {}
    for cap in sorted(catalog.capabilities.values(), key=lambda c: (c.id, c.parsed_version)):
        versions.setdefault(cap.id, []).append(cap)
        if not cap.parsed_version.is_prerelease or cap.id not in latest:
            latest[cap.id] = cap
    graph = catalog.graph()
    users: dict[str, set[str]] = {}
    latest_users: dict[str, set[str]] = {}
    children: dict[str, set[str]] = {}
    for a, b, data in graph.edges(data=True):
        if data.get("relation") != "uses":
            continue
        src, dst = graph.nodes[a]["entry"], graph.nodes[b]["entry"]
        users.setdefault(dst.id, set()).add(src.id)
        if latest.get(src.id) is src:
            latest_users.setdefault(dst.id, set()).add(src.id)
            children.setdefault(src.id, set()).add(dst.id)

    files = []
    if assemblies_dir is not None and Path(assemblies_dir).is_dir():
        files = [load_file(p) for p in find_assemblies([Path(assemblies_dir)])]
    validator = Validator(catalog, files)
    analyses = validator.validate_all(files) if files else []
    products: dict[str, Product] = {}
    broken: list[Analysis] = []
    reach: dict[str, set[str]] = {}
    for analysis in analyses:
        model = analysis.file.model
        if not isinstance(model, ProductAssembly):
            if model is None:
                broken.append(analysis)
            continue
        product = Product(model.id, analysis, Path(analysis.file.path))
        for step in model.steps:
            product.direct.setdefault(step.uses, []).append(step.id)
        products[model.id] = product  # a duplicate id: the later file wins (validation reports it)
    for pid, product in sorted(products.items()):
        seen: set[str] = set()
        stack = list(product.direct)
        while stack:  # downward over every version's edges, by id: cheap and conservative
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            stack.extend(children.get(node, ()))
        for node in seen:
            reach.setdefault(node, set()).add(pid)
    from ..governance.impact import usage_graph

    usage = usage_graph(catalog, files, validator)
    return MapModel(
        usage=usage,
        catalog=catalog,
        latest=latest,
        users=users,
        children={k: sorted(v) for k, v in children.items()},
        latest_users=latest_users,
        products=products,
        reach=reach,
        validator=validator,
        yaml_url=yaml_url,
        broken=broken,
        versions=versions,
    )


# -- shared bits of rendering --------------------------------------------------------------------


def _link(cap_id: str, prefix: str, m: MapModel) -> str:
    """A link to a capability (or domain) page, relative to the page being written."""
    if cap_id in m.catalog.domains and cap_id not in m.latest:
        return f"[{code(cap_id)}]({prefix}domains/{_slug(cap_id)}.md)"
    if cap_id in m.latest:
        return f"[{code(cap_id)}]({prefix}capabilities/{_slug(cap_id)}.md)"
    return code(cap_id)  # not installed: no page to link to


def _product_link(pid: str, prefix: str) -> str:
    return f"[{code(pid)}]({prefix}products/{_slug(pid)}.md)"


def _lifecycle_badge(entry: Entry) -> str:
    status = entry.lifecycle.status.value
    return f'<span class="jimu-lifecycle jimu-{status}">{status}</span>'


def _usage_badge(cap_id: str, m: MapModel) -> str:
    n = len(m.reach.get(cap_id, ()))
    return (f'<span class="jimu-usage jimu-heat-{heat(n)}" title="products reaching it">'
            f'{n} product{"s" * (n != 1)}</span>')


def _names(entry: Entry) -> str:
    return f"{esc(entry.name)} / {esc(entry.name_zh)}"


# -- index ---------------------------------------------------------------------------------------
#
# The index is Markdown with two extensions the site enables (the jimu-map plugin adds them):
# md_in_html wraps each domain and each of its sections in a <div> the filter can hide, and
# attr_list puts the data the filter reads (domain, level, lifecycle) on each capability's <li>,
# on a line of its own under the item, where attr_list looks for it on a list item.


def render_index(m: MapModel) -> str:
    cat = m.catalog
    domain_ids = sorted(set(cat.domains) | {e.domain for e in m.latest.values()})
    labels = [(d, f"{d} · {cat.domains[d].name_zh}" if d in cat.domains else d) for d in domain_ids]
    lines = [
        # Material's search leaves this page out: every name on it is found on its own page, and
        # at 1,000 capabilities its 1.4 MB of HTML took Material's search parser about 1 s
        "---",
        "search:",
        "  exclude: true",
        "---",
        "",
        "# The capability map 能力地图",
        "",
        f"{len(m.latest)} capabilities in {len(cat.domains)} domains; {len(m.products)} products under "
        "`assemblies/`. Each domain (L1) nests its business capabilities (L2), activities (L3), tasks "
        "(L4) and steps (L5) by composition. A step used by more than one parent is marked "
        '<span class="jimu-shared">shared</span>; a capability nothing composes sits on its '
        "domain's shelf. Each block's colour is its lifecycle; its badge counts the products that "
        "reach it. Every reason code a decision can carry is listed in [the reason codes](reasons.md).",
        "",
        legend(),
        "",
        filter_form(labels),
        "",
    ]
    if cat.errors:  # a plugin that failed to load is missing from the map: say so where people look
        lines += [f'!!! warning "{len(cat.errors)} plugin problem{"s" * (len(cat.errors) != 1)}: '
                  'what they would register is not on this map"', ""]
        lines += [f"    - {esc(problem)}" for problem in cat.errors] + [""]
    for d in domain_ids:
        lines += _domain_block(d, m)
    lines += ["## Products 产品", ""]
    if m.products:
        lines += ["| product | branch | version | name |", "|---|---|---|---|"]
        for pid, p in sorted(m.products.items()):
            model = p.analysis.file.model
            lines.append(f"| {_product_link(pid, '')} | {code(model.branch)} | {code(model.version)} | "
                         f"{esc(model.name)} / {esc(model.name_zh)} |")
    else:
        lines.append("No product assemblies found.")
    for a in m.broken:
        lines.append(f"\n!!! warning \"Not shown\"\n    {code(a.file.path)} could not be read as an assembly.")
    lines.append("")
    return "\n".join(lines)


def _section(caption: str | None, body: list[str]) -> list[str]:
    """One part of a domain block (its trees, the shelf, ...), hidden whole when a filter empties it."""
    head = [caption, ""] if caption else []
    return ['<div class="jimu-section" markdown="1">', "", *head, *body, "", "</div>", ""]


def _domain_block(d: str, m: MapModel) -> list[str]:
    domain = m.catalog.domains.get(d)
    mine = sorted((e for e in m.latest.values() if e.domain == d), key=lambda e: (e.level, e.id))
    lines = [f'<div class="jimu-domain" data-domain="{d}" markdown="1">', ""]
    if domain is not None:
        head = f"## [{esc(domain.name)} / {esc(domain.name_zh)}](domains/{_slug(d)}.md)"
        lines += [head, "", f"{code(d)} · owner {esc(domain.owner)} · {len(mine)} capabilities", ""]
    else:
        lines += [f"## {code(d)}", "", "*(domain not declared by any plugin)*", ""]
    shown: set[str] = set()
    roots = [e.id for e in mine if e.level == Level.BUSINESS_CAPABILITY]
    if roots:
        body: list[str] = []
        for r in roots:
            body += _tree(r, m, 0, shown, ())
        lines += _section(None, body)
    # composed only into other domains' capabilities: shown here too, with who uses them
    elsewhere = [e.id for e in mine if e.id not in shown and e.level != Level.BUSINESS_CAPABILITY
                 and m.latest_users.get(e.id) and not (m.latest_users[e.id] & {x.id for x in mine})]
    if elsewhere:
        body = []
        for r in elsewhere:
            if r not in shown:
                body += _tree(r, m, 0, shown, ())
        lines += _section("Composed into other domains:", body)
    shelf = [e for e in mine if e.level != Level.BUSINESS_CAPABILITY and not m.latest_users.get(e.id)]
    if shelf:
        body = []
        for level in sorted({e.level for e in shelf}):
            body += [f"- L{int(level)} {Level(level).label} {Level(level).label_zh}", "  { .jimu-group }"]
            for e in shelf:
                if e.level == level:
                    body += _tree(e.id, m, 1, shown, ())
        lines += _section("Shelf (nothing composes these yet):", body)
    leftover = [e.id for e in mine if e.id not in shown]
    if leftover:  # used only by older versions or from other domains' trees
        body = []
        for r in leftover:
            body += _tree(r, m, 0, shown, ())
        lines += _section("Also in this domain:", body)
    lines += ["</div>", ""]
    return lines


def _tree(cap_id: str, m: MapModel, depth: int, shown: set[str], ancestors: tuple[str, ...]) -> list[str]:
    entry = m.latest[cap_id]
    shown.add(cap_id)
    shared = ""
    if m.shared(cap_id):
        n = len(m.latest_users[cap_id])
        shared = f' <span class="jimu-shared" title="used by {n} capabilities">shared ×{n}</span>'
    indent = "    " * depth
    status = entry.lifecycle.status.value
    lines = [
        f"{indent}- {_link(cap_id, '', m)} {_names(entry)} · L{int(entry.level)} "
        f"{_lifecycle_badge(entry)} {_usage_badge(cap_id, m)}{shared}",
        f'{indent}  {{ .jimu-cap .jimu-lc-{status} data-id="{cap_id}" data-domain="{entry.domain}" '
        f'data-level="{int(entry.level)}" data-lifecycle="{status}" }}',
    ]
    if cap_id in ancestors:  # a cycle: the catalog reports it; draw it once
        return lines
    for child in m.children.get(cap_id, ()):
        if child in m.latest:
            lines += _tree(child, m, depth + 1, shown, (*ancestors, cap_id))
    return lines


# -- domain page ---------------------------------------------------------------------------------


def render_domain(d: str, m: MapModel) -> str:
    domain = m.catalog.domains[d]
    lines = [f"# {esc(domain.name)} / {esc(domain.name_zh)}", "",
             f"{code(d)} · L1 {Level.DOMAIN.label} {Level.DOMAIN.label_zh} · owner {esc(domain.owner)}", ""]
    if domain.description:
        lines += [esc(domain.description), ""]
    mine = sorted((e for e in m.latest.values() if e.domain == d), key=lambda e: (e.level, e.id))
    lines += ["| capability | level | name | lifecycle | products |", "|---|---|---|---|---|"]
    for e in mine:
        lines.append(f"| {_link(e.id, '../', m)} | L{int(e.level)} | {_names(e)} | {e.lifecycle.status.value} "
                     f"| {len(m.reach.get(e.id, ()))} |")
    lines += ["", f"[Back to the map](../{INDEX})", ""]
    return "\n".join(lines)


# -- capability page -----------------------------------------------------------------------------


def _contract(entry: Entry, m: MapModel) -> dict[str, list[dict]]:
    from ..cli.catalog import fields_of

    if isinstance(entry, Capability):
        return {"input": fields_of(entry.input), "output": fields_of(entry.output), "params": fields_of(entry.params)}
    if isinstance(entry, Composite):
        target = m.validator.target_of(entry)
        if target is None:
            return {}
        declared = entry.assembly.inputs
        return {
            "input": [{"name": n, "type": target.input.field(n).describe(), "required": not f.optional,
                       "default": None, "bounds": {}, "description": f.description} for n, f in declared.items()],
            "output": [{"name": n, "type": t.describe(), "required": not t.nullable, "default": None, "bounds": {},
                        "description": ""} for n, t in target.output.fields],
            "params": [{"name": n, "type": p.vtype.describe(), "required": False, "default": p.default,
                        "range": p.range_text(), "description": p.description, "path": p.path}
                       for n, p in sorted(target.params.items())],
        }
    return {}


_SYMBOLS = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<", "min_length": "len ≥ ", "max_length": "len ≤ ", "pattern": "matches "}


def _bounds(row: dict) -> str:
    if "range" in row:
        return code(row["range"])
    return ", ".join(code(f"{_SYMBOLS[k]}{v}") for k, v in row["bounds"].items())


def _table(rows: list[dict]) -> list[str]:
    if not rows:
        return ["*none*", ""]
    out = ["| field | type | required | default | bounds | description |", "|---|---|---|---|---|---|"]
    for r in rows:
        default = "" if r["required"] else code(_json(r["default"]))
        desc = esc(r.get("description", ""))
        if r.get("path"):
            desc = (desc + " " if desc else "") + f"(→ {code(r['path'])})"
        out.append(f"| {code(r['name'])} | {code(r['type'])} | {'yes' if r['required'] else ''} | {default} "
                   f"| {_bounds(r)} | {desc} |")
    out.append("")
    return out


def render_capability(cap_id: str, m: MapModel) -> str:
    cat = m.catalog
    entry = m.latest[cap_id]
    level = Level(entry.level)
    lines = [
        f"# {esc(entry.name)} / {esc(entry.name_zh)}",
        "",
        f"{_lifecycle_badge(entry)} {_usage_badge(cap_id, m)}",
        "",
        "| | |",
        "|---|---|",
        f"| id | {code(cap_id)} |",
        f"| name | {esc(entry.name)} |",
        f"| 名称 | {esc(entry.name_zh)} |",
        f"| level | L{int(level)} {level.label} {level.label_zh} |",
        f"| domain | {_link(entry.domain, '../', m)} |",
        f"| kind | {code(entry.kind.value)} |",
        f"| owner | {esc(entry.owner)} |",
        f"| lifecycle | {entry.lifecycle.status.value} |",
        f"| latest version | {code(entry.version)} |",
    ]
    if entry.lifecycle.successor:
        succ = entry.lifecycle.successor.split("@")[0]
        lines.append(f"| successor | {_link(succ, '../', m)} (sunset {entry.lifecycle.sunset}) |")
    if entry.tags:
        lines.append(f"| tags | {', '.join(code(t) for t in sorted(entry.tags))} |")
    lines.append(f"| entitlements | {', '.join(code(t) for t in entry.entitlements) or 'every branch'} |")
    if isinstance(entry, Composite):
        lines.append(f"| file | {code(_shown(Path(entry.path), m.root))} |")
    lines += ["", "## Description", "", esc(entry.description) if entry.description else "*none*", ""]

    lines += ["## Versions", "", "| version | lifecycle | distribution | plugin |", "|---|---|---|---|"]
    for v in reversed(m.versions.get(cap_id, [])):
        src = cat.source(v)
        dist = f"{src.distribution} {src.dist_version or ''}".strip() if src.distribution else ""
        lines.append(f"| {code(v.version)} | {v.lifecycle.status.value} | {code(dist) if dist else ''} "
                     f"| {code(src.plugin)} |")
    lines.append("")

    contract = _contract(entry, m)
    for section, title in (("input", "Input"), ("output", "Output"), ("params", "Params")):
        if section in contract:
            lines += [f"## {title}", ""] + _table(contract[section])

    if isinstance(entry, Composite):
        lines += ["## Steps", "", "| step | uses | version | when |", "|---|---|---|---|"]
        for s in entry.assembly.steps:
            lines.append(f"| {code(s.id)} | {_link(s.uses, '../', m)} | {code(s.version) or 'newest'} "
                         f"| {code(s.when) if s.when else ''} |")
        lines.append("")

    resources = list(getattr(entry, "resources", ()))
    lines += ["## Resources", ""]
    if resources:
        for name in sorted(resources):
            res = cat.resources.get(name)
            text = f" — {esc(getattr(res, 'description', '') or '')}" if res is not None and getattr(res, "description", "") else ""
            lines.append(f"- {code(name)}{text}")
    else:
        lines.append("*none*")
    lines.append("")

    reasons = list(getattr(entry, "reasons", ()))
    lines += ["## Reason codes", ""]
    if reasons:
        lines += ["| code | English | 中文 |", "|---|---|---|"]
        for r in sorted(reasons, key=lambda r: r.code):
            lines.append(f"| {code(r.code)} | {esc(r.text)} | {esc(r.text_zh)} |")
    else:
        lines.append("*none*")
    lines.append("")

    lines += ["## Composition", "", "```mermaid", _composition_mermaid(cap_id, m), "```", ""]
    uses = m.children.get(cap_id, [])
    used_by = sorted(m.users.get(cap_id, ()))
    direct_products = sorted(pid for pid, p in m.products.items() if cap_id in p.direct)
    lines.append("Uses: " + (", ".join(_link(u, "../", m) for u in uses) or "nothing"))
    lines.append("")
    lines.append("Used by: " + (", ".join([*(_link(u, "../", m) for u in used_by),
                                            *(_product_link(p, "../") for p in direct_products)]) or "nothing yet"))
    lines.append("")

    lines += ["## Impact", "", "What is affected if this capability changes, transitively, with the path:", ""]
    impact = m.impact(cap_id)
    if impact:
        lines += ["| affected | kind | path |", "|---|---|---|"]
        for kind, item, path in impact:
            link = _product_link(item, "../") if kind == "product" else _link(item, "../", m)
            what = "product" if kind == "product" else f"L{int(m.latest[item].level)} {m.latest[item].kind.value}" \
                if item in m.latest else "capability"
            lines.append(f"| {link} | {what} | {code(ARROW.join(path))} |")
    else:
        lines.append("Nothing uses it yet.")
    lines += ["", f"[Back to the map](../{INDEX})", ""]
    return "\n".join(lines)


def _composition_mermaid(cap_id: str, m: MapModel) -> str:
    ids: dict[str, str] = {}

    def node(key: str, label: str, shape: tuple[str, str] = ('["', '"]')) -> str:
        if key not in ids:
            ids[key] = f"n{len(ids)}"
            out.append(f"  {ids[key]}{shape[0]}{_mermaid_text(label)}{shape[1]}")
        return ids[key]

    out: list[str] = ["flowchart TB"]
    me = node(cap_id, f"{cap_id} L{int(m.latest[cap_id].level)}", ('[["', '"]]'))
    edges = []
    for user in sorted(m.users.get(cap_id, ())):
        level = f" L{int(m.latest[user].level)}" if user in m.latest else ""
        edges.append(f"  {node(user, user + level)} --> {me}")
    for pid, p in sorted(m.products.items()):
        if cap_id in p.direct:
            stadium = ('(["', '"])')
            edges.append(f"  {node('product:' + pid, 'product ' + pid, stadium)} --> {me}")
    for child in m.children.get(cap_id, []):
        level = f" L{int(m.latest[child].level)}" if child in m.latest else ""
        edges.append(f"  {me} --> {node(child, child + level)}")
    return "\n".join(out + edges)


# -- product page --------------------------------------------------------------------------------


def render_product(pid: str, m: MapModel, root: Path | None = None) -> str:
    from ..assembly.graph import mermaid

    p = m.products[pid]
    a = p.analysis
    model = a.file.model
    try:
        shown_path = p.path.resolve().relative_to(root.resolve()) if root else p.path
    except ValueError:
        shown_path = p.path
    shown_path = Path(shown_path).as_posix()
    yaml_ref = f"[{code(shown_path)}]({m.yaml_url.rstrip('/')}/{shown_path})" if m.yaml_url else code(shown_path)
    lines = [
        f"# {esc(model.name)} / {esc(model.name_zh)}",
        "",
        "| | |",
        "|---|---|",
        f"| id | {code(pid)} |",
        f"| branch | {code(model.branch)} |",
        f"| version | {code(model.version)} |",
        f"| owner | {esc(model.owner)} |",
        f"| file | {yaml_ref} |",
        "",
        "## Description",
        "",
        esc(model.description) if model.description else "*none*",
        "",
    ]
    errors = [d for d in a.diagnostics if d.is_error]
    if errors:
        lines += ['!!! warning "This assembly does not validate"',
                  f"    {len(errors)} error{'s' * (len(errors) != 1)}: run `jimu validate {shown_path}`.", ""]
    lines += ["## Steps", ""]
    if a.steps:
        lines += ["```mermaid", mermaid(a).rstrip("\n"), "```", ""]
    lines += ["| step | uses | version | level | when |", "|---|---|---|---|---|"]
    for step in model.steps:
        s = a.steps.get(step.id)
        entry = s.target.entry if s is not None and s.target else None
        version = f"{code(entry.version)} ({code(step.version) if step.version else 'newest'})" if entry \
            else (code(step.version) or "newest")
        level = f"L{int(entry.level)}" if entry else ""
        lines.append(f"| {code(step.id)} | {_link(step.uses, '../', m)} | {version} | {level} "
                     f"| {code(step.when) if step.when else ''} |")
    lines += ["", "## Params set", ""]
    rows = []
    for step in model.steps:
        s = a.steps.get(step.id)
        specs = s.target.params if s is not None and s.target else {}
        for name, value in sorted(step.params.items()):
            spec = specs.get(name)
            rng = code(spec.range_text()) if spec is not None else "unknown param"
            default = code(_json(spec.default)) if spec is not None and spec.default is not None else ""
            rows.append(f"| {code(step.id)} | {code(name)} | {code(_json(value))} | {rng} | {default} |")
    if rows:
        lines += ["| step | param | value | allowed range | default |", "|---|---|---|---|---|", *rows]
    else:
        lines.append("*none: every step runs with its defaults*")
    lines += ["", *_locked(p.path, m, root), f"[Back to the map](../{INDEX})", ""]
    return "\n".join(lines)


def _locked(assembly: Path, m: MapModel, root: Path | None) -> list[str]:
    """The lock beside the assembly, as tables; "not locked" when there is none."""
    lock = read_lock(assembly)
    lines = ["## Locked versions", ""]
    if lock is None:
        return lines + [f"Not locked: `jimu lock {_shown(assembly, root)}` writes {code(lock_path(assembly).name)} "
                        "beside it, pinning every capability and composite it reaches.", ""]
    lines += [f"From {code(_shown(lock.path, root))}" + "".join(
        f" · {esc(k)} {code(v)}" for k, v in lock.meta.items() if v) + ".", ""]
    for note in lock.notes:
        lines += ['!!! warning "The lock file is incomplete"', f"    {code(lock.path.name)} {esc(note)}.", ""]
    if lock.capabilities:
        lines += ["| capability | locked version | distribution | specifier | installed now |", "|---|---|---|---|---|"]
        for r in lock.capabilities:
            installed = {str(v.version) for v in m.versions.get(r["id"], ())}
            now = "yes" if r["version"] in installed else \
                f"no: {', '.join(code(v) for v in sorted(installed)) or 'not installed'}"
            dist = f"{r['distribution']} {r['distribution_version']}".strip()
            lines.append(f"| {_link(r['id'], '../', m) if r['id'] else ''} | {code(r['version'])} | {code(dist)} "
                         f"| {code(r['specifier'])} | {now} |")
        lines.append("")
    if lock.composites:
        lines += ["| composite | locked version | sha256 of its YAML |", "|---|---|---|"]
        for r in lock.composites:
            lines.append(f"| {_link(r['id'], '../', m) if r['id'] else ''} | {code(r['version'])} "
                         f"| {code(r['sha256'][:16] + '…') if r['sha256'] else ''} |")
        lines.append("")
    return lines


def _shown(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, default=str)


# -- writing -------------------------------------------------------------------------------------


def render_reasons(m: MapModel) -> str:
    """The reason-code registry: every code the installed plugins registered, with who raises it.

    Generated, like the rest of the map, because the registry is the truth: a code a plugin adds
    appears at the next build; officers and auditors look a code up here.
    """
    raisers: dict[str, set[str]] = {}
    for cap in m.catalog.capabilities.values():
        for r in getattr(cap, "reasons", ()):
            raisers.setdefault(r.code, set()).add(cap.id)
    lines = ["# Reason codes 原因码", "",
             f"{len(m.catalog.reasons)} codes registered by the installed plugins. Every refer or "
             "decline carries at least one; `SYS_*` codes are Jimu's own, given when a step failed and "
             "the record was referred rather than approved.", "",
             "| code | English | 中文 | raised by |", "|---|---|---|---|"]
    for rc in sorted(m.catalog.reasons.values(), key=lambda r: r.code):
        ids = sorted(raisers.get(rc.code, ())) or ([rc.capability] if rc.capability else [])
        by = ", ".join(_link(i, "", m) if i in m.latest else code(i) for i in ids) or "Jimu (runtime)"
        lines.append(f"| {code(rc.code)} | {esc(rc.text)} | {esc(rc.text_zh)} | {by} |")
    return "\n".join(lines) + "\n"


def generate(catalog: Catalog, assemblies_dir: Path | None, out_dir: Path, *, yaml_url: str | None = None,
             root: Path | None = None) -> list[Path]:
    """Write the map's pages under ``out_dir``; return the paths written, sorted.

    ``assemblies_dir`` holds the product YAML files (may be None or missing: no products).
    ``yaml_url``, when given, is the base URL the product pages link YAML files to (e.g. the
    repository's blob URL); otherwise the path is shown as text, since a link out of the docs
    folder would break ``mkdocs build --strict``. ``root`` is what YAML paths are shown relative
    to (default: the parent of ``assemblies_dir``).
    """
    out_dir = Path(out_dir)
    if root is None and assemblies_dir is not None:
        root = Path(assemblies_dir).resolve().parent
    m = build_model(catalog, assemblies_dir, yaml_url=yaml_url)
    m.root = root
    pages: dict[Path, str] = {out_dir / INDEX: render_index(m)}
    for d in sorted(catalog.domains):
        pages[out_dir / "domains" / f"{_slug(d)}.md"] = render_domain(d, m)
    for cap_id in sorted(m.latest):
        pages[out_dir / "capabilities" / f"{_slug(cap_id)}.md"] = render_capability(cap_id, m)
    for pid in sorted(m.products):
        pages[out_dir / "products" / f"{_slug(pid)}.md"] = render_product(pid, m, root)
    pages[out_dir / "reasons.md"] = render_reasons(m)
    for sub in ("domains", "capabilities", "products"):
        (out_dir / sub).mkdir(parents=True, exist_ok=True)
    for path, text in pages.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:  # keep mtimes for `serve`
            path.write_text(text, encoding="utf-8")
    return sorted(pages)
