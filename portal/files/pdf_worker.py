"""Read a PDF's text page by page in a process of its own (run by portal.files.extraction).

Usage: ``python -I pdf_worker.py MAX_PAGES MAX_CHARS CPU_SECONDS < file.pdf``. Writes one JSON
object per line, flushed at once, so the parent keeps every page read before it stops the
process: ``{"pages": n}``, then ``{"page": i, "text": ...}`` or ``{"page": i, "failed": ...}``
per page, or ``{"error": "encrypted" | "unreadable", "detail": ...}``. Imports nothing of the
portal, so it starts quickly; limits its own memory and CPU time.
"""

import io
import json
import resource
import sys

MEMORY_LIMIT = 1 << 30  # bytes of address space


def emit(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main() -> None:
    max_pages, max_chars, cpu_seconds = (int(value) for value in sys.argv[1:4])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    from pypdf import PdfReader  # after the limits: parsing starts here

    data = sys.stdin.buffer.read()
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            emit({"error": "encrypted"})
            return
        pages = len(reader.pages)
    except Exception as exc:  # noqa: BLE001 - hostile files fail in many ways
        emit({"error": "unreadable", "detail": repr(exc)[:300]})
        return
    emit({"pages": pages})
    length = 0
    for number, page in enumerate(reader.pages, start=1):
        if number > max_pages or length > max_chars:
            break
        try:
            text = page.extract_text() or ""
        except Exception as exc:  # noqa: BLE001 - one broken page costs only itself
            emit({"page": number, "failed": repr(exc)[:300]})
            continue
        emit({"page": number, "text": text})
        length += len(text)


if __name__ == "__main__":
    main()
