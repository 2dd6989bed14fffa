#!/usr/bin/python3
"""Offline validation of deliveryd's built Kubernetes manifests.

Reads the output of `kubectl kustomize DIR` (a multi-document YAML file) and
checks it in two layers, without a cluster:

* schema: every built-in object is walked against the model classes of the
  Python kubernetes client (Debian's python3-kubernetes): unknown fields,
  wrong types (str, int, bool, maps, lists, nested objects, int-or-string,
  quantities) and missing required fields are errors. The ServiceMonitor and
  the PrometheusRule are checked against the JSON Schemas in schemas/.
* policy: what deliveryd's deployment promises (probes, resources, security
  context, the drain fitting in the grace period, the PodDisruptionBudget and
  the ServiceMonitor selecting the right things, credentials from the Secret,
  only provider keys optional there), that a CronJob runs `deliveryd
  retention --older-than D` daily with the Deployment's image, config,
  credentials and security context, and that the PrometheusRule holds exactly
  the groups of deploy/prometheus/deliveryd-alerts.yaml, each alert with a
  `for`, a severity, a summary, a description and a runbook section that
  exists.

Usage:
  validate.py [--replicas N | --min-replicas N] [--pinned-image]
              [--config-out FILE] [--env-out FILE] [--retention-args-out FILE]
              [--alert-rules FILE] MANIFESTS.yaml
  validate.py --self-test MANIFESTS.yaml   # broken copies must be rejected

Exit status: 0 valid, 1 invalid (every problem is printed), 2 bad usage.
Needs /usr/bin/python3 with python3-kubernetes, python3-jsonschema, python3-yaml.
"""

import argparse
import copy
import datetime
import json
import os
import re
import sys

import jsonschema
import kubernetes.client as k8s
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))

# apiVersion and kind -> model class of the Python client. Only what deliveryd
# ships (or is likely to ship); anything else is an error until added here.
MODELS = {
    ("v1", "ConfigMap"): "V1ConfigMap",
    ("v1", "Secret"): "V1Secret",
    ("v1", "Service"): "V1Service",
    ("v1", "ServiceAccount"): "V1ServiceAccount",
    ("v1", "Namespace"): "V1Namespace",
    ("apps/v1", "Deployment"): "V1Deployment",
    ("batch/v1", "Job"): "V1Job",
    ("batch/v1", "CronJob"): "V1CronJob",
    ("policy/v1", "PodDisruptionBudget"): "V1PodDisruptionBudget",
    ("networking.k8s.io/v1", "Ingress"): "V1Ingress",
    ("networking.k8s.io/v1", "NetworkPolicy"): "V1NetworkPolicy",
}

# Custom resources: JSON Schemas of the fields deliveryd uses.
SCHEMAS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "servicemonitor.json",
    ("monitoring.coreos.com/v1", "PrometheusRule"): "prometheusrule.json",
}

# Fields the client types as `object` that are int-or-string in the API.
INT_OR_STRING_PORT = {
    ("V1HTTPGetAction", "port"),
    ("V1TCPSocketAction", "port"),
    ("V1ServicePort", "target_port"),
}
INT_OR_PERCENT = {
    ("V1RollingUpdateDeployment", "max_surge"),
    ("V1RollingUpdateDeployment", "max_unavailable"),
    ("V1PodDisruptionBudgetSpec", "max_unavailable"),
    ("V1PodDisruptionBudgetSpec", "min_available"),
}
# Fields the client types as str (or a map of str) that hold quantities.
QUANTITIES = {
    ("V1ResourceRequirements", "limits"),
    ("V1ResourceRequirements", "requests"),
    ("V1EmptyDirVolumeSource", "size_limit"),
}
# Required by the API server although the client model allows None.
ALSO_REQUIRED = {
    ("V1Container", "image"),
}

QUANTITY_RE = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+|[KMGTPE]i|[numkMGTPE])?$")
PORT_NAME_RE = re.compile(r"^(?=.*[a-z])[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
PERCENT_RE = re.compile(r"^[0-9]+%$")
DNS_SUBDOMAIN_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_VALUE_RE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
LABEL_NAME_RE = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
ENV_REF_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}")
DURATION_RE = re.compile(r"^([0-9]+)(ms|s|m|h|d)$")
PROM_DURATION_RE = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")
SECRET_NAME_RE = re.compile(r"KEY|SECRET|TOKEN|PASSWORD|DATABASE_URL", re.I)
# A CronJob schedule: five fields, or one of the macros Kubernetes accepts.
CRON_ITEM = r"([0-9]+(-[0-9]+)?|\*|[A-Za-z]{3})(/[0-9]+)?"
CRON_FIELD_RE = re.compile(rf"^{CRON_ITEM}(,{CRON_ITEM})*$")
CRON_MACROS = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}
# deliveryd retention refuses anything shorter (a slip like 30s for 30d).
RETENTION_MIN_SECONDS = 86400
# A retry or two after a lock timeout; more only piles up failed pods.
RETENTION_MAX_BACKOFF = 3

# The labels every deliveryd object carries (and its pods are selected by).
APP_LABEL = ("app.kubernetes.io/name", "deliveryd")
CONFIG_KEY = "config.yaml"
# The Secret every ${NAME} of the config comes from. deliveryd's own settings
# (DELIVERYD_*: the database URL, the callback token) must be in it; a
# provider's credentials may be optional, for a deployment that leaves that
# provider's section (and so its ${NAME}) out of config.yaml.
SECRET = "deliveryd-credentials"
REQUIRED_SECRET_PREFIX = "DELIVERYD_"
# The alerting rules the PrometheusRule must hold, group for group.
REPO = os.path.dirname(os.path.dirname(HERE))
ALERT_RULES = os.path.join(REPO, "deploy", "prometheus", "deliveryd-alerts.yaml")
SEVERITIES = ("critical", "warning")
JOB_SELECTOR_RE = re.compile(r'\bjob\s*=\s*"([^"]*)"')
# Defaults of config/example.yaml for the keys the drain budget uses.
CONFIG_DEFAULTS = {
    ("http", "drain_delay"): "0s",
    ("http", "read_timeout"): "10s",
    ("http", "listen"): "0.0.0.0:8080",
    ("reconcile", "request_timeout"): "10s",
    ("database", "connect_timeout"): "5s",
}
# Seconds left between the end of the drain and SIGKILL, at least.
GRACE_MARGIN = 5

_CONFIGURATION = k8s.Configuration()
_CONFIGURATION.client_side_validation = True


def describe(obj):
    kind = obj.get("kind", "?") if isinstance(obj, dict) else "?"
    meta = obj.get("metadata") if isinstance(obj, dict) else None
    name = meta.get("name", "?") if isinstance(meta, dict) else "?"
    return f"{kind}/{name}"


class Checker:
    """Collects problems; ok() records what passed, for the summary."""

    def __init__(self):
        self.errors = []
        self.passed = []

    def error(self, where, message):
        self.errors.append(f"{where}: {message}")

    def ok(self, message):
        self.passed.append(message)


# ---------------------------------------------------------------- schema ----


def type_name(value):
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "map"
    if value is None:
        return "null"
    return type(value).__name__


