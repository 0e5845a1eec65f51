"""Validates the Kubernetes manifests of examples/deploy/kubernetes offline.

- Kubernetes' own kinds against the API's OpenAPI schemas (kubernetes-validate, strict: unknown
  fields are errors, as `kubectl apply --validate=strict` makes them).
- KEDA's ScaledObject and TriggerAuthentication against the openAPIV3Schema of KEDA's CRDs
  (vendored in schemas/, see schemas/README.md), with unknown fields refused in the same way,
  and the `temporal` trigger's metadata against the keys KEDA's Temporal scaler reads.
- The Deployment against what the worker needs: probes on the health port, a grace period that
  covers the worker's shutdown bound.

Prints one line per document; exits non-zero when any is invalid (or there is none).
Usage: python validate.py [MANIFEST_DIR]   (default: the kubernetes/ folder beside this file)
"""

import copy
import pathlib
import sys

import jsonschema
import kubernetes_validate
import yaml

HERE = pathlib.Path(__file__).resolve().parent
MANIFESTS = HERE / "kubernetes"
# The Kubernetes version whose API the manifests must fit (kubernetes-validate ships its schemas).
KUBERNETES_VERSION = "1.33.0"
SCHEMAS = HERE / "schemas"

# What KEDA's Temporal scaler reads from a trigger's metadata (keda pkg/scalers/temporal_scaler.go,
# the `keda:"name=..., order=triggerMetadata"` fields), and which are required.
TEMPORAL_TRIGGER_KEYS = {
    "endpoint", "namespace", "activationTargetQueueSize", "targetQueueSize", "taskQueue",
    "queueTypes", "buildId", "workerDeploymentName", "workerDeploymentBuildId",
    "selectAllActive", "selectUnversioned", "includeRunningWorkflowCount",
    "workflowTaskQueueForCount", "minConnectTimeout", "enableTLS", "unsafeSsl", "tlsServerName",
    # `...FromEnv` forms (resolvedEnv) of the string settings
    "endpointFromEnv", "namespaceFromEnv", "taskQueueFromEnv", "buildIdFromEnv",
    "workerDeploymentNameFromEnv", "workerDeploymentBuildIdFromEnv",
    "workflowTaskQueueForCountFromEnv",
}
TEMPORAL_TRIGGER_REQUIRED = {"endpoint", "taskQueue"}
TEMPORAL_QUEUE_TYPES = {"workflow", "activity", "nexus"}
TEMPORAL_AUTH_PARAMETERS = {"apiKey", "cert", "key", "keyPassword", "ca"}

# The worker's shutdown bound (examples/src/bin/production_worker.rs): graceful_shutdown_period
# + shutdown_abandon_after. The test of the container checks the worker keeps to it.
SHUTDOWN_BOUND_SECS = 5 + 10


def closed(schema):
    """`schema` with unknown properties refused wherever it lists properties and says nothing of
    others (the API server's strict field validation)."""
    schema = copy.deepcopy(schema)

    def walk(node):
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node \
                    and not node.get("x-kubernetes-preserve-unknown-fields"):
                node["additionalProperties"] = False
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return schema


def crd_schemas():
    """(apiVersion, kind) -> the CRD version's openAPIV3Schema, made strict."""
    schemas = {}
    for path in sorted(SCHEMAS.glob("*.yaml")):
        crd = yaml.safe_load(path.read_text())
        group = crd["spec"]["group"]
        kind = crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            schema = version["schema"]["openAPIV3Schema"]
            schemas[(f"{group}/{version['name']}", kind)] = closed(schema)
    return schemas


def check_temporal_triggers(doc):
    errors = []
    for trigger in doc["spec"].get("triggers", []):
        if trigger.get("type") != "temporal":
            continue
        metadata = trigger.get("metadata", {})
        unknown = set(metadata) - TEMPORAL_TRIGGER_KEYS
        if unknown:
            errors.append(f"temporal trigger: unknown metadata {sorted(unknown)}")
        missing = TEMPORAL_TRIGGER_REQUIRED - set(metadata)
        if missing:
            errors.append(f"temporal trigger: missing metadata {sorted(missing)}")
        queue_types = {t.strip() for t in metadata.get("queueTypes", "").split(",") if t.strip()}
        if queue_types - TEMPORAL_QUEUE_TYPES:
            errors.append(f"temporal trigger: queueTypes {sorted(queue_types)}")
        for key in ("targetQueueSize", "activationTargetQueueSize", "minConnectTimeout"):
            if key in metadata and not str(metadata[key]).isdigit():
                errors.append(f"temporal trigger: {key} is not a whole number: {metadata[key]!r}")
    return errors


def check_trigger_authentication(doc):
    return [
        f"TriggerAuthentication: parameter {ref['parameter']!r} is not one the temporal scaler reads"
        for ref in doc["spec"].get("secretTargetRef", [])
        if ref["parameter"] not in TEMPORAL_AUTH_PARAMETERS
    ]


def check_deployment(doc):
    errors = []
    pod = doc["spec"]["template"]["spec"]
    grace = pod.get("terminationGracePeriodSeconds", 30)
    if grace <= SHUTDOWN_BOUND_SECS:
        errors.append(
            f"terminationGracePeriodSeconds {grace} does not exceed the worker's shutdown bound "
            f"({SHUTDOWN_BOUND_SECS} s)"
        )
    for container in pod["containers"]:
        ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
        env = {e["name"]: e.get("value") for e in container.get("env", [])}
        health = env.get("HEALTH_ADDRESS", "")
        for probe, path in (("livenessProbe", "/livez"), ("readinessProbe", "/readyz")):
            get = container.get(probe, {}).get("httpGet")
            if not get or get.get("path") != path:
                errors.append(f"{container['name']}: {probe} is not GET {path}")
                continue
            port = ports.get(get["port"], get["port"])
            if not health.endswith(f":{port}"):
                errors.append(f"{container['name']}: {probe} probes port {port}, "
                              f"the worker serves its health on HEALTH_ADDRESS={health!r}")
    return errors


def main():
    manifests = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else MANIFESTS
    version = KUBERNETES_VERSION
    crds = crd_schemas()
    failures = 0
    documents = 0
    for path in sorted(manifests.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc is None:
                continue
            documents += 1
            key = (doc["apiVersion"], doc["kind"])
            name = f"{path.name}: {doc['kind']} {doc['metadata']['name']}"
            errors = []
            if key in crds:
                validator = jsonschema.Draft7Validator(crds[key])
                errors += [
                    f"{'.'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
                    for e in validator.iter_errors(doc)
                ]
                if doc["kind"] == "ScaledObject":
                    errors += check_temporal_triggers(doc)
                if doc["kind"] == "TriggerAuthentication":
                    errors += check_trigger_authentication(doc)
            else:
                try:
                    kubernetes_validate.validate(doc, version, strict=True)
                except kubernetes_validate.ValidationError as e:
                    errors.append(f"{'.'.join(map(str, e.path)) or '(root)'}: {e.message}")
                except kubernetes_validate.SchemaNotFoundError as e:
                    errors.append(f"no schema: {e}")
                if doc["kind"] == "Deployment":
                    errors += check_deployment(doc)
            if errors:
                failures += 1
                print(f"INVALID {name}")
                for error in errors:
                    print(f"  {error}")
            else:
                print(f"valid   {name} (Kubernetes {version}"
                      f"{', KEDA CRD schema' if key in crds else ''})")
    print(f"{documents - failures} valid, {failures} invalid")
    sys.exit(1 if failures or not documents else 0)


if __name__ == "__main__":
    main()
