"""Notifications (bell, e-mail, digests) and following norms, courts, topics, organisations,
resources and saved searches."""
