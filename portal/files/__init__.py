"""Uploaded attachments: what they are (from their content) and the text they contain."""

from portal.files.extraction import ExtractedText, extract_text
from portal.files.inspection import InspectedFile, UploadRejected, inspect_upload

__all__ = ["ExtractedText", "InspectedFile", "UploadRejected", "extract_text", "inspect_upload"]
