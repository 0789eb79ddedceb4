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
  const other = [...document.querySelectorAll('main a[href]:not([download])')]
    .filter(a => !a.closest('table, nav')).map(a => a.href);
  // Every text node, unless it is marked as being in another language (lang="ru" on an English
  // page: Russian content, not interface).
  const texts = new Set();
  const lang = document.documentElement.lang;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    if (!parent || ['SCRIPT', 'STYLE', 'TEXTAREA', 'OPTION'].includes(parent.tagName)) continue;
    if (parent.closest('[hidden], template')) continue;
    const marked = parent.closest('[lang]');
    if (marked && marked.lang !== lang) continue;
    const text = node.textContent.replace(/\\s+/g, ' ').trim();
    if (text) texts.add(text);
  }
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [alt], input[type=submit][value]')) {
    const marked = el.closest('[lang]');
    if (marked && marked.lang !== lang) continue;
    for (const name of ['aria-label', 'title', 'placeholder', 'alt', 'value']) {
      if (name === 'value' && el.type !== 'submit') continue;
      const value = el.getAttribute(name);
      if (value && value.trim()) texts.add(value.trim());
    }
  }
  for (const option of document.querySelectorAll('select option')) {
    const marked = option.closest('[lang]');
    if (!marked || marked.lang === lang) texts.add(option.textContent.trim());
  }
  texts.add(document.title);
  return {nav, first, other, texts: [...texts], lang,
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
                    values.add(re.sub(r"\s+", " ", value).strip())
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
    """The texts of an English page that still hold Cyrillic once the data in them is cut out.
    A text that is a part of a data value (a snippet of an FAQ answer cut at "…", the words
    around a <mark>) is data."""
    found = []
    for text in texts:
        if not CYRILLIC.search(text):
            continue
        rest = []
        for piece in re.split(r"…|\.\.\.", text):
            piece = piece.strip()
            if not CYRILLIC.search(piece) or any(piece in value for value in data):
                continue
            for value in data:
                if value in piece:
                    piece = piece.replace(value, " ")
                    if not CYRILLIC.search(piece):
                        break
            rest.append(piece)
        # A reference such as ЗЛ-2026-000123 and a Russian language name offered as a choice are data.
        leftover = re.sub(r"ЗЛ-\d{4}-\d+|Русский", " ", " ".join(rest))
        if CYRILLIC.search(leftover):
            found.append(text[:120])
    return found


def shape(url: str) -> str:
    """/enquiries/18 and /enquiries/10 are one page to check: the first found stands for both."""
    return re.sub(r"/\d+(?=/|$|\?)", "/{id}", url)


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


def discover(page, base: str, starts: list[str], failed: list[str] | None = None) -> list[str]:
    """The pages reachable from `starts`: the navigation's links everywhere, the first row's link
    of every table, and from the home and the pages one step from it every other link in the page;
    one page of each shape, in the order found. Links that fail are added to `failed`."""
    tried: set[str] = set()
    pages: list[str] = []    # where the links led (after redirects), in the order found
    shapes: set[str] = set()
    queue = [(normalise(base + start, base), 0, "start") for start in starts]
    while queue and len(pages) < MAX_PAGES:
        url, depth, source = queue.pop(0)
        if url is None or url in tried or shape(url) in shapes:
            continue
        tried.add(url)
        response = page.goto(url)
        final = normalise(page.url, base)
        tried.add(final)
        if response is None or response.status >= 400:
            if failed is not None:
                failed.append(f"{url.replace(base, '')} (a link on {source}): "
                              f"HTTP {response.status if response else 'no response'}")
            continue
        if final is None or shape(final) in shapes:
            continue
        pages.append(final)
        shapes.add(shape(final))
        if depth >= MAX_DEPTH:
            continue
        found = page.evaluate(COLLECT_JS)
        links = found["nav"] + found["first"] + (found["other"] if depth <= 1 else [])
        for link in links:
            target = normalise(link, base)
            if target and target not in tried and shape(target) not in shapes:
                queue.append((target, depth + 1, final.replace(base, "")))
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