def check_quantity(value, path, c):
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        c.error(path, f"expected a quantity, found {type_name(value)}")
    elif isinstance(value, str) and not QUANTITY_RE.match(value):
        c.error(path, f"not a quantity: {value!r}")


def check_int_or_string(value, path, c, kind):
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        c.error(path, f"expected an integer or a string, found {type_name(value)}")
    elif kind == "port":
        if isinstance(value, int) and not 1 <= value <= 65535:
            c.error(path, f"port {value} out of range 1-65535")
        if isinstance(value, str) and (len(value) > 15 or not PORT_NAME_RE.match(value)):
            c.error(path, f"not a port name (IANA_SVC_NAME): {value!r}")
    elif kind == "percent":
        if isinstance(value, int) and value < 0:
            c.error(path, f"must not be negative: {value}")
        if isinstance(value, str) and not PERCENT_RE.match(value):
            c.error(path, f"expected an integer or a percentage like 25%: {value!r}")


def convert(value, type_str, path, c, owner=None):
    """Checks value against an openapi type of the client; returns the value
    to hand to the model (a model instance for nested objects)."""
    if value is None:
        return None
    m = re.match(r"^list\[(.*)\]$", type_str)
    if m:
        if not isinstance(value, list):
            c.error(path, f"expected a list, found {type_name(value)}")
            return None
        return [convert(v, m.group(1), f"{path}[{i}]", c, owner) for i, v in enumerate(value)]
    m = re.match(r"^dict\(str, (.*)\)$", type_str)
    if m:
        if not isinstance(value, dict):
            c.error(path, f"expected a map, found {type_name(value)}")
            return None
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                c.error(path, f"map key {k!r} is not a string")
                continue
            if owner in QUANTITIES:
                check_quantity(v, f"{path}.{k}", c)
                out[k] = v
            else:
                out[k] = convert(v, m.group(1), f"{path}.{k}", c)
        return out
    if type_str == "str":
        if owner in QUANTITIES:
            check_quantity(value, path, c)
        elif not isinstance(value, str):
            c.error(path, f"expected a string, found {type_name(value)} {value!r}")
        return value
    if type_str == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            c.error(path, f"expected an integer, found {type_name(value)} {value!r}")
        return value
    if type_str == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            c.error(path, f"expected a number, found {type_name(value)} {value!r}")
        return value
    if type_str == "bool":
        if not isinstance(value, bool):
            c.error(path, f"expected true or false, found {type_name(value)} {value!r}")
        return value
    if type_str in ("datetime", "date"):
        if not isinstance(value, (str, datetime.date)):
            c.error(path, f"expected a timestamp, found {type_name(value)}")
        return value
    if type_str == "object":
        if owner in INT_OR_STRING_PORT:
            check_int_or_string(value, path, c, "port")
        elif owner in INT_OR_PERCENT:
            check_int_or_string(value, path, c, "percent")
        return value
    cls = getattr(k8s, type_str, None)
    if cls is None:
        c.error(path, f"internal: no model class {type_str}")
        return None
    return convert_model(value, cls, path, c)


def convert_model(value, cls, path, c):
    if not isinstance(value, dict):
        c.error(path, f"expected an object ({cls.__name__}), found {type_name(value)}")
        return None
    json_to_attr = {j: a for a, j in cls.attribute_map.items()}
    kwargs = {}
    for key, v in value.items():
        attr = json_to_attr.get(key)
        if attr is None:
            c.error(f"{path}.{key}", f"unknown field (not in {cls.__name__})")
            continue
        kwargs[attr] = convert(v, cls.openapi_types[attr], f"{path}.{key}", c,
                               (cls.__name__, attr))
    # The models' setters check their field and reject None for a required
    # one: run every setter, with None for the absent fields.
    instance = cls.__new__(cls)
    instance.local_vars_configuration = _CONFIGURATION
    for attr in cls.openapi_types:
        value = kwargs.get(attr)
        label = f"{path}.{cls.attribute_map[attr]}"
        if value is None and (cls.__name__, attr) in ALSO_REQUIRED:
            c.error(label, "required field missing")
            continue
        try:
            setattr(instance, attr, value)
        except ValueError as e:
            c.error(label, "required field missing" if value is None else str(e))
    return instance


def check_metadata(obj, where, c):
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or not meta.get("name"):
        c.error(where, "metadata.name missing")
        return
    name = meta["name"]
    if not isinstance(name, str) or len(name) > 253 or not DNS_SUBDOMAIN_RE.match(name):
        c.error(where, f"metadata.name is not a DNS subdomain: {name!r}")
    for field in ("labels",):
        labels = meta.get(field) or {}
        if not isinstance(labels, dict):
            continue
        for k, v in labels.items():
            key_name = str(k).rsplit("/", 1)[-1]
            if len(key_name) > 63 or not LABEL_NAME_RE.match(key_name):
                c.error(where, f"label key {k!r} is not valid")
            if not isinstance(v, str) or len(v) > 63 or not LABEL_VALUE_RE.match(v):
                c.error(where, f"label {k}={v!r}: value must be a string of at most 63 "
                               "alphanumerics, '-', '_' or '.'")


def load_schema(filename):
    with open(os.path.join(HERE, "schemas", filename), encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.validators.validator_for(schema).check_schema(schema)
    return schema


def check_schemas(objects, c):
    schemas = {}
    for obj in objects:
        where = describe(obj)
        if not isinstance(obj, dict):
            c.error(where, f"a document is a {type_name(obj)}, not an object")
            continue
        key = (obj.get("apiVersion"), obj.get("kind"))
        check_metadata(obj, where, c)
        before = len(c.errors)
        if key in MODELS:
            convert_model(obj, getattr(k8s, MODELS[key]), where, c)
        elif key in SCHEMAS:
            if key not in schemas:
                schemas[key] = load_schema(SCHEMAS[key])
            validator = jsonschema.validators.validator_for(schemas[key])(schemas[key])
            for e in sorted(validator.iter_errors(obj), key=lambda e: list(e.absolute_path)):
                loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e.absolute_path)
                c.error(f"{where}{loc}", e.message)
        else:
            c.error(where, f"no schema for apiVersion {key[0]} kind {key[1]}: "
                           "add it to MODELS or SCHEMAS in validate.py")
            continue
        if len(c.errors) == before:
            c.ok(f"schema: {where} ({key[0]})")


# ---------------------------------------------------------------- policy ----


def labels_match(selector, labels):
    """matchLabels (or a Service's plain selector) is a subset of labels."""
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def parse_duration(text, where, c):
    m = DURATION_RE.match(str(text))
    if not m:
        c.error(where, f"not a duration: {text!r}")
        return 0.0
    scale = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    return int(m.group(1)) * scale


def config_value(config, section, key):
    sect = config.get(section) if isinstance(config, dict) else None
    if isinstance(sect, dict) and key in sect:
        return sect[key]
    return CONFIG_DEFAULTS[(section, key)]


def prestop_sleep(container, where, c):
    handler = ((container.get("lifecycle") or {}).get("preStop") or {})
    command = (handler.get("exec") or {}).get("command") or []
    words = " ".join(str(w) for w in command).split()
    for i, w in enumerate(words):
        if os.path.basename(w) == "sleep" and i + 1 < len(words):
            try:
                return float(words[i + 1].rstrip("s;"))
            except ValueError:
                break
    c.error(where, "needs a preStop exec `sleep N` so the Service stops routing "
                   "before deliveryd stops accepting")
    return 0.0


