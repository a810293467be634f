"""One self-contained web page: readable on screen, printable on A4, with a table of contents
and a filter box that narrows the examples as one types.

No external file or request (styles and script inline, a Content-Security-Policy that forbids
any other source); the page is complete without JavaScript (the filter box only appears with
it) and works from `file://`. Every text from the catalogue is HTML-escaped; only http(s) and
mailto addresses become links. Labels come from `fields.detail_rows`.
"""

from __future__ import annotations

import re
from html import escape

from .. import __version__
from ..fields import BY_NAME, detail_rows
from ..model import Catalogue, Exemple
from . import TITLE, Selection, date_fr, export_date, grouped, mail_address, web_url

_LABEL_TO_FIELD = {f.label: f.name for f in BY_NAME.values()}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")

CSS = """
:root { --ink: #1b2330; --muted: #5b6575; --line: #d5dbe4; --accent: #1f4e9a; --soft: #eef2f7; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif;
  color: var(--ink); margin: 0 auto; max-width: 60rem; padding: 1.5rem; }
h1 { font-size: 1.7rem; line-height: 1.25; margin: 0 0 .5rem; color: var(--accent); }
h2 { font-size: 1.4rem; margin: 2.5rem 0 .5rem; padding-bottom: .2rem; border-bottom: 2px solid var(--accent); }
h3 { font-size: 1.15rem; margin: 1.8rem 0 .4rem; color: var(--accent); }
h4 { font-size: 1.05rem; margin: 0 0 .4rem; }
a { color: var(--accent); overflow-wrap: anywhere; }
.meta { color: var(--muted); }
.meta dt { font-weight: 600; color: var(--ink); float: left; clear: left; margin-right: .4rem; }
.meta dd { margin: 0 0 .2rem; }
nav.sommaire h2 { margin-top: 0; border: none; break-before: auto; }
nav.sommaire { background: var(--soft); padding: .8rem 1.2rem; border-radius: 6px; margin: 1.2rem 0; }
nav.sommaire ul { margin: .2rem 0; padding-left: 1.2rem; }
nav.sommaire > ul { padding-left: 0; list-style: none; }
nav.sommaire > ul > li > a { font-weight: 600; }
.filtre { position: sticky; top: 0; background: #fff; padding: .6rem 0; z-index: 1; border-bottom: 1px solid var(--line); }
.filtre input { font: inherit; width: 100%; max-width: 32rem; padding: .4rem .6rem; border: 1px solid var(--muted); border-radius: 4px; }
.filtre output { margin-left: .8rem; color: var(--muted); }
article.exemple { border: 1px solid var(--line); border-radius: 6px; padding: .9rem 1.1rem; margin: 1rem 0; }
.sous-actions { color: var(--muted); }
table.faits { border-collapse: collapse; width: 100%; font-size: .92rem; margin-top: .6rem; }
table.faits th { text-align: left; vertical-align: top; width: 11rem; background: var(--soft); font-weight: 600; }
table.faits th, table.faits td { border: 1px solid var(--line); padding: .25rem .5rem; }
[hidden] { display: none !important; }
@media print {
  @page { size: A4; margin: 16mm 15mm; }
  body { font-size: 10.5pt; max-width: none; padding: 0; }
  .filtre { display: none !important; }
  nav.sommaire { background: none; padding: 0; }
  main h2 { break-before: page; }
  h2, h3, h4 { break-after: avoid; break-inside: avoid; }
  article.exemple { border: none; padding: 0; border-top: 1px solid var(--line); border-radius: 0; }
  table.faits tr { break-inside: avoid; }
  a { color: inherit; }
  a.libelle::after { content: " <" attr(href) ">"; font-size: .85em; color: var(--muted); overflow-wrap: anywhere; }
}
"""

# Plain JavaScript, no module, no fetch: works from file://. Accents and case are ignored.
SCRIPT = """
(function () {
  var box = document.querySelector(".filtre");
  var input = document.getElementById("filtre");
  var count = document.getElementById("compte");
  var articles = Array.prototype.slice.call(document.querySelectorAll("article.exemple"));
  function fold(s) { return s.normalize("NFD").replace(/[\\u0300-\\u036f]/g, "").toLowerCase(); }
  var texts = articles.map(function (a) { return fold(a.textContent); });
  box.hidden = false;
  function apply() {
    var words = fold(input.value).split(/\\s+/).filter(Boolean);
    var shown = 0;
    articles.forEach(function (a, i) {
      var ok = words.every(function (w) { return texts[i].indexOf(w) >= 0; });
      a.hidden = !ok;
      var entry = document.querySelector('nav.sommaire a[href="#' + a.id + '"]');
      if (entry) { entry.parentNode.hidden = !ok; }
      if (ok) { shown += 1; }
    });
    document.querySelectorAll("section.action, section.axe").forEach(function (s) {
      s.hidden = !s.querySelector("article.exemple:not([hidden])");
      var entry = document.querySelector('nav.sommaire a[href="#' + s.id + '"]');
      if (entry) { entry.parentNode.hidden = s.hidden; }
    });
    count.textContent = shown + " exemple" + (shown > 1 ? "s" : "") + " sur " + articles.length;
  }
  input.addEventListener("input", apply);
  apply();
})();
"""


