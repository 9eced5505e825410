"""``/inhalt/<id>``: one content item in full, so every answer's link works offline."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from ..render import markdown_html
from ..search import IndexMissing

bp = Blueprint("items", __name__)


@bp.route("/inhalt/<path:item_id>")
def show(item_id: str):
    try:
        snapshot = current_app.extensions["faqbot.engine"].snapshot()
    except IndexMissing:
        abort(503)
    passages = [snapshot.records[pid] for pid in snapshot.by_item.get(item_id, ())]
    if not passages:
        abort(404)
    first = passages[0]
    related = []
    for target in first.get("see_also", []):
        ids = [target] if target in snapshot.records else snapshot.by_item.get(target, [])
        rec = snapshot.records[ids[0]] if ids else None
        if rec:
            related.append({"id": target, "title": rec["item_title"]})
    return render_template(
        "item.html", item_id=item_id, kind=first["kind"], title=first["item_title"],
        stand=first["stand"], source=first["source"], teaser=first.get("teaser", ""),
        person=first.get("person", ""), easy=first.get("easy", ""), related=related,
        passages=[{"anchor": r["anchor"], "title": r["title"], "html": markdown_html(r["text"])}
                  for r in passages],
    )
