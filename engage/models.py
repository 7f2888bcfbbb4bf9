"""Imports every area's models so metadata (and Alembic) sees all tables."""

from engage.audit import AuditEvent  # noqa: F401
from engage.auth.models import RecoveryCode, SignInThrottle, User, UserRole  # noqa: F401
from engage.cases import search_index  # noqa: F401,E402  (the cases' full-text index, per database)
from engage.cases.desk_models import (  # noqa: F401
    CaseAttachment,
    ComplaintOutcome,
    ComplaintTheme,
    LessonAction,
)
from engage.cases.models import Case, CaseEvent, OfficeClosure, Setting  # noqa: F401
from engage.cases.references import CaseReferenceCounter  # noqa: F401
from engage.consent.models import Consent, LogMessage  # noqa: F401
from engage.consultations.models import (  # noqa: F401
    Consultation,
    ConsultationAnswer,
    ConsultationQuestion,
    ConsultationResponse,
)
from engage.exports.models import ExportJob  # noqa: F401
from engage.mail.models import OutboxEmail  # noqa: F401
from engage.mailin.models import InboundMessage, MailFetch, MailMove  # noqa: F401
from engage.outputs.models import (  # noqa: F401
    Contact,
    Feedback,
    LogEntry,
    Output,
    OutputReview,
    Stakeholder,
    StakeholderMerge,
    SuccessStory,
)
from engage.releases.models import (  # noqa: F401
    PreReleaseAccess,
    Release,
    ReleaseBreach,
    ReleaseDateChange,
    ReleaseVersion,
)
from engage.reports.models import AnnualReport, RecommendationNote, UksaRecommendation  # noqa: F401
from engage.scheduler.models import JobLease, JobRun  # noqa: F401
from engage.submissions import FormSubmission  # noqa: F401
from engage.table_versions import TableVersion  # noqa: F401,E402