def env_sources(container):
    return {e.get("name"): e for e in container.get("env") or [] if isinstance(e, dict)}


def config_env_refs(config):
    """Names of the ${NAME} references without a :- fallback in the values of
    the parsed config ($$ is a literal $); comments do not count."""
    names = set()

    def walk(node):
        if isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
        elif isinstance(node, str):
            names.update(m.group(1) for m in ENV_REF_RE.finditer(node.replace("$$", ""))
                         if m.group(2) is None)

    walk(config)
    return sorted(names)


def check_container_common(container, pod_spec, where, c, pinned):
    if not container.get("image"):
        c.error(where, "no image")
    elif pinned:
        image = container["image"]
        tag = image.rsplit("/", 1)[-1]
        if "@sha256:" not in image and (":" not in tag or tag.endswith(":latest")):
            c.error(where, f"image {image!r} is not pinned to a tag or digest")
    resources = container.get("resources") or {}
    for part in ("requests", "limits"):
        got = resources.get(part) or {}
        for res in ("cpu", "memory"):
            if res not in got:
                c.error(where, f"resources.{part}.{res} missing")
    pod_sc = pod_spec.get("securityContext") or {}
    sc = container.get("securityContext") or {}

    def effective(key):
        return sc.get(key, pod_sc.get(key))

    if effective("runAsNonRoot") is not True:
        c.error(where, "runAsNonRoot must be true")
    uid = effective("runAsUser")
    if uid is None or uid == 0:
        c.error(where, "runAsUser must be set to a non-zero uid (the image's is 10001)")
    if sc.get("readOnlyRootFilesystem") is not True:
        c.error(where, "securityContext.readOnlyRootFilesystem must be true")
    if sc.get("allowPrivilegeEscalation") is not False:
        c.error(where, "securityContext.allowPrivilegeEscalation must be false")
    if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
        c.error(where, "securityContext.capabilities.drop must contain ALL")
    if (effective("seccompProfile") or {}).get("type") != "RuntimeDefault":
        c.error(where, "seccompProfile must be RuntimeDefault")
    if sc.get("privileged"):
        c.error(where, "must not be privileged")


def config_path_of(container, mounts_by_volume, config_volume, where, c):
    args = [str(a) for a in (container.get("command") or []) + (container.get("args") or [])]
    path = None
    for i, a in enumerate(args):
        if a == "--config" and i + 1 < len(args):
            path = args[i + 1]
        elif a.startswith("--config="):
            path = a.split("=", 1)[1]
    if path is None:
        c.error(where, "no --config FILE in the arguments")
        return args
    mount = mounts_by_volume.get(config_volume)
    if mount is None or os.path.dirname(path) != mount.rstrip("/") \
            or os.path.basename(path) != CONFIG_KEY:
        c.error(where, f"--config {path} is not {CONFIG_KEY} of the mounted ConfigMap "
                       f"(mounted at {mount})")
    return args


def pod_config(pod, objects, where, c):
    """The volume of pod whose ConfigMap (in the build) holds config.yaml, and
    that config parsed: (volume name, config)."""
    config_volume = config = config_text = None
    for vol in pod.get("volumes") or []:
        cm_name = (vol.get("configMap") or {}).get("name")
        if cm_name is None:
            continue
        cms = [o for o in objects if o.get("kind") == "ConfigMap"
               and (o.get("metadata") or {}).get("name") == cm_name]
        if not cms:
            c.error(where, f"volume {vol.get('name')} uses ConfigMap {cm_name}, "
                           "which is not in the build")
            continue
        text = (cms[0].get("data") or {}).get(CONFIG_KEY)
        if text is None:
            continue
        config_volume, config_text = vol.get("name"), text
        try:
            config = yaml.safe_load(text)
        except yaml.YAMLError as e:
            c.error(describe(cms[0]), f"{CONFIG_KEY} is not YAML: {e}")
            config = {}
    if config_text is None:
        c.error(where, f"no ConfigMap volume with a {CONFIG_KEY} key")
        config = {}
    return config_volume, config


def check_container_env(container, refs, where, c):
    """Every ${NAME} of the config is in the environment, from the Secret;
    only provider credentials may be optional there; nothing that looks like
    a credential is a literal value."""
    env = env_sources(container)
    for name in refs:
        if name not in env:
            c.error(where, f"the config uses ${{{name}}} but the container has no env {name}")
            continue
        ref = (env[name].get("valueFrom") or {}).get("secretKeyRef")
        if not isinstance(ref, dict) or ref.get("name") != SECRET:
            c.error(where, f"the config uses ${{{name}}}: take env {name} from the Secret "
                           f"{SECRET} (valueFrom.secretKeyRef), found "
                           f"{env[name].get('valueFrom') or env[name].get('value')!r}")
    for name, e in env.items():
        ref = (e.get("valueFrom") or {}).get("secretKeyRef")
        if isinstance(ref, dict) and ref.get("optional") is True and (
                str(name).startswith(REQUIRED_SECRET_PREFIX)
                or str(ref.get("key")).startswith(REQUIRED_SECRET_PREFIX)):
            c.error(where, f"env {name} must not be optional: only provider credentials "
                           f"may be missing from the Secret, {REQUIRED_SECRET_PREFIX}* "
                           "never (a pod without them must not start)")
    for name, e in env.items():
        if "value" in e and SECRET_NAME_RE.search(str(name)):
            c.error(where, f"env {name} looks like a credential: take it from the "
                           "Secret (valueFrom.secretKeyRef), not a literal value")
    return env


