"""Outputs and their users: the catalogue (catalogue.py), user logs (logs.py, userlog.py,
importing.py, exporting.py), reviews, feedback and success stories. The area owns its blueprint
`bp`; its view modules add pages to it and share only pages.py."""

from flask import Blueprint

bp = Blueprint("outputs", __name__)

# In the order their routes were registered before the split (the user log's first).
from engage.outputs import views  # noqa: E402,F401,I001
from engage.outputs import userlog_views  # noqa: E402,F401,I001
from engage.outputs import feedback_views, review_views, story_views  # noqa: E402,F401,I001
