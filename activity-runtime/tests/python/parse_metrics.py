"""Parses a Prometheus text exposition from stdin with the reference parser
(``prometheus_client.parser``) and prints ONE JSON line: every sample as
``{"name": ..., "labels": {...}, "value": ...}``.

Run by ``activity-runtime/tests/integration/metrics.rs``.
"""

import json
import sys

from prometheus_client.parser import text_string_to_metric_families

samples = [
    {"name": sample.name, "labels": sample.labels, "value": sample.value}
    for family in text_string_to_metric_families(sys.stdin.read())
    for sample in family.samples
]
print(json.dumps(samples))
