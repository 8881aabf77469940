"""The built map in a real browser: Debian's headless Chromium driven by Playwright.

The site is built with `jimu map build` into a temporary folder and served by http.server on
127.0.0.1; every request to any other host is blocked and recorded, so the test also shows the
site works offline. Skipped when Chromium or Playwright is missing, unless JIMU_REQUIRE_BROWSER=1
(CI sets it), where a missing browser fails instead. Never a downloaded browser.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

from jimu.plugins import load_catalog

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
# Material renders each Mermaid diagram into a *closed* shadow root; opening it lets the test
# look for the <svg> Mermaid drew. Test instrumentation only: the site itself is unchanged.
OPEN_SHADOW_ROOTS = """
const attach = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (init) { return attach.call(this, {...init, mode: "open"}); };
"""
PRODUCT = "beijing.haidian.identity_screening"


def _missing(reason: str):
    if os.environ.get("JIMU_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (JIMU_REQUIRE_BROWSER=1: the browser test must run)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    jimu = Path(sys.executable).with_name("jimu")
    result = subprocess.run([str(jimu), "map", "build", "--site-dir", str(out)], cwd=ROOT, capture_output=True,
                            text=True, timeout=300, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def instant_site(tmp_path_factory) -> tuple[Path, int]:
    """The same site with Material's instant navigation on: pages swap without a load event.

    Instant navigation only takes over links the sitemap lists, and Material matches them by
    protocol and host but keeps the sitemap's port: site_url must name the port it is served on.
    """
    out = tmp_path_factory.mktemp("instant")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    text = text.replace("docs_dir: docs\n", f"docs_dir: {ROOT / 'docs'}\n", 1)
    text = f"site_url: http://127.0.0.1:{port}/\n" + text
    text = text.replace("theme:\n  name: material\n", "theme:\n  name: material\n  features: [navigation.instant]\n", 1)
    text = re.sub(r"^  - jimu-map\b.*$", f"  - jimu-map:\n      assemblies: {ROOT / 'assemblies'}\n"
                  f"      mermaid: {ROOT / 'vendor' / 'mermaid' / 'mermaid.min.js'}", text, count=1, flags=re.M)
    assert "navigation.instant" in text and "assemblies: /" in text
    config = out / "mkdocs.yml"
    config.write_text(text, encoding="utf-8")
    jimu = Path(sys.executable).with_name("jimu")
    result = subprocess.run([str(jimu), "map", "build", "--config-file", str(config), "--site-dir", str(out / "site")],
                            cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return out / "site", port


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
        pass


def _serve(folder: Path, port: int = 0):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def base_url(site):
    yield from _serve(site)


@pytest.fixture(scope="module")
def instant_url(instant_site):
    yield from _serve(*instant_site)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, service_workers="block")
    offsite: list[str] = []

    def only_local(route):
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:  # the site must work offline: record and refuse anything else
            offsite.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    context.add_init_script(OPEN_SHADOW_ROOTS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not offsite, f"the site asked the network for {offsite}"
    assert not errors, f"JavaScript errors: {errors}"


def _screenshot(page, tmp_path: Path, name: str) -> Path:
    shot = tmp_path / f"{name}.png"
    page.screenshot(path=str(shot), full_page=False)
    if os.environ.get("JIMU_SCREENSHOTS"):
        keep = Path(os.environ["JIMU_SCREENSHOTS"])
        keep.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, keep / shot.name)
    return shot


def _visible(page, selector: str) -> list[str]:
    """data-id of the capability blocks matching ``selector`` that are shown."""
    return page.eval_on_selector_all(
        selector, "els => els.filter(e => e.offsetParent !== null).map(e => e.dataset.id)")


def test_every_domain_is_on_the_map_coloured_by_lifecycle(page, base_url, tmp_path):
    page.goto(f"{base_url}/map/")
    catalog = load_catalog()
    assert catalog.domains
    for d, domain in catalog.domains.items():
        block = page.locator(f'div.jimu-domain[data-domain="{d}"]')
        assert block.is_visible(), d
        assert domain.name_zh in block.locator("h2").inner_text()
    production = page.locator("li.jimu-cap.jimu-lc-production").first
    assert production.evaluate("e => getComputedStyle(e).borderLeftColor") == "rgb(46, 125, 50)"
    assert page.locator(".jimu-legend .jimu-lifecycle").count() == 4
    assert page.locator("li.jimu-cap .jimu-usage").count() == page.locator("li.jimu-cap").count()
    assert _screenshot(page, tmp_path, "map-index").stat().st_size > 10_000


def test_a_product_page_draws_its_mermaid_diagram(page, base_url, tmp_path):
    page.goto(f"{base_url}/map/products/{PRODUCT}/")
    svg = page.locator(".mermaid svg").first
    svg.wait_for(state="attached", timeout=20_000)
    box = svg.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 50
    assert "resident_id" in svg.inner_html()  # the step graph's edges name the fields they carry
    _screenshot(page, tmp_path, "map-product")


def test_search_finds_a_capability_by_part_of_its_chinese_name(page, base_url, tmp_path):
    page.goto(f"{base_url}/map/")
    box = page.locator("input.md-search__input")  # in the header at this width
    box.click()
    box.press_sequentially("身份", delay=50)  # two characters of 个人客户身份核验
    # Playwright inserts CJK text without key events (as an IME commit would send); Material
    # reads the query on keyup, so end with a real key
    box.press("End")
    hit = page.locator(".md-search-result__item", has_text="个人客户身份核验")
    hit.first.wait_for(state="visible", timeout=20_000)
    assert "customer.kyc.person" in hit.first.locator("a").get_attribute("href")
    _screenshot(page, tmp_path, "map-search")


def test_filters_hide_and_show_blocks(page, base_url, tmp_path):
    page.goto(f"{base_url}/map/")
    form = page.locator("form.jimu-filters")
    assert form.is_visible()  # hidden in the HTML; the script shows it once it is wired
    everything = _visible(page, "li.jimu-cap")
    assert {"customer", "risk"} <= {page.locator(f'li.jimu-cap[data-id="{i}"]').first.get_attribute("data-domain")
                                    for i in everything}

    # domain: only the customer block stays
    form.locator("select[name=domain]").select_option("customer")
    shown = page.eval_on_selector_all("div.jimu-domain", "els => els.filter(e => e.offsetParent).map(e => e.dataset.domain)")
    assert shown == ["customer"]
    assert "of" in form.locator(".jimu-count").inner_text()

    # level: without L5, no step is shown; L4 tasks still are
    form.locator("input[name=level][value='5']").uncheck()
    assert not _visible(page, "li.jimu-cap[data-level='5']")
    assert _visible(page, "li.jimu-cap[data-level='4']")
    form.locator("input[name=level][value='5']").check()
    assert _visible(page, "li.jimu-cap[data-level='5']")

    # lifecycle: production off leaves only other statuses as matches; production blocks remain
    # only as dimmed context for what is nested under them
    form.locator("select[name=domain]").select_option("")
    form.locator("input[name=lifecycle][value='production']").uncheck()
    matches = page.eval_on_selector_all(
        "li.jimu-cap:not(.jimu-hidden):not(.jimu-context)", "els => els.map(e => e.dataset.lifecycle)")
    assert matches and "production" not in matches
    context = page.eval_on_selector_all("li.jimu-cap.jimu-context", "els => els.map(e => e.dataset.lifecycle)")
    assert set(context) <= {"production"}
    _screenshot(page, tmp_path, "map-filtered")

    # text, then "Show all" restores every block
    form.locator("input[name=lifecycle][value='production']").check()
    form.locator("input[name=text]").fill("resident_id_checksum")
    assert _visible(page, "li.jimu-cap:not(.jimu-context)")
    assert set(_visible(page, "li.jimu-cap:not(.jimu-context)")) <= {"customer.step.resident_id_checksum"}
    form.locator("button[type=reset]").click()
    page.wait_for_function("() => !document.querySelector('li.jimu-cap.jimu-hidden')")
    assert _visible(page, "li.jimu-cap") == everything


def test_filters_work_after_an_instant_navigation(page, instant_url):
    """With navigation.instant, Material swaps pages in place; document$ re-runs the filter setup."""
    page.goto(f"{instant_url}/")
    page.wait_for_load_state("networkidle")  # the sitemap is fetched: instant navigation is armed
    page.evaluate("window.jimuMarker = 1")  # survives only if the page is never reloaded
    page.locator("a[href$='map/']").first.click()
    form = page.locator("form.jimu-filters")
    form.wait_for(state="visible", timeout=20_000)
    assert page.evaluate("window.jimuMarker") == 1, "the click reloaded the page: instant navigation is off"
    form.locator("select[name=domain]").select_option("risk")
    shown = page.eval_on_selector_all("div.jimu-domain", "els => els.filter(e => e.offsetParent).map(e => e.dataset.domain)")
    assert shown == ["risk"]


def test_a_missing_browser_skips_but_fails_under_ci(monkeypatch):
    monkeypatch.delenv("JIMU_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception):
        _missing("no chromium")
    monkeypatch.setenv("JIMU_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="JIMU_REQUIRE_BROWSER=1"):
        _missing("no chromium")
