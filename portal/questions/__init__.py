"""Anfragen an das Netzwerk: a member asks all centres, others answer, the asker marks what
helped."""
