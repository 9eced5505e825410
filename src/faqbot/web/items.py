"""``/inhalt/<id>``: one content item in full, so every answer's link works offline; with
the item's versions and the period each applies to."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from ..periods import parse_day, period_label
from ..render import markdown_html
from ..search import IndexMissing
from ..settings import today_of
from ..services import services

bp = Blueprint("items", __name__)


@bp.route("/inhalt/<path:item_id>")
def show(item_id: str):
    try:
        snapshot = services().engine.snapshot()
    except IndexMissing:
        abort(503)
    keys = snapshot.by_item.get(item_id, ())
    if not keys:
        abort(404)
    today = today_of(current_app.config)
    day = today
    if request.args.get("datum"):
        try:
            day = parse_day(request.args["datum"])
        except ValueError:
            abort(400)
    # One version (its passages in order) per first day; the one applying on ``day``, else
    # the nearest before it, else the first.
    versions: dict[str | None, list[dict]] = {}
    for key in keys:
        rec = snapshot.records[key]
        versions.setdefault(rec["valid_from"], []).append(rec)
    ordered = sorted(versions, key=lambda start: start or "")
    chosen = next((s for s in ordered if snapshot.applies(versions[s][0]["key"], day)), None)
    if chosen is None:
        earlier = [s for s in ordered if (s or "") <= day.isoformat()]
        chosen = earlier[-1] if earlier else ordered[0]
    passages = versions[chosen]
    first = passages[0]
    related = []
    for target in first.get("see_also", []):
        rec = snapshot.record_at(target, today)
        if rec:
            related.append({"id": target, "title": rec["item_title"]})
    listed = [{"start": s, "label": period_label(s, versions[s][0]["valid_until"], today)
               or "Gilt ohne zeitliche Begrenzung",
               "title": versions[s][0]["item_title"], "current": s == chosen,
               "datum": s or versions[s][0]["valid_until"]}
              for s in ordered]
    return render_template(
        "item.html", item_id=item_id, kind=first["kind"], title=first["item_title"],
        stand=first["stand"], source=first["source"], teaser=first.get("teaser", ""),
        person=first.get("person", ""), easy=first.get("easy", ""), related=related,
        period=period_label(first["valid_from"], first["valid_until"], today),
        past=bool(first["valid_until"]) and first["valid_until"] < today.isoformat(),
        versions=listed if len(listed) > 1 else [],
        passages=[{"anchor": r["anchor"], "title": r["title"], "html": markdown_html(r["text"])}
                  for r in passages],
    )
