"""Staff search: /staff/search?q=... (the box at the top of every staff page)."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from engage import audit
from engage.auth.permissions import requires
from engage.calendar import today_london
from engage.cases import bp, clock
from engage.cases.access import record_views
from engage.cases.search import QUERY_MAX, RESULTS_MAX, find_by_reference, search_cases
from engage.pagination import paginate_known
from engage.textpolicy import clean_line


@bp.route("/staff/search")
@requires("view_cases")
def case_search():
    user = current_user._get_current_object()
    # Shown back in the title and the box: no control characters (a NUL is not HTML) and no
    # bidirectional overrides (they would turn the words around the text shown).
    text = clean_line((request.args.get("q") or "")[:QUERY_MAX])
    case = find_by_reference(user, text)
    if case is not None:
        return redirect(url_for("cases.case_page", reference=case.reference))
    found = search_cases(user, text, RESULTS_MAX)
    page = (
        paginate_known(found.cases, total=len(found.ids), per_page=25)
        if found is not None
        else None
    )
    today = today_london()
    cal = clock.current_calendar()
    rows = [(c, clock.sla_status(c, today, cal)) for c in page.items] if page else []
    # A complaint's subject is its text: showing it in results is a view of the complaint.
    record_views(user, [c for c, _ in rows], how="search")
    html = render_template(
        "cases/search.html", text=text, page=page, rows=rows, more=found is not None and found.more
    )
    audit.commit_views()
    return html
