"""bench/spy_report.py reads py-spy's raw samples into each function's share."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = """\
process 11:"gunicorn";handle (sync.py:10);detail (views.py:300);key_terms (index.py:5) 6
process 12:"gunicorn";handle (sync.py:10);detail (views.py:301);render (jinja.py:9) 3
process 12:"gunicorn";handle (sync.py:10);search (views.py:40);key_terms (index.py:7) 1
"""


def load():
    spec = importlib.util.spec_from_file_location("spy_report", ROOT / "bench/spy_report.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shares_count_each_function_once_per_stack_across_processes(tmp_path):
    samples = tmp_path / "samples.txt"
    samples.write_text(SAMPLES + "\n", encoding="utf-8")
    total, inclusive, exclusive = load().shares(samples)
    assert total == 10
    assert inclusive["handle (sync.py)"] == 10 and inclusive["detail (views.py)"] == 9
    assert inclusive["key_terms (index.py)"] == 7 and exclusive["render (jinja.py)"] == 3
    total, inclusive, _ = load().shares(samples, only="detail")
    assert total == 9 and inclusive["key_terms (index.py)"] == 6
