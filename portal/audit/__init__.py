"""The audit trail: an append-only, hash-chained record of security-relevant actions.

Call `record(action, target=..., details=...)` inside a request; the entry joins the current
database session and is committed with the request. Never put passwords, tokens, codes or
typed-in e-mail addresses into `details`.

Action names (German labels in `ACTIONS`, used by the admin filter):

- login.success, login.failure, login.lockout, logout
- 2fa.enabled, 2fa.disabled, 2fa.reset, 2fa.failure, 2fa.recovery_used,
  2fa.recovery_regenerated
- password.changed, password.reset_requested, password.reset
- email.change_requested, email.changed
- invitation.created, invitation.resent, invitation.revoked, invitation.accepted
- user.created, user.role_changed, user.organisation_changed, user.deactivated,
  user.activated, user.sessions_ended, user.deleted, user.data_exported
- sessions.all_ended (`flask end-sessions`)
- organisation.created, organisation.updated
- token.created, token.revoked
- resource.published, resource.returned, resource.archived, resource.restored,
  resource.visibility_changed, attachment.downloaded, resource.imported, resource.exported
- comment.hidden, comment.restored
- audit.pruned, audit.exported

How the chain and pseudonymisation fit together is described in `portal.audit.services`.
"""

from portal.audit.services import ACTIONS, record

__all__ = ["ACTIONS", "record"]