def check_deployment(dep, objects, opts, c):
    where = describe(dep)
    spec = dep.get("spec") or {}
    replicas = spec.get("replicas", 1)
    if opts.replicas is not None and replicas != opts.replicas:
        c.error(where, f"replicas is {replicas}, expected {opts.replicas}")
    if opts.min_replicas is not None and (not isinstance(replicas, int)
                                          or replicas < opts.min_replicas):
        c.error(where, f"replicas is {replicas}, expected at least {opts.min_replicas}")
    template = spec.get("template") or {}
    pod_labels = (template.get("metadata") or {}).get("labels") or {}
    selector = (spec.get("selector") or {}).get("matchLabels") or {}
    if not labels_match(selector, pod_labels):
        c.error(where, f"selector {selector} does not match the pod labels {pod_labels}")
    if pod_labels.get(APP_LABEL[0]) != APP_LABEL[1]:
        c.error(where, f"pod labels lack {APP_LABEL[0]}={APP_LABEL[1]}")
    pod = template.get("spec") or {}
    containers = pod.get("containers") or []
    inits = pod.get("initContainers") or []

    # The ConfigMap holding config.yaml, mounted in every container that reads it.
    config_volume, config = pod_config(pod, objects, where, c)
    refs = config_env_refs(config)

    main = [ct for ct in containers if ct.get("name") == "deliveryd"]
    if not main:
        c.error(where, "no container named deliveryd")
    migrate_seen = False
    for ct in inits + containers:
        cwhere = f"{where} container {ct.get('name')}"
        check_container_common(ct, pod, cwhere, c, opts.pinned_image)
        mounts = {m.get("name"): m.get("mountPath") for m in ct.get("volumeMounts") or []}
        args = config_path_of(ct, mounts, config_volume, cwhere, c)
        if ct in inits and args[:1] == ["migrate"]:
            migrate_seen = True
        check_container_env(ct, refs, cwhere, c)
    if not migrate_seen and not any(
            o.get("kind") == "Job" and "migrate" in json.dumps(o, default=str) for o in objects):
        c.error(where, "nothing runs `deliveryd migrate` (init container or Job)")

    for ct in main:
        cwhere = f"{where} container deliveryd"
        ports = {p.get("name"): p.get("containerPort") for p in ct.get("ports") or []}
        for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
            get = (ct.get(probe) or {}).get("httpGet") or {}
            if get.get("path") != path:
                c.error(cwhere, f"{probe} must be HTTP GET {path} (found {get or 'none'})")
            port = get.get("port")
            if port not in ports and port not in ports.values():
                c.error(cwhere, f"{probe} port {port!r} is not a container port")
        listen = str(config_value(config, "http", "listen"))
        listen_port = listen.rsplit(":", 1)[-1]
        if not listen_port.isdigit() or int(listen_port) not in ports.values():
            c.error(cwhere, f"http.listen {listen} is not a declared container port "
                            f"{sorted(v for v in ports.values() if v)}")

        # SIGTERM -> /readyz 503 for drain_delay -> listener closed -> requests
        # and status calls in flight finish -> their last commit. All of it,
        # after the preStop sleep, must fit in the grace period.
        sleep = prestop_sleep(ct, cwhere, c)
        cfg = "config.yaml"
        drain = parse_duration(config_value(config, "http", "drain_delay"), cfg, c)
        in_flight = max(parse_duration(config_value(config, "http", "read_timeout"), cfg, c),
                        parse_duration(config_value(config, "reconcile", "request_timeout"),
                                       cfg, c))
        commit = parse_duration(config_value(config, "database", "connect_timeout"), cfg, c)
        need = sleep + drain + in_flight + commit
        grace = pod.get("terminationGracePeriodSeconds", 30)
        if not isinstance(grace, int) or grace < need + GRACE_MARGIN:
            c.error(where, f"terminationGracePeriodSeconds {grace} < preStop {sleep:g}s + "
                           f"drain_delay {drain:g}s + in flight {in_flight:g}s + commit "
                           f"{commit:g}s + margin {GRACE_MARGIN}s = {need + GRACE_MARGIN:g}s")
        else:
            c.ok(f"policy: grace {grace}s >= preStop {sleep:g}s + drain {drain:g}s + "
                 f"in flight {in_flight:g}s + commit {commit:g}s + margin {GRACE_MARGIN}s")

    spread = [t for t in pod.get("topologySpreadConstraints") or []
              if t.get("topologyKey") == "kubernetes.io/hostname"]
    anti = ((pod.get("affinity") or {}).get("podAntiAffinity") or {})
    terms = [t.get("podAffinityTerm") or {} for t in
             anti.get("preferredDuringSchedulingIgnoredDuringExecution") or []]
    terms += anti.get("requiredDuringSchedulingIgnoredDuringExecution") or []
    terms = [t for t in terms if t.get("topologyKey") == "kubernetes.io/hostname"]
    if not spread and not terms:
        c.error(where, "replicas are not spread over nodes (topologySpreadConstraints or "
                       "podAntiAffinity on kubernetes.io/hostname)")
    for t in (pod.get("topologySpreadConstraints") or []) + terms:
        sel = (t.get("labelSelector") or {}).get("matchLabels") or {}
        if not labels_match(sel, pod_labels):
            c.error(where, f"spread/anti-affinity on {t.get('topologyKey')} selects {sel}, "
                           "not this Deployment's pods")
    return pod_labels, containers


def retention_args(container):
    args = [str(a) for a in (container.get("command") or []) + (container.get("args") or [])]
    return args if args[:1] == ["retention"] else None


def option_value(args, name):
    for i, a in enumerate(args):
        if a == name and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return None


def cronjob_pod(cj):
    job = (((cj.get("spec") or {}).get("jobTemplate") or {}).get("spec") or {})
    return (job.get("template") or {}).get("spec") or {}


