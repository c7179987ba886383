"""Consultations: the office asks the member organisations about a draft position paper."""
