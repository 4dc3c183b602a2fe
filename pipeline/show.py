"""One article as a page a person can check: the clean text with its institutions and projects
highlighted by spaCy's displaCy, then the relations with their evidence sentences.

    result = pipeline.load().extract(open("samples/000_55cba44dae8bb6cf.txt", "rb").read())
    html = render(result)                      # a complete HTML page (UTF-8)

Highlights use the mentions' own character offsets in ``article.text`` (displaCy's manual mode);
hovering over one shows its canonical name, type and rule.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path
from typing import Any

from spacy import displacy

from .errors import FinnewsError
from .records import ERROR, Mention, Relation, Result
from .settings import Settings

COLORS = {"INSTITUTION": "#7aecec", "PROJECT": "#feca74"}
ROLE_NAMES = {"lead": "lead (牵头)", "co_applicant": "co-applicant (联合申报)"}
# displaCy's entity template, plus a tooltip (``tip``, escaped here) naming the canonical form and the rule
_ENT_TEMPLATE = """
<mark class="entity" title="{tip}" style="background: {bg}; padding: 0.45em 0.6em; margin: 0 0.25em; line-height: 1; \
border-radius: 0.35em;">
    {text}
    <span style="font-size: 0.8em; font-weight: bold; line-height: 1; border-radius: 0.35em; vertical-align: middle; \
margin-left: 0.5rem">{label}{kb_link}</span>
</mark>
"""
_STYLE = """<style>
table.relations { border-collapse: collapse; margin-top: 1em; font-size: 14px; }
table.relations th, table.relations td { border: 1px solid #ccc; padding: 0.3em 0.6em; vertical-align: top;
  text-align: left; }
table.relations th { background: #f4f4f4; }
td.offsets, td.rule { font-family: monospace; white-space: nowrap; }
p.error { color: #b00020; font-weight: bold; }
p.meta { color: #555; }
</style>"""


def _entities(mentions: Iterable[Mention]) -> list[dict[str, Any]]:
    """displaCy spans for the mentions; of overlapping mentions the longest is kept (displaCy's
    entity style cannot nest)."""
    chosen: list[Mention] = []
    for m in sorted(mentions, key=lambda m: (-(m.end - m.start), m.start)):
        if m.end > m.start and all(m.end <= c.start or m.start >= c.end for c in chosen):
            chosen.append(m)
    out = []
    for m in sorted(chosen, key=lambda m: m.start):
        tip = " · ".join(x for x in (m.canonical, m.type, m.rule) if x)
        out.append({"start": m.start, "end": m.end, "label": m.label,
                    "params": {"tip": escape(tip, quote=True)}})
    return out


def _relations_table(relations: Sequence[Relation]) -> str:
    if not relations:
        return "<h3>Relations</h3>\n<p>No relations found.</p>"
    head = "".join(f"<th>{h}</th>" for h in ("project", "role", "institution", "canonical", "rule", "evidence", "offsets"))
    rows = []
    for r in relations:
        cells = [escape(r.project) if r.project else "<em>(project not named)</em>",
                 escape(ROLE_NAMES.get(r.role, r.role)), escape(r.institution), escape(r.canonical)]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells)
                    + f'<td class="rule">{escape(r.rule)}</td><td class="sentence">{escape(r.sentence)}</td>'
                    + f'<td class="offsets">{r.start}–{r.end}</td></tr>')
    return (f'<h3>Relations ({len(relations)})</h3>\n<table class="relations">\n<thead><tr>{head}</tr></thead>\n'
            "<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>")


def render(result: Result) -> str:
    """A complete HTML page for one article: highlighted text, then the relations table."""
    a = result.article
    title = a.title or a.article_id
    spec = {"text": a.text, "ents": _entities(result.mentions), "title": escape(title),
            "settings": {"lang": "zh", "direction": "ltr"}}
    options = {"ents": list(COLORS), "colors": COLORS, "template": _ENT_TEMPLATE}
    page = displacy.render(spec, style="ent", manual=True, page=True, jupyter=False, options=options)
    meta = " · ".join(escape(x) for x in (a.article_id, a.source, a.published, a.input) if x)
    parts = [f'<p class="meta">{meta}</p>']
    if a.status == ERROR:
        parts.append(f'<p class="error">{escape(a.error)}</p>')
    counts = {label: sum(m.label == label for m in result.mentions) for label in COLORS}
    parts.append(f'<p class="meta">{counts["INSTITUTION"]} institution mentions, {counts["PROJECT"]} project mentions, '
                 f"{len(result.relations)} relations</p>")
    parts.append(_relations_table(result.relations))
    page = page.replace("<head>", f'<head>\n        <meta charset="utf-8">\n        {_STYLE}', 1)
    page = page.replace("<title>displaCy</title>", f"<title>{escape(title)} · finnews</title>", 1)
    body_start = page.index(">", page.index("<body")) + 1
    page = page[:body_start] + parts[0] + page[body_start:]
    return page.replace("</body>", "\n".join(parts[1:]) + "\n</body>", 1)


def extract_file(path: str | Path, *, settings: Settings | None = None, article_id: str | None = None) -> Result:
    """Extract the article in ``path``: the first one, or the one with ``article_id`` (JSON Lines)."""
    from .api import Extractor

    p = Path(path)
    if not p.is_file():
        raise FinnewsError("E301", detail=f"{path}: no such file")
    for result in Extractor(settings).iter_results([p]):
        if article_id is None or result.article.article_id == article_id:
            return result
    raise FinnewsError("E301", detail=f"{path}: no article with id {article_id!r}")


def write_page(page: str, path: str | Path) -> Path:
    """Write ``page`` as UTF-8 to ``path``; an unwritable path is a usage error."""
    target = Path(path)
    try:
        target.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise FinnewsError("E301", detail=f"{path}: cannot write the page ({exc.strerror or exc})") from exc
    return target
