"""Who may see and keep which user log.

Decision (see docs/user-logs.md): producers keep the logs of the outputs they own
(Output.producers). The CSO, the Chief Statistician and administrators see and keep every log:
they hold both `edit_user_logs` and `view_all_user_logs`; administrators need the personal data
for subject access and erasure requests. A producer may read another output's catalogue page but
never its user log. Personal data (email, phone) is shown only to people who may edit the log.
"""

from __future__ import annotations

from typing import Any

from engage.auth.permissions import has_permission
from engage.outputs.models import Feedback, Output


def sees_all_logs(user: Any) -> bool:
    return has_permission(user, "view_all_user_logs")


def can_view_log(user: Any, output: Output) -> bool:
    if not has_permission(user, "view_outputs"):
        return False
    return sees_all_logs(user) or (user.has_role("producer") and output.is_owned_by(user))


def can_edit_log(user: Any, output: Output) -> bool:
    if not has_permission(user, "edit_user_logs"):
        return False
    return sees_all_logs(user) or (user.has_role("producer") and output.is_owned_by(user))


def can_see_personal_data(user: Any, output: Output) -> bool:
    return can_edit_log(user, output)


def can_review_output(user: Any, output: Output) -> bool:
    """Reviews are kept by the people who keep the log."""
    return can_edit_log(user, output)


def can_view_feedback(user: Any, feedback: Feedback) -> bool:
    """Feedback may carry an email address: producers see it for their own outputs only;
    general feedback (no output) goes to the CSO office and administrators."""
    if not has_permission(user, "view_feedback"):
        return False
    if feedback.output is None:
        return sees_all_logs(user)
    return can_view_log(user, feedback.output)


def has_edit_permission(user: Any) -> bool:
    return has_permission(user, "edit_user_logs")
