"""The crawl behind tests/browser/test_crawl.py: which pages a role reaches, and what each must pass.

Pages are found, not listed: from the role's home, every link of the navigation (the header and
any `nav` inside the page: admin sections, period presets, breadcrumbs) and the first row's link
of every table (the first enquiry, call, caller, FAQ entry, user...), a few levels deep. Each page
is then checked at each language and width in one browser context per role/language/width:

- no sideways scroll (the document is no wider than the window);
- 0 axe-core violations of any impact (axe.min.js from axe-playwright-python, injected: no network);
- no console error and no uncaught script error (a CSP refusal is a console error);
- on English pages, no Cyrillic text or label that is not data (what the database holds: names,
  questions, answers), i.e. no untranslated interface string.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import axe_playwright_python
from sqlalchemy import String, Text, select

AXE_SCRIPT = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
WIDTHS = {"desktop": (1366, 768), "phone": (390, 844)}
LANGUAGES = ("ru", "en")
MAX_PAGES = 45          # per role: enough for every section, bounded in time
MAX_DEPTH = 3
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
SKIP_PATH = re.compile(r"(/static/|/export|\.csv$|\.json$|\.xlsx$|\.xml$|/file$|/logout)")

# Links and labels on one page: the navigation's, the first row's of each table, and every
# visible text node and label (for the untranslated-string check).
COLLECT_JS = """() => {
  const nav = [...document.querySelectorAll('header nav a[href], main nav a[href]')].map(a => a.href);
  const first = [];
  for (const table of document.querySelectorAll('main table')) {
    const row = table.querySelector('tbody tr');
    const link = row && row.querySelector('a[href]:not([download])');
    if (link) first.push(link.href);
  }
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    if (!parent || ['SCRIPT', 'STYLE', 'TEXTAREA', 'OPTION'].includes(parent.tagName)) continue;
    if (parent.closest('[hidden], template')) continue;
    const text = node.textContent.trim();
    if (text) texts.push(text);
  }
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [alt], input[type=submit][value]')) {
    for (const name of ['aria-label', 'title', 'placeholder', 'alt', 'value']) {
      if (name === 'value' && el.type !== 'submit') continue;
      const value = el.getAttribute(name);
      if (value && value.trim()) texts.push(value.trim());
    }
  }
  for (const option of document.querySelectorAll('select option')) texts.push(option.textContent.trim());
  texts.push(document.title);
  return {nav, first, texts, lang: document.documentElement.lang,
          scroll: document.documentElement.scrollWidth, width: document.documentElement.clientWidth};
}"""


def data_strings(db) -> list[str]:
    """Every Cyrillic value the database holds in a text column, except the Russian half of a
    translated pair (`name_ru`, `country_ru`: an English page must show the `_en` half): data,
    which an English page shows as it was written. Longest first, to cut out of page texts."""
    from hotline.extensions import db as _db

    values: set[str] = set()
    for mapper in _db.Model.registry.mappers:
        table = mapper.persist_selectable
        columns = [c for c in table.columns if isinstance(c.type, (String, Text)) and not c.name.endswith("_ru")]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)).all():
            for value in row:
                if isinstance(value, str) and CYRILLIC.search(value):
                    values.add(value.strip())
                    values.update(part.strip() for part in value.splitlines() if part.strip())
        for column in table.columns:  # JSON details (the trail's "from"/"to") are data too
            if column.type.__class__.__name__ == "JSON":
                for (value,) in db.session.execute(select(column)).all():
                    if value:
                        values.update(v for v in re.findall(r'"((?:[^"\\\\]|\\\\.)*)"',
                                                             json.dumps(value, ensure_ascii=False))
                                      if CYRILLIC.search(v))
    return sorted(values, key=len, reverse=True)


def untranslated(texts: list[str], data: list[str]) -> list[str]:
    """The texts of an English page that still hold Cyrillic once the data in them is cut out."""
    found = []
    for text in texts:
        if not CYRILLIC.search(text):
            continue
        rest = text
        for value in data:
            if value in rest:
                rest = rest.replace(value, " ")
                if not CYRILLIC.search(rest):
                    break
        # A reference such as ЗЛ-2026-000123 and a Russian language name offered as a choice are data.
        rest = re.sub(r"ЗЛ-\d{4}-\d+|Русский", " ", rest)
        if CYRILLIC.search(rest):
            found.append(text[:120])
    return found


def normalise(url: str, base: str) -> str | None:
    parts = urlsplit(url)
    if not url.startswith(base) or SKIP_PATH.search(parts.path):
        return None
    query = "&".join(sorted(q for q in parts.query.split("&") if q and not q.startswith("page=")))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


@dataclass
class Report:
    pages: dict[str, list[str]] = field(default_factory=dict)   # role → paths
    visits: int = 0
    violations: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, where: str, what: str) -> None:
        self.problems.append(f"{where}: {what}")


def discover(page, base: str, start: str) -> list[str]:
    """The pages reachable from `start` by navigation and first items, in the order found."""
    tried: set[str] = set()
    pages: list[str] = []    # where the links led (after redirects), in the order found
    queue = [(normalise(base + start, base), 0)]
    while queue and len(pages) < MAX_PAGES:
        url, depth = queue.pop(0)
        if url is None or url in tried:
            continue
        tried.add(url)
        response = page.goto(url)
        final = normalise(page.url, base)
        tried.add(final)
        if final is None or final in pages or response is None or response.status >= 400:
            continue
        pages.append(final)
        if depth >= MAX_DEPTH:
            continue
        found = page.evaluate(COLLECT_JS)
        for link in found["nav"] + found["first"]:
            target = normalise(link, base)
            if target and target not in tried:
                queue.append((target, depth + 1))
    return pages


def watch(page) -> list[str]:
    """The console errors and uncaught exceptions of `page`, as they come."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def check_page(page, errors: list[str], url, where: str, lang: str, data: list[str], report: Report) -> None:
    """Open `url` (or call it: a step that ends on the page, such as a form sent) and check it."""
    errors.clear()
    response = page.goto(url) if isinstance(url, str) else url(page)
    page.wait_for_load_state("load")
    report.visits += 1
    if response is None or response.status >= 400:
        report.add(where, f"HTTP {response.status if response else 'no response'}")
        return
    found = page.evaluate(COLLECT_JS)
    if found["lang"] != lang:
        report.add(where, f"<html lang={found['lang']!r}>, expected {lang}")
    if found["scroll"] > found["width"]:
        report.add(where, f"sideways scroll: {found['scroll']} px wide in {found['width']} px")
    page.evaluate(AXE_SCRIPT)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    for violation in result["violations"]:
        report.violations += len(violation["nodes"])
        targets = ", ".join(str(node["target"][0]) for node in violation["nodes"][:3])
        report.add(where, f"axe {violation['id']} ({violation['impact']}) ×{len(violation['nodes'])}: {targets}")
    if lang == "en":
        for text in untranslated(found["texts"], data):
            report.add(where, f"untranslated: {text!r}")
    for error in errors:
        report.add(where, f"console: {error[:200]}")
