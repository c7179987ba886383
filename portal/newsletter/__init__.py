"""„KOK informiert": the office's issues of newly published entries, mailed to all members."""
