"""The map's filter bar and legend: raw HTML placed at the top of the index page.

The blocks below them carry the data the filter reads (``data-domain``, ``data-level``,
``data-lifecycle`` on each capability's list item, ``data-domain`` on each domain block);
``assets/jimu-map.js`` wires the form up. The form is ``hidden`` until that script runs, so a
reader without JavaScript (or a plain Markdown viewer) never sees controls that do nothing.

Everything here is built from ids and enum values, never from user text, so no escaping beyond
``html.escape`` for the labels is needed.
"""

from __future__ import annotations

from html import escape

from ..contracts import STATUS_ORDER, Level

__all__ = ["HEAT_BANDS", "LIFECYCLE_LABELS", "filter_form", "heat", "legend"]

#: Lifecycle statuses in their order of life, with the Chinese a bank writes.
LIFECYCLE_LABELS = {
    "experimental": "试点",
    "production": "生产",
    "deprecated": "待下线",
    "retired": "已下线",
}

#: Usage heat: (band, lowest product count in it, label); a block's band is the last it reaches.
HEAT_BANDS = (("none", 0, "no product"), ("low", 1, "1 product"), ("mid", 2, "2–3 products"),
              ("high", 4, "4 or more"))


def heat(n_products: int) -> str:
    """The heat band of a capability reached by ``n_products`` products."""
    band = HEAT_BANDS[0][0]
    for name, lowest, _ in HEAT_BANDS:
        if n_products >= lowest:
            band = name
    return band


def filter_form(domains: list[tuple[str, str]]) -> str:
    """The filter bar: one domain (or all), levels L2–L5, lifecycle statuses, and a text match.

    ``domains`` is ``[(id, label), ...]`` in display order. One line per control and no blank
    line inside, so Python-Markdown keeps it as one raw HTML block.
    """
    options = "".join(f'<option value="{escape(d)}">{escape(label)}</option>' for d, label in domains)
    levels = "".join(
        f'<label><input type="checkbox" name="level" value="{int(lv)}" checked> L{int(lv)} '
        f'{escape(lv.label)}</label>'
        for lv in Level if lv is not Level.DOMAIN)
    statuses = "".join(
        f'<label><input type="checkbox" name="lifecycle" value="{s.value}" checked> '
        f'<span class="jimu-lifecycle jimu-{s.value}">{s.value}</span></label>'
        for s in STATUS_ORDER)
    return "\n".join([
        '<form class="jimu-filters" hidden aria-label="Filter the map">',
        f'<label class="jimu-filter-domain">Domain <select name="domain"><option value="">all domains</option>'
        f'{options}</select></label>',
        f'<fieldset class="jimu-filter-level"><legend>Level</legend>{levels}</fieldset>',
        f'<fieldset class="jimu-filter-lifecycle"><legend>Lifecycle</legend>{statuses}</fieldset>',
        '<label class="jimu-filter-text">Find <input type="search" name="text" placeholder="id or name"></label>',
        '<button type="reset">Show all</button>',
        '<output class="jimu-count" aria-live="polite"></output>',
        '</form>',
    ])


def legend() -> str:
    """The colour key: lifecycle (the block's left edge and badge) and usage heat (the badge)."""
    statuses = " ".join(
        f'<span class="jimu-lifecycle jimu-{s.value}">{s.value} {LIFECYCLE_LABELS[s.value]}</span>'
        for s in STATUS_ORDER)
    heats = " ".join(f'<span class="jimu-usage jimu-heat-{name}">{escape(label)}</span>'
                     for name, _, label in HEAT_BANDS)
    return (f'<p class="jimu-legend"><strong>Lifecycle</strong> {statuses}<br>'
            f'<strong>Usage</strong> (products reaching it) {heats}<br>'
            '<span class="jimu-shared">shared ×n</span> a step composed into n capabilities</p>')
