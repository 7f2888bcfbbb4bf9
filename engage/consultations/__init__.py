"""Consultations: drafting and decisions (service.py, rules.py, lifecycle.py), responses
(responses.py) and their analysis (analysis.py). The area owns its blueprint `bp`; its view
modules add pages to it and share only pages.py."""

from flask import Blueprint

bp = Blueprint("consultations", __name__)

from engage.consultations import views  # noqa: E402,F401,I001  (views first, as before)
from engage.consultations import analysis_views, public_views  # noqa: E402,F401
