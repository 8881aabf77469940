/* The capability map's filters: by domain, level, lifecycle and text, on the map's home page.
 *
 * The index's blocks carry what is filtered on: each domain block (div.jimu-domain) its
 * data-domain, each capability (li.jimu-cap) its data-id, data-level and data-lifecycle.
 * A capability stays visible when it matches or when something nested under it does (then it is
 * dimmed, as context), so a filtered tree still reads from domain down to step.
 *
 * No network and no library: written into the site by the jimu-map MkDocs plugin.
 */
(function () {
  "use strict";

  function checked(form, name) {
    var out = {};
    form.querySelectorAll('input[name="' + name + '"]').forEach(function (box) {
      if (box.checked) out[box.value] = true;
    });
    return out;
  }

  function directItems(li) {
    var out = [];
    for (var i = 0; i < li.children.length; i++) {
      var list = li.children[i];
      if (list.tagName !== "UL" && list.tagName !== "OL") continue;
      for (var j = 0; j < list.children.length; j++) out.push(list.children[j]);
    }
    return out;
  }

  function ownText(li) {  // the item's own line, without what is nested under it
    var text = "";
    li.childNodes.forEach(function (node) {
      if (node.nodeName !== "UL" && node.nodeName !== "OL") text += node.textContent;
    });
    return text.toLowerCase();
  }

  function setup() {
    var form = document.querySelector("form.jimu-filters");
    if (!form || form.dataset.jimuReady) return;  // not the map's home page, or already wired
    form.dataset.jimuReady = "1";
    var items = Array.prototype.slice.call(document.querySelectorAll("li.jimu-cap, li.jimu-group"));
    items.reverse();  // document order lists parents first; deepest first lets a parent see its children
    var blocks = Array.prototype.slice.call(document.querySelectorAll("div.jimu-domain"));
    var sections = Array.prototype.slice.call(document.querySelectorAll("div.jimu-section"));
    var levelCount = form.querySelectorAll('input[name="level"]').length;
    var statusCount = form.querySelectorAll('input[name="lifecycle"]').length;
    var count = form.querySelector(".jimu-count");
    var texts = new Map(items.map(function (li) { return [li, ownText(li)]; }));

    function apply() {
      var domain = form.elements.domain.value;
      var levels = checked(form, "level");
      var statuses = checked(form, "lifecycle");
      var text = form.elements.text.value.trim().toLowerCase();
      var active = domain !== "" || text !== "" ||
        Object.keys(levels).length !== levelCount || Object.keys(statuses).length !== statusCount;
      var visible = new Set();
      var matched = new Set();
      items.forEach(function (li) {
        var match = li.classList.contains("jimu-cap") && levels[li.dataset.level] === true &&
          statuses[li.dataset.lifecycle] === true &&
          (text === "" || texts.get(li).indexOf(text) !== -1);
        var below = directItems(li).some(function (child) { return visible.has(child); });
        var show = match || below;
        if (show) visible.add(li);
        if (match && li.closest("div.jimu-domain") && (domain === "" ||
            li.closest("div.jimu-domain").dataset.domain === domain)) matched.add(li.dataset.id);
        li.classList.toggle("jimu-hidden", !show);
        li.classList.toggle("jimu-context", active && show && !match);
      });
      sections.forEach(function (section) {
        var any = section.querySelector("li.jimu-cap:not(.jimu-hidden)") !== null;
        section.classList.toggle("jimu-hidden", !any);
      });
      blocks.forEach(function (block) {
        var wanted = domain === "" || block.dataset.domain === domain;
        var any = block.querySelector("li.jimu-cap:not(.jimu-hidden)") !== null;
        block.classList.toggle("jimu-hidden", !wanted || (active && !any));
      });
      if (count) {
        var total = new Set(items.filter(function (li) { return li.dataset.id; })
          .map(function (li) { return li.dataset.id; })).size;
        count.textContent = active ? matched.size + " of " + total + " capabilities match"
          : total + " capabilities";
      }
    }

    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("reset", function () { setTimeout(apply, 0); });  // after the fields reset
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.hidden = false;
    apply();
  }

  // Material's instant navigation swaps pages without a load event; document$ emits on every
  // page, the first included. Without Material (or before it defines document$), the DOM event.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(setup);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
