"""Administration: accounts (views.py) and subject access requests (subject_access.py, its
pages in subject_access_views.py). The area owns its blueprint `bp` (under /staff/admin); its
view modules add pages to it."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/staff/admin")

from engage.admin import views  # noqa: E402,F401,I001  (views first, as before)
from engage.admin import subject_access_views  # noqa: E402,F401
