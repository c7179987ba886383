"""Imports every model module, so the metadata (create_all, migrations) knows all tables."""

from portal.api.models import ApiToken  # noqa: F401
from portal.audit.models import AuditEntry  # noqa: F401
from portal.auth.models import Invitation, OneTimeToken, ServerSession, User  # noqa: F401
from portal.comments.models import Comment  # noqa: F401
from portal.consultations.models import Consultation, ConsultationResponse  # noqa: F401
from portal.dossiers.models import Dossier, DossierEntry  # noqa: F401
from portal.meetings.models import CalendarKey, Meeting, MeetingMaterial, Registration  # noqa: F401
from portal.newsletter.models import Issue, IssueItem  # noqa: F401
from portal.notifications.models import DigestState, Follow, Notification, NotificationSetting  # noqa: F401
from portal.orgs.models import Organisation  # noqa: F401
from portal.questions.models import Answer, Question  # noqa: F401
from portal.resources.models import (  # noqa: F401
    Attachment,
    Court,
    Resource,
    ResourceLink,
    ResourceNorm,
    Revision,
)
from portal.saved.models import SavedSearch  # noqa: F401
from portal.search.models import IndexTask  # noqa: F401