def _t(text: str) -> str:
    """Catalogue text as HTML: escaped, control characters dropped, line breaks kept."""
    return "<br>".join(
        escape(line) for line in _CONTROL.sub("", text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    )


def _link(label: str, url: str | None) -> str:
    safe = web_url(url)
    if safe is None:
        return _t(f"{label} ({url})" if url and label != url else (url or label))
    # On paper, a link whose text is not its address is followed by the address.
    css = ' class="libelle"' if label != safe else ""
    return f'<a href="{escape(safe)}"{css} rel="noopener noreferrer">{_t(label)}</a>'


def _value(e: Exemple, name: str | None, text: str) -> str:
    if name == "ressources":
        parts = []
        for r in e.ressources:
            if r.url:
                parts.append(_link(r.libelle or r.url, r.url))
            else:
                parts.append(_t(f"{r.libelle + ' : ' if r.libelle else ''}{r.fichier or ''} (fichier cité sans lien)"))
        return "<br>".join(parts)
    if name == "contacts":
        parts = []
        for c in e.contacts:
            who = _t(", ".join(x for x in (c.nom, c.fonction) if x))
            address = mail_address(c.email)
            mail = f'<a href="mailto:{escape(address)}">{escape(address)}</a>' if address else _t(c.email or "")
            parts.append(" ".join(x for x in (who, mail) if x))
        return "<br>".join(parts)
    return _t(text)


def _exemple(catalogue: Catalogue, e: Exemple, anchor: str, level: int = 4) -> list[str]:
    out = [f'<article class="exemple" id="{escape(anchor)}">', f"<h{level}>{_t(e.titre)}</h{level}>"]
    out.append(f"<p>{_t(e.description)}</p>")
    out.append('<table class="faits">')
    for label, text in detail_rows(catalogue, e):
        name = _LABEL_TO_FIELD.get(label)
        if name == "description":
            continue
        out.append(f'<tr><th scope="row">{escape(label)}</th><td>{_value(e, name, text)}</td></tr>')
    out += ["</table>", "</article>"]
    return out


class _Anchors:
    def __init__(self) -> None:
        self.used: set[str] = set()

    def add(self, wanted: str) -> str:
        base = wanted if _ID.match(wanted) else "exemple"
        anchor, n = base, 1
        while anchor in self.used:
            n += 1
            anchor = f"{base}-{n}"
        self.used.add(anchor)
        return anchor


def _page(title: str, head: list[str], body: list[str], script: bool) -> str:
    csp = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
    out = [
        "<!doctype html>",
        '<html lang="fr">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f'<meta name="generator" content="qpv {escape(__version__)}">',
        f"<title>{escape(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        *head,
        *body,
    ]
    if script:
        out.append(f"<script>{SCRIPT}</script>")
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


def _header(selection: Selection) -> list[str]:
    cited = selection.cited()
    return [
        "<header>",
        f"<h1>{escape(TITLE)}</h1>",
        f'<p class="meta">Export du {date_fr(export_date())} par qpv {escape(__version__)}.</p>',
        '<dl class="meta">',
        f"<dt>Sélection :</dt><dd>{_t(selection.description())}</dd>",
        f"<dt>Pour la reproduire :</dt><dd><code>{_t(selection.command)}</code></dd>",
        f"<dt>Source{'s' if len(cited) > 1 else ''} :</dt><dd>{'<br>'.join(_t(s) for s in cited)}</dd>",
        "</dl>",
        "</header>",
    ]


def render(selection: Selection) -> str:
    cat = selection.catalogue
    anchors = _Anchors()
    toc: list[str] = []
    body: list[str] = []
    current = None
    for axe, action, records in grouped(selection):
        if axe.id != current:
            if current is not None:
                toc += ["</ul></li>"]
                body += ["</section>"]
            current = axe.id
            axe_id = anchors.add(f"axe-{axe.id}")
            title = _t(f"Axe {axe.numero} — {axe.titre}")
            toc += [f'<li><a href="#{axe_id}">{title}</a><ul>']
            body += [f'<section class="axe" id="{axe_id}">', f"<h2>{title}</h2>"]
        action_id = anchors.add(f"action-{action.numero}")
        title = _t(f"Action {action.numero} — {action.titre}")
        toc += [f'<li><a href="#{action_id}">{title}</a><ul>']
        body += [f'<section class="action" id="{action_id}">', f"<h3>{title}</h3>"]
        if action.sous_actions:
            body += ['<ul class="sous-actions">', *(f"<li>{_t(s)}</li>" for s in action.sous_actions), "</ul>"]
        for e in records:
            anchor = anchors.add(e.id)
            toc.append(f'<li><a href="#{escape(anchor)}">{_t(e.titre)}</a></li>')
            body += _exemple(cat, e, anchor)
        toc += ["</ul></li>"]
        body += ["</section>"]
    if current is not None:
        toc += ["</ul></li>"]
        body += ["</section>"]
    filtre = [
        '<div class="filtre" hidden>',
        '<label for="filtre">Filtrer les exemples : </label>',
        '<input id="filtre" type="search" placeholder="un mot, un lieu, un partenaire…" autocomplete="off">',
        '<output id="compte" for="filtre" aria-live="polite"></output>',
        "</div>",
    ]
    nav = ['<nav class="sommaire" aria-label="Sommaire">', "<h2>Sommaire</h2>", "<ul>", *toc, "</ul>", "</nav>"]
    return _page(TITLE, _header(selection), [*filtre, *nav, "<main>", *body, "</main>"], script=True)
