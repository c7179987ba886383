"""Comments on resources: one level of replies, Markdown, moderated by the office."""
