"""The annual report (annual.py, figures.py, case_figures.py, exports.py), UKSA
recommendations (recommendations.py) and the public performance page (performance.py). The
area owns its blueprint `bp`; its view modules add pages to it."""

from flask import Blueprint

bp = Blueprint("reports", __name__)

from engage.reports import views  # noqa: E402,F401,I001  (views first, as before)
from engage.reports import recommendation_views  # noqa: E402,F401