def check_cronjob(cj, dep, objects, opts, c):
    """The retention CronJob: schedule and Job limits, the command, and the
    same image, config, credentials and security context as the Deployment.
    Returns its pod labels."""
    where = describe(cj)
    spec = cj.get("spec") or {}
    schedule = spec.get("schedule")
    fields = str(schedule).split()
    if not (str(schedule) in CRON_MACROS or
            (len(fields) == 5 and all(CRON_FIELD_RE.match(f) for f in fields))):
        c.error(where, f"schedule {schedule!r} is not a five-field cron expression")
    if spec.get("concurrencyPolicy") != "Forbid":
        c.error(where, f"concurrencyPolicy must be Forbid (found "
                       f"{spec.get('concurrencyPolicy')}): two retention runs would only "
                       "wait for each other's locks")
    deadline = spec.get("startingDeadlineSeconds")
    if not isinstance(deadline, int) or deadline < 10:
        c.error(where, "startingDeadlineSeconds must be set, at least 10 (the controller "
                       f"looks every 10s; found {deadline})")
    for key in ("successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
        if not isinstance(spec.get(key), int) or spec[key] < 0:
            c.error(where, f"{key} must be set")
    job = ((spec.get("jobTemplate") or {}).get("spec") or {})
    backoff = job.get("backoffLimit")
    if not isinstance(backoff, int) or not 0 <= backoff <= RETENTION_MAX_BACKOFF:
        c.error(where, f"jobTemplate backoffLimit must be set, 0 to {RETENTION_MAX_BACKOFF} "
                       f"(found {backoff})")
    active = job.get("activeDeadlineSeconds")
    if not isinstance(active, int) or active <= 0:
        c.error(where, f"jobTemplate activeDeadlineSeconds must be set (found {active})")
    template = job.get("template") or {}
    pod_labels = (template.get("metadata") or {}).get("labels") or {}
    if pod_labels.get(APP_LABEL[0]) != APP_LABEL[1]:
        c.error(where, f"pod labels lack {APP_LABEL[0]}={APP_LABEL[1]}")
    pod = template.get("spec") or {}
    if pod.get("restartPolicy") not in ("OnFailure", "Never"):
        c.error(where, "restartPolicy must be OnFailure or Never "
                       f"(found {pod.get('restartPolicy')})")

    config_volume, config = pod_config(pod, objects, where, c)
    refs = config_env_refs(config)
    dep_pod = ((dep.get("spec") or {}).get("template") or {}).get("spec") or {}
    dep_main = next((ct for ct in dep_pod.get("containers") or []
                     if ct.get("name") == "deliveryd"), {})
    dep_env = env_sources(dep_main)
    runs = 0
    for ct in (pod.get("initContainers") or []) + (pod.get("containers") or []):
        cwhere = f"{where} container {ct.get('name')}"
        check_container_common(ct, pod, cwhere, c, opts.pinned_image)
        mounts = {m.get("name"): m.get("mountPath") for m in ct.get("volumeMounts") or []}
        config_path_of(ct, mounts, config_volume, cwhere, c)
        env = check_container_env(ct, refs, cwhere, c)
        for name in refs:
            if name in env and name in dep_env and env[name] != dep_env[name]:
                c.error(cwhere, f"env {name} is not what the Deployment passes "
                                f"({env[name].get('valueFrom') or env[name].get('value')!r})")
        if ct.get("image") and dep_main.get("image") and ct["image"] != dep_main["image"]:
            c.error(cwhere, f"image {ct['image']!r} is not the Deployment's "
                            f"{dep_main['image']!r}")
        args = retention_args(ct)
        if args is None:
            continue
        runs += 1
        older = option_value(args, "--older-than")
        if older is None:
            c.error(cwhere, "deliveryd retention needs --older-than DURATION")
        elif not DURATION_RE.match(older):
            c.error(cwhere, f"--older-than {older!r} is not a duration (like 90d)")
        elif parse_duration(older, cwhere, c) < RETENTION_MIN_SECONDS:
            c.error(cwhere, f"--older-than {older} is not at least 1d "
                            "(deliveryd retention refuses it)")
        if "--dry-run" in args:
            c.error(cwhere, "--dry-run in the schedule drops nothing: dry-run by hand "
                            "(deploy/README.md)")
    if runs != 1:
        c.error(where, f"expected one container running `deliveryd retention`, found {runs}")
    return pod_labels


def relative(path):
    return os.path.relpath(path, REPO)


def load_rule_groups(path, c):
    """The groups of a Prometheus rules file, or None (an error said why)."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        c.error(relative(path), f"cannot read the alerting rules: {e}")
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("groups"), list):
        c.error(relative(path), "expected a map with a groups: list")
        return None
    return doc["groups"]


def first_difference(a, b, path):
    """The first key path where a and b differ, or None when they are equal
    (as parsed: the same maps, lists, strings and numbers)."""
    if type(a) is not type(b):
        return f"{path} ({type_name(a)} vs {type_name(b)})"
    if isinstance(a, dict):
        for k in list(a) + [k for k in b if k not in a]:
            if k not in a or k not in b:
                return f"{path}.{k} (only in {'the file' if k in a else 'the manifest'})"
            found = first_difference(a[k], b[k], f"{path}.{k}")
            if found:
                return found
        return None
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None if len(a) == len(b) else f"{path} ({len(a)} vs {len(b)} items)"
    return None if a == b else f"{path} ({a!r} vs {b!r})"


def markdown_anchors(path):
    """The anchors GitHub gives the headings of a Markdown file."""
    anchors = set()
    in_code = False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("```"):
                in_code = not in_code
            m = None if in_code else re.match(r"^#{1,6}\s+(.*?)\s*$", line)
            if m:
                anchors.add(re.sub(r"[^\w\- ]", "", m.group(1).lower()).replace(" ", "-"))
    return anchors


def check_rule_groups(groups, where, c):
    """What the alerts promise an operator: a `for`, a severity, a summary
    and a description, and a runbook that is a section of a file in this
    repository. Returns the job="..." values the expressions select."""
    alerts = set()
    jobs = set()
    anchors = {}
    for group in groups:
        for rule in (group.get("rules") or []) if isinstance(group, dict) else []:
            if not isinstance(rule, dict):
                continue
            jobs.update(JOB_SELECTOR_RE.findall(str(rule.get("expr", ""))))
            alert = rule.get("alert")
            if alert is None:
                continue  # a recording rule
            rwhere = f"{where} alert {alert}"
            if alert in alerts:
                c.error(rwhere, "alert name used twice")
            alerts.add(alert)
            duration = str(rule.get("for", ""))
            if not PROM_DURATION_RE.match(duration) or not re.search(r"[1-9]", duration):
                c.error(rwhere, f"needs a `for` of more than 0 (found {duration!r}): one "
                                "bad evaluation must not page anyone")
            severity = (rule.get("labels") or {}).get("severity")
            if severity not in SEVERITIES:
                c.error(rwhere, f"labels.severity must be one of {', '.join(SEVERITIES)} "
                                f"(found {severity!r})")
            notes = rule.get("annotations") or {}
            for key in ("summary", "description", "runbook"):
                if not str(notes.get(key, "")).strip():
                    c.error(rwhere, f"annotations.{key} missing")
            runbook = str(notes.get("runbook", ""))
            if runbook.strip():
                file, _, anchor = runbook.partition("#")
                full = os.path.join(REPO, file)
                if not file or os.path.isabs(file) or not os.path.isfile(full):
                    c.error(rwhere, f"runbook {runbook!r}: no such file in the repository")
                else:
                    if full not in anchors:
                        anchors[full] = markdown_anchors(full)
                    if anchor not in anchors[full]:
                        c.error(rwhere, f"runbook {runbook!r}: {file} has no heading "
                                        f"#{anchor}")
    if not alerts:
        c.error(where, "no alerts")
    return jobs


def check_policy(objects, opts, c):
    by_kind = {}
    for o in objects:
        if isinstance(o, dict):
            by_kind.setdefault(o.get("kind"), []).append(o)
    before = len(c.errors)

    namespaces = {(o.get("metadata") or {}).get("namespace") for o in objects
                  if isinstance(o, dict)}
    if len(namespaces) > 1:
        c.error("build", f"objects in several namespaces: {sorted(map(str, namespaces))}")
    for o in objects:
        if isinstance(o, dict):
            labels = (o.get("metadata") or {}).get("labels") or {}
            if labels.get(APP_LABEL[0]) != APP_LABEL[1]:
                c.error(describe(o), f"metadata.labels lacks {APP_LABEL[0]}={APP_LABEL[1]}")
    for s in by_kind.get("Secret", []):
        c.error(describe(s), "Secrets are not shipped in manifests; create "
                             "deliveryd-credentials out of band (deploy/README.md)")

    deployments = by_kind.get("Deployment", [])
    if len(deployments) != 1:
        c.error("build", f"expected one Deployment, found {len(deployments)}")
        return
    dep = deployments[0]
    pod_labels, containers = check_deployment(dep, objects, opts, c)
    container_ports = {p.get("name"): p.get("containerPort")
                       for ct in containers for p in ct.get("ports") or []}

    # Retention runs daily from a CronJob whose pods no Service or PDB selects.
    cronjobs = by_kind.get("CronJob", [])
    retention_pods = [check_cronjob(cj, dep, objects, opts, c) for cj in cronjobs]
    if not any(retention_args(ct) for cj in cronjobs
               for ct in cronjob_pod(cj).get("containers") or []):
        c.error("build", "nothing runs `deliveryd retention` (a CronJob)")
    dep_selector = ((dep.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    for cj, labels in zip(cronjobs, retention_pods):
        for owner, sel in ([(describe(dep), dep_selector)] +
                           [(describe(o), (o.get("spec") or {}).get("selector") or {})
                            for o in by_kind.get("Service", [])] +
                           [(describe(o), ((o.get("spec") or {}).get("selector") or {})
                             .get("matchLabels") or {})
                            for o in by_kind.get("PodDisruptionBudget", [])]):
            if labels_match(sel, labels):
                c.error(describe(cj), f"{owner} selects the retention pods ({labels}): give "
                                      "them another app.kubernetes.io/component")

    services = by_kind.get("Service", [])
    if not services:
        c.error("build", "no Service")
    for svc in services:
        sel = (svc.get("spec") or {}).get("selector") or {}
        if not labels_match(sel, pod_labels):
            c.error(describe(svc), f"selector {sel} does not select the Deployment's pods "
                                   f"{pod_labels}")
        for p in (svc.get("spec") or {}).get("ports") or []:
            target = p.get("targetPort", p.get("port"))
            if target not in container_ports and target not in container_ports.values():
                c.error(describe(svc), f"targetPort {target!r} is not a container port")

    pdbs = by_kind.get("PodDisruptionBudget", [])
    if not pdbs:
        c.error("build", "no PodDisruptionBudget")
    replicas = (dep.get("spec") or {}).get("replicas", 1)
    for pdb in pdbs:
        spec = pdb.get("spec") or {}
        sel = (spec.get("selector") or {}).get("matchLabels") or {}
        if not labels_match(sel, pod_labels):
            c.error(describe(pdb), f"selector {sel} does not select the Deployment's pods")
        min_available = spec.get("minAvailable")
        if isinstance(min_available, int) and isinstance(replicas, int) \
                and min_available >= replicas:
            c.error(describe(pdb), f"minAvailable {min_available} >= replicas {replicas} "
                                   "blocks every node drain")
        if spec.get("maxUnavailable") in (0, "0%"):
            c.error(describe(pdb), "maxUnavailable 0 blocks every node drain")

    monitors = by_kind.get("ServiceMonitor", [])
    if not monitors:
        c.error("build", "no ServiceMonitor")
    for sm in monitors:
        spec = sm.get("spec") or {}
        sel = (spec.get("selector") or {}).get("matchLabels") or {}
        chosen = [s for s in services
                  if labels_match(sel, (s.get("metadata") or {}).get("labels") or {})]
        if not chosen:
            c.error(describe(sm), f"selector {sel} selects no Service")
        svc_ports = {p.get("name") for s in chosen for p in (s.get("spec") or {}).get("ports")
                     or []}
        for ep in spec.get("endpoints") or []:
            if ep.get("port") not in svc_ports:
                c.error(describe(sm), f"endpoint port {ep.get('port')!r} is not a port of the "
                                      "selected Service")
            if ep.get("path", "/metrics") != "/metrics":
                c.error(describe(sm), "endpoint path must be /metrics")

    # The alerting rules: exactly the groups of the rules file (one source),
    # and the job="..." they select is the job the ServiceMonitor's targets get
    # (the Prometheus Operator names it after the Service unless jobLabel says
    # otherwise).
    prometheus_rules = by_kind.get("PrometheusRule", [])
    if not prometheus_rules:
        c.error("build", f"no PrometheusRule (the rules of {relative(opts.alert_rules)})")
    wanted = load_rule_groups(opts.alert_rules, c) if prometheus_rules else None
    jobs = set()
    for pr in prometheus_rules:
        groups = (pr.get("spec") or {}).get("groups") or []
        jobs |= check_rule_groups(groups, describe(pr), c)
        found = wanted is not None and first_difference(wanted, groups, "groups")
        if found:
            c.error(describe(pr), f"spec.groups differs from {relative(opts.alert_rules)} at "
                                  f"{found}: copy the file's groups (prometheusrule.yaml "
                                  "says how)")
    for sm in monitors:
        spec = sm.get("spec") or {}
        sel = (spec.get("selector") or {}).get("matchLabels") or {}
        names = {(s.get("metadata") or {}).get("name") for s in services
                 if labels_match(sel, (s.get("metadata") or {}).get("labels") or {})}
        for job in sorted(jobs):
            if spec.get("jobLabel") or names != {job}:
                c.error(describe(sm), f'the alerting rules select job="{job}", but its targets '
                                      f"get job {spec.get('jobLabel') or sorted(names)} "
                                      "(the Service's name, or the jobLabel label's value)")

    if len(c.errors) == before:
        c.ok("policy: replicas, probes /readyz and /healthz, resources, security context, "
             "migration init container, credentials from the Secret (provider keys may be "
             "optional, DELIVERYD_* not), spread over nodes")
        c.ok("policy: Service, PodDisruptionBudget and ServiceMonitor select deliveryd; "
             "labels and namespace consistent")
        c.ok(f"policy: PrometheusRule spec.groups equal to {relative(opts.alert_rules)}; "
             "every alert has for, severity, summary, description and a runbook section "
             "that exists; its job is the ServiceMonitor's")
        c.ok("policy: CronJob runs deliveryd retention --older-than (at least 1d), Forbid, "
             "deadlines, backoff and history limits; same image, config, Secret env and "
             "security context as the Deployment; no Service or PDB selects its pods")


# ------------------------------------------------------------------ main ----


def load(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def validate(objects, opts):
    c = Checker()
    check_schemas(objects, c)
    try:
        check_policy(objects, opts, c)
    except (AttributeError, TypeError, KeyError) as e:
        # Objects of the wrong shape: the schema check has said where.
        c.error("policy", f"not checked, the manifests are malformed ({type(e).__name__}: {e})")
    return c


def find(objects, kind):
    return next(o for o in objects if isinstance(o, dict) and o.get("kind") == kind)


def main_container(objects):
    pod = find(objects, "Deployment")["spec"]["template"]["spec"]
    return next(ct for ct in pod["containers"] if ct["name"] == "deliveryd")


def self_test(objects, opts):
    """Each broken copy must be rejected with the expected message."""

    def pod(o):
        return find(o, "Deployment")["spec"]["template"]["spec"]

    def drop_env(o, name):
        ct = main_container(o)
        ct["env"] = [e for e in ct["env"] if e["name"] != name]

    def cron(o):
        return find(o, "CronJob")["spec"]

    def cron_pod(o):
        return cronjob_pod(find(o, "CronJob"))

    def cron_ct(o):
        return cron_pod(o)["containers"][0]

    def cron_arg(o, name, value):
        args = cron_ct(o)["args"]
        args[args.index(name) + 1] = value

    def cron_drop_env(o, name):
        ct = cron_ct(o)
        ct["env"] = [e for e in ct["env"] if e["name"] != name]

    def cron_other_secret(o):
        cron_ct(o)["env"][0]["valueFrom"]["secretKeyRef"]["name"] = "other-credentials"

    def drop_cronjobs(o):
        o[:] = [x for x in o if x.get("kind") != "CronJob"]

    def secret_ref(container, name):
        return env_sources(container)[name]["valueFrom"]["secretKeyRef"]

    def migrate_container(o):
        return next(ct for ct in pod(o)["initContainers"] if ct["name"] == "migrate")

    def from_config_map(o):
        env_sources(main_container(o))["ESMS_API_KEY"]["valueFrom"] = {
            "configMapKeyRef": {"name": "deliveryd-config", "key": "ESMS_API_KEY"}}

    def first_alert(o):
        groups = find(o, "PrometheusRule")["spec"]["groups"]
        return next(r for g in groups for r in g["rules"] if "alert" in r)

    def drop_prometheus_rules(o):
        o[:] = [x for x in o if x.get("kind") != "PrometheusRule"]

    cases = [
        ("unknown field in a container", "unknown field",
         lambda o: main_container(o).__setitem__("imagePullPolicyy", "Always")),
        ("unknown field in the pod spec", "unknown field",
         lambda o: pod(o).__setitem__("terminationGracePeriod", 30)),
        ("container without image", "image",
         lambda o: main_container(o).pop("image")),
        ("container without name", "required field missing",
         lambda o: main_container(o).pop("name")),
        ("Deployment without selector", "required field missing",
         lambda o: find(o, "Deployment")["spec"].pop("selector")),
        ("replicas as a string", "expected an integer",
         lambda o: find(o, "Deployment")["spec"].__setitem__("replicas", "3")),
        ("env value as a number", "expected a string",
         lambda o: main_container(o)["env"].append({"name": "LOG_X", "value": 1})),
        ("bad memory quantity", "not a quantity",
         lambda o: main_container(o)["resources"]["limits"].__setitem__("memory", "lots")),
        ("string where a boolean is expected", "expected true or false",
         lambda o: main_container(o)["securityContext"].__setitem__("readOnlyRootFilesystem",
                                                                   "yes")),
        ("bad int-or-string port", "not a port name",
         lambda o: find(o, "Service")["spec"]["ports"][0].__setitem__("targetPort",
                                                                      "Http_Port!")),
        ("bad percentage", "percentage",
         lambda o: find(o, "PodDisruptionBudget")["spec"].__setitem__("maxUnavailable",
                                                                     "one")),
        ("list where an object is expected", "expected an object",
         lambda o: main_container(o).__setitem__("resources", [])),
        ("ServiceMonitor unknown field", "Additional properties",
         lambda o: find(o, "ServiceMonitor")["spec"]["endpoints"][0].__setitem__("intervall",
                                                                                 "30s")),
        ("ServiceMonitor bad interval", "does not match",
         lambda o: find(o, "ServiceMonitor")["spec"]["endpoints"][0].__setitem__("interval",
                                                                                 "often")),
        ("kind without a schema", "no schema",
         lambda o: o.append({"apiVersion": "example.com/v1", "kind": "Widget",
                             "metadata": {"name": "w", "labels": dict([APP_LABEL])}})),
        ("readiness on /healthz", "readinessProbe must be HTTP GET /readyz",
         lambda o: main_container(o)["readinessProbe"]["httpGet"].__setitem__("path",
                                                                              "/healthz")),
        ("no limits", "resources.limits.memory missing",
         lambda o: main_container(o)["resources"].pop("limits")),
        ("writable root filesystem", "readOnlyRootFilesystem",
         lambda o: main_container(o)["securityContext"].__setitem__(
             "readOnlyRootFilesystem", False)),
        ("grace period shorter than the drain", "terminationGracePeriodSeconds",
         lambda o: pod(o).__setitem__("terminationGracePeriodSeconds", 10)),
        ("no preStop sleep", "preStop",
         lambda o: main_container(o).pop("lifecycle")),
        ("Service selecting other pods", "does not select",
         lambda o: find(o, "Service")["spec"]["selector"].__setitem__(
             "app.kubernetes.io/name", "other")),
        ("PDB selecting other pods", "does not select",
         lambda o: find(o, "PodDisruptionBudget")["spec"]["selector"]["matchLabels"]
         .__setitem__("app.kubernetes.io/name", "other")),
        ("ServiceMonitor selecting no Service", "selects no Service",
         lambda o: find(o, "ServiceMonitor")["spec"]["selector"]["matchLabels"]
         .__setitem__("app.kubernetes.io/name", "other")),
        ("credential env missing", "has no env ESMS_API_KEY",
         lambda o: drop_env(o, "ESMS_API_KEY")),
        ("credential as a literal", "looks like a credential",
         lambda o: main_container(o)["env"].append({"name": "ESMS_TOKEN", "value": "x"})),
        ("no migration", "deliveryd migrate",
         lambda o: pod(o).pop("initContainers")),
        ("Secret in the build", "out of band",
         lambda o: o.append({"apiVersion": "v1", "kind": "Secret",
                             "metadata": {"name": "deliveryd-credentials",
                                          "labels": dict([APP_LABEL])},
                             "stringData": {"ESMS_API_KEY": "x"}})),
        # The retention CronJob.
        ("CronJob unknown field", "unknown field",
         lambda o: cron(o).__setitem__("concurrency", "Forbid")),
        ("CronJob container unknown field", "unknown field",
         lambda o: cron_ct(o).__setitem__("imagePullPolicyy", "Always")),
        ("CronJob without jobTemplate", "required field missing",
         lambda o: cron(o).pop("jobTemplate")),
        ("CronJob backoffLimit as a string", "expected an integer",
         lambda o: cron(o)["jobTemplate"]["spec"].__setitem__("backoffLimit", "2")),
        ("CronJob bad memory quantity", "not a quantity",
         lambda o: cron_ct(o)["resources"]["requests"].__setitem__("memory", "32 MB")),
        ("CronJob schedule not cron", "five-field cron",
         lambda o: cron(o).__setitem__("schedule", "daily at 3")),
        ("CronJob concurrencyPolicy Allow", "concurrencyPolicy must be Forbid",
         lambda o: cron(o).__setitem__("concurrencyPolicy", "Allow")),
        ("CronJob without startingDeadlineSeconds", "startingDeadlineSeconds",
         lambda o: cron(o).pop("startingDeadlineSeconds")),
        ("CronJob without history limit", "failedJobsHistoryLimit must be set",
         lambda o: cron(o).pop("failedJobsHistoryLimit")),
        ("CronJob large backoffLimit", "backoffLimit must be set, 0 to",
         lambda o: cron(o)["jobTemplate"]["spec"].__setitem__("backoffLimit", 10)),
        ("CronJob without activeDeadlineSeconds", "activeDeadlineSeconds",
         lambda o: cron(o)["jobTemplate"]["spec"].pop("activeDeadlineSeconds")),
        ("CronJob restartPolicy Always", "restartPolicy must be OnFailure or Never",
         lambda o: cron_pod(o).__setitem__("restartPolicy", "Always")),
        ("CronJob running another command", "container running `deliveryd retention`",
         lambda o: cron_ct(o)["args"].__setitem__(0, "rebuild")),
        ("no retention at all", "nothing runs `deliveryd retention`", drop_cronjobs),
        ("retention without --older-than", "needs --older-than",
         lambda o: cron_ct(o).__setitem__("args", ["retention", "--config",
                                                   "/etc/deliveryd/config.yaml"])),
        ("retention --older-than not a duration", "is not a duration",
         lambda o: cron_arg(o, "--older-than", "90 days")),
        ("retention --older-than under a day", "is not at least 1d",
         lambda o: cron_arg(o, "--older-than", "12h")),
        ("retention --dry-run scheduled", "--dry-run in the schedule",
         lambda o: cron_ct(o)["args"].append("--dry-run")),
        ("retention --config elsewhere", "is not config.yaml of the mounted ConfigMap",
         lambda o: cron_arg(o, "--config", "/etc/config.yaml")),
        ("CronJob as root", "runAsUser must be set",
         lambda o: (cron_ct(o)["securityContext"].__setitem__("runAsUser", 0),
                    cron_pod(o)["securityContext"].__setitem__("runAsUser", 0))),
        ("CronJob root filesystem writable", "readOnlyRootFilesystem",
         lambda o: cron_ct(o)["securityContext"].pop("readOnlyRootFilesystem")),
        ("CronJob privilege escalation", "allowPrivilegeEscalation",
         lambda o: cron_ct(o)["securityContext"].__setitem__("allowPrivilegeEscalation",
                                                             True)),
        ("CronJob capabilities kept", "capabilities.drop must contain ALL",
         lambda o: cron_ct(o)["securityContext"].pop("capabilities")),
        ("CronJob without seccomp", "seccompProfile must be RuntimeDefault",
         lambda o: cron_pod(o)["securityContext"].pop("seccompProfile")),
        ("CronJob without resources", "resources.requests.cpu missing",
         lambda o: cron_ct(o).pop("resources")),
        ("CronJob credential env missing", "has no env ETELECOM_API_KEY",
         lambda o: cron_drop_env(o, "ETELECOM_API_KEY")),
        ("CronJob credential from another Secret", "not what the Deployment passes",
         cron_other_secret),
        ("CronJob credential as a literal", "looks like a credential",
         lambda o: cron_ct(o)["env"].append({"name": "DB_PASSWORD", "value": "x"})),
        ("CronJob with another image", "is not the Deployment's",
         lambda o: cron_ct(o).__setitem__("image", "deliveryd:other")),
        ("retention pods selected by the Service", "selects the retention pods",
         lambda o: cron(o)["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
         .__setitem__("app.kubernetes.io/component", "server")),
        # Credentials: from the Secret, only provider keys optional.
        ("database URL optional", "env DELIVERYD_DATABASE_URL must not be optional",
         lambda o: secret_ref(main_container(o), "DELIVERYD_DATABASE_URL")
         .__setitem__("optional", True)),
        ("callback token optional for migrate", "env DELIVERYD_CALLBACK_TOKEN must not be",
         lambda o: secret_ref(migrate_container(o), "DELIVERYD_CALLBACK_TOKEN")
         .__setitem__("optional", True)),
        ("CronJob database URL optional", "env DELIVERYD_DATABASE_URL must not be optional",
         lambda o: secret_ref(cron_ct(o), "DELIVERYD_DATABASE_URL")
         .__setitem__("optional", True)),
        ("config variable from a ConfigMap", "from the Secret deliveryd-credentials",
         from_config_map),
        ("config variable from another Secret", "from the Secret deliveryd-credentials",
         lambda o: secret_ref(main_container(o), "ETELECOM_API_KEY")
         .__setitem__("name", "other-credentials")),
        # The alerting rules.
        ("PrometheusRule drifted from the rules file", "differs from",
         lambda o: first_alert(o).__setitem__("for", "1m")),
        ("PrometheusRule unknown field", "Additional properties",
         lambda o: first_alert(o).__setitem__("fro", "5m")),
        ("PrometheusRule expr as a list", "is not of type",
         lambda o: first_alert(o).__setitem__("expr", ["up"])),
        ("alert without for", "needs a `for`", lambda o: first_alert(o).pop("for")),
        ("alert without severity", "labels.severity must be one of",
         lambda o: first_alert(o)["labels"].pop("severity")),
        ("alert without description", "annotations.description missing",
         lambda o: first_alert(o)["annotations"].pop("description")),
        ("runbook to a missing section", "has no heading",
         lambda o: first_alert(o)["annotations"].__setitem__(
             "runbook", "deploy/README.md#no-such-section")),
        ("no PrometheusRule", "no PrometheusRule", drop_prometheus_rules),
        ("ServiceMonitor naming the job otherwise", 'the alerting rules select job="deliveryd"',
         lambda o: find(o, "ServiceMonitor")["spec"].__setitem__("jobLabel",
                                                                 "app.kubernetes.io/name")),
    ]
    baseline = validate(objects, opts)
    if baseline.errors:
        print("self-test FAILED: the unmodified manifests are not valid:\n  " +
              "\n  ".join(baseline.errors), file=sys.stderr)
        return 1
    failures = []
    for title, expected, mutate in cases:
        broken = copy.deepcopy(objects)
        mutate(broken)
        errors = validate(broken, opts).errors
        if not any(expected in e for e in errors):
            failures.append(f"{title}: expected an error containing {expected!r}, got "
                            f"{errors or 'none'}")
        else:
            print(f"  rejected: {title}")
    for f in failures:
        print(f"self-test FAILED: {f}", file=sys.stderr)
    print(f"self-test: {len(cases) - len(failures)} of {len(cases)} broken copies rejected")
    return 1 if failures else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("manifests", help="output of kubectl kustomize")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--replicas", type=int, help="the Deployment must have exactly N")
    g.add_argument("--min-replicas", type=int, help="the Deployment must have at least N")
    p.add_argument("--pinned-image", action="store_true",
                   help="images must carry a tag (not latest) or a digest")
    p.add_argument("--config-out", help="write the ConfigMap's config.yaml here")
    p.add_argument("--env-out", help="write the env var names the config uses here")
    p.add_argument("--retention-args-out",
                   help="write the arguments of the CronJob's deliveryd retention here, "
                        "one per line")
    p.add_argument("--alert-rules", default=ALERT_RULES,
                   help="the Prometheus rules file the PrometheusRule must equal "
                        f"(default {relative(ALERT_RULES)})")
    p.add_argument("--self-test", action="store_true",
                   help="check that broken copies of the manifests are rejected")
    opts = p.parse_args()
    try:
        objects = load(opts.manifests)
    except (OSError, yaml.YAMLError) as e:
        print(f"validate.py: {e}", file=sys.stderr)
        return 2
    if opts.self_test:
        return self_test(objects, opts)

    c = validate(objects, opts)
    for line in c.passed:
        print(f"  ok {line}")
    for e in c.errors:
        print(f"  ERROR {e}", file=sys.stderr)
    if opts.config_out or opts.env_out:
        text = next(((o.get("data") or {}).get(CONFIG_KEY) for o in objects
                     if isinstance(o, dict) and o.get("kind") == "ConfigMap"
                     and CONFIG_KEY in (o.get("data") or {})), None)
        if text is None:
            print(f"  ERROR no ConfigMap with {CONFIG_KEY}", file=sys.stderr)
            return 1
        if opts.config_out:
            with open(opts.config_out, "w", encoding="utf-8") as f:
                f.write(text)
        if opts.env_out:
            with open(opts.env_out, "w", encoding="utf-8") as f:
                f.write("".join(f"{n}\n" for n in config_env_refs(yaml.safe_load(text))))
    if opts.retention_args_out:
        args = next((retention_args(ct) for o in objects if isinstance(o, dict)
                     and o.get("kind") == "CronJob"
                     for ct in cronjob_pod(o).get("containers") or [] if retention_args(ct)),
                    None)
        if args is None:
            print("  ERROR no CronJob runs deliveryd retention", file=sys.stderr)
            return 1
        with open(opts.retention_args_out, "w", encoding="utf-8") as f:
            f.write("".join(f"{a}\n" for a in args))
    print(f"{opts.manifests}: {len(objects)} objects, "
          f"{'valid' if not c.errors else f'{len(c.errors)} problem(s)'}")
    return 1 if c.errors else 0


if __name__ == "__main__":
    sys.exit(main())
