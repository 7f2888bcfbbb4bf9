"""The statement's fixed vocabularies, used by every area. Keys are stored; labels are shown."""

from __future__ import annotations

USER_CATEGORIES: dict[str, str] = {
    "government": "Ministers, policy makers and analysts in the department and other government "
    "departments",
    "parliament": "Parliament, including MPs and the House of Lords",
    "international": "European and other international bodies",
    "academic": "Academics, researchers and students",
    "expert": "Expert external special interest and judicial reform organisations",
    "media": "Media and commentators",
    "public": "The public",
}

USER_CATEGORY_SHORT: dict[str, str] = {
    "government": "Government",
    "parliament": "Parliament",
    "international": "International bodies",
    "academic": "Academics and researchers",
    "expert": "Expert organisations",
    "media": "Media",
    "public": "Public",
}

ENGAGEMENT_LEVELS: dict[str, str] = {
    "access": "Access: quick and easy access to the latest statistics",
    "informed": "Informed: told of publications and developments",
    "consulted": "Consulted: on methodology, publication or use",
    "involved": "Involved: helps steer the work programme",
}
ENGAGEMENT_LEVEL_SHORT: dict[str, str] = {
    "access": "Access",
    "informed": "Informed",
    "consulted": "Consulted",
    "involved": "Involved",
}
LEVEL_ORDER = ["access", "informed", "consulted", "involved"]

LOG_SOURCES: dict[str, str] = {
    "user_request": "User request",
    "feedback_form": "Feedback form",
    "consultation_response": "Consultation response",
    "event": "Event",
    "correspondence": "Correspondence",
    "other": "Other",
}

CONTACT_CHANNELS: dict[str, str] = {
    "email": "Email",
    "phone": "Phone",
    "meeting": "Meeting",
    "event": "Event",
    "letter": "Letter",
    "social_media": "Social media",
    "feedback_form": "Feedback form",
}

CASE_KINDS: dict[str, str] = {
    "enquiry": "Enquiry about published statistics",
    "unpublished_statistics": "Request for statistics not in existing publications",
    "different_format": "Request for statistics in a different format",
    "media": "Media enquiry",
    "service_complaint": "Complaint about the service",
    "foi_complaint": "Complaint about information provided under Freedom of Information",
}
COMPLAINT_KINDS = frozenset({"service_complaint", "foi_complaint"})

CASE_CHANNELS: dict[str, str] = {
    "web": "Web form",
    "email": "Email",
    "letter": "Letter",
    "phone": "Phone",
    "feedback": "Feedback form",
}

CASE_STATES: dict[str, str] = {
    "received": "Received",
    "acknowledged": "Acknowledged",
    "awaiting_clarification": "Awaiting clarification",
    "responded": "Responded",
    "closed": "Closed",
    "transferred": "Transferred",
    "withdrawn": "Withdrawn",
    "referred_to_uksa": "Referred to the UK Statistics Authority",
}

# Where a case may be transferred (the clock stops), named as in a sentence: "Transferred to the
# press office", the requester's email, the case page. `TRANSFER_LABELS` are the same names as
# labels (the transfer form's choices, the report's table): one definition, two forms.
TRANSFER_TARGETS: dict[str, str] = {
    "foi": "the Freedom of Information team",
    "internal_review": "the FoI internal review",
    "press_office": "the press office",
}


def _as_label(name: str) -> str:
    name = name.removeprefix("the ")
    return name[:1].upper() + name[1:]


TRANSFER_LABELS: dict[str, str] = {key: _as_label(name) for key, name in TRANSFER_TARGETS.items()}

# States in which a case's clocks may still run (the dashboard counts these as open).
OPEN_STATES = frozenset({"received", "acknowledged", "awaiting_clarification"})

SLA_STATUSES: dict[str, str] = {
    "in_time": "In time",
    "due_soon": "Due soon",
    "overdue": "Overdue",
    "met": "Met",
    "missed": "Missed",
    "not_measured": "Not measured",
}

CONSULTATION_REASONS: dict[str, str] = {
    "content": "A significant change to the content of publications",
    "method_of_publication": "A significant change to the method of publication",
    "methodology": "A major methodological change",
    "how_we_publish": "A significant change to how we publish (for example merging related "
    "publications)",
}

CONSULTATION_STATES: dict[str, str] = {
    "draft": "Draft",
    "awaiting_approval": "Awaiting approval",
    "approved": "Approved (scheduled)",
    "open": "Open",
    "closed": "Closed",
    "response_published": "Response published",
    "rejected": "Rejected",
    "withdrawn": "Withdrawn",
}

QUESTION_KINDS: dict[str, str] = {
    "free_text": "Free text",
    "single_choice": "Single choice",
    "multiple_choice": "Multiple choice",
}

RECOMMENDATION_STATUSES: dict[str, str] = {
    "not_started": "Not started",
    "in_progress": "In progress",
    "implemented": "Implemented",
    "will_not_implement": "Will not implement",
}


# How something reached the requester or came from them, as the case page says it
# ("Acknowledged by post on ..."); the action forms' choices are the same words capitalised.
METHOD_PHRASES: dict[str, str] = {
    "email": "by email",
    "post": "by post",
    "phone": "by phone",
    "in_person": "in person",
    "response": "by the full response",
}


def method_choices(*methods: str) -> dict[str, str]:
    """{method: "By email", ...} for the radio buttons of an action form."""
    return {m: METHOD_PHRASES[m][:1].upper() + METHOD_PHRASES[m][1:] for m in methods}
