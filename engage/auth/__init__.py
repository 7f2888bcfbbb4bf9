"""Staff accounts, roles and permissions (models.py, permissions.py), sign-in with passwords
and a second factor (service.py, passwords.py, password_change.py, second_factor.py, lockout.py).
The area owns its blueprint `bp` (under /staff); its view modules add pages to it and share
only pages.py."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/staff")

from engage.auth import views  # noqa: E402,F401,I001  (views first, as before)
from engage.auth import password_views, second_factor_views  # noqa: E402,F401
