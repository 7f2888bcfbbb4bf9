"""Exports: streamed CSV and XLSX downloads (streaming.py), and exports built in the background
by the scheduler with a job record, a status page and an expiring download (background.py)."""

from flask import Blueprint

bp = Blueprint("exports", __name__)

from engage.exports import views  # noqa: E402,F401
