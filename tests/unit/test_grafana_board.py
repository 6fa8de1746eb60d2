"""The Grafana board in ops/grafana reads only series /metrics exposes, and shows every report measure."""

from __future__ import annotations

import json
import re
from pathlib import Path

from app.metrics import REPORT_MEASURES, Metrics

BOARD = Path(__file__).resolve().parents[2] / "ops" / "grafana" / "operations.json"


def test_the_board_reads_every_report_measure_and_nothing_else() -> None:
    board = json.loads(BOARD.read_text(encoding="utf-8"))
    expressions = [t["expr"] for panel in board["panels"] for t in panel["targets"]]
    read = {name for expr in expressions for name in re.findall(r"\boms_report_\w+", expr)}
    exposed = {f"oms_report_{m}" for m in REPORT_MEASURES}
    assert read == exposed
    registered = {metric.name for metric in Metrics().registry.collect()}
    assert exposed <= registered
    assert all("location_id" in expr for expr in expressions)
