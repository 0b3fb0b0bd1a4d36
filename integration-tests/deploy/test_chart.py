"""helm lint --strict and helm template over the value matrix in helm/faramesh/ci, plus what each value must do."""

from __future__ import annotations

import base64
import copy
from pathlib import Path
from typing import Any, Dict, List

import helm_python as helm
import pytest
import yaml

from support import chart
from support.chart import Manifest, find, hook_of, one

DSN = "postgres://faramesh:secret@postgres.db.svc:5432/faramesh?sslmode=require"
BASE: Dict[str, Any] = {"secrets": {"postgresDSN": DSN}}


def with_values(**overrides: Any) -> Dict[str, Any]:
    values = copy.deepcopy(BASE)
    for dotted, value in overrides.items():
        node = values
        *parents, last = dotted.split("__")
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    return values


def server_container(manifests: List[Manifest]) -> Dict[str, Any]:
    deployment = one(manifests, "Deployment")
    containers = deployment["spec"]["template"]["spec"]["containers"]
    return next(c for c in containers if c["name"] == "faramesh")


def env_of(container: Dict[str, Any]) -> Dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


def test_the_value_matrix_covers_every_case() -> None:
    names = {path.name for path in chart.CI_VALUES}
    assert names >= {"default-values.yaml", "existing-secret-values.yaml", "ingress-tls-values.yaml",
                     "monitoring-values.yaml", "hpa-values.yaml", "migrations-hook-values.yaml",
                     "migrations-job-values.yaml", "migrations-initContainer-values.yaml", "migrations-none-values.yaml"}


@pytest.mark.parametrize("values_file", chart.CI_VALUES, ids=lambda p: p.stem)
@pytest.mark.parametrize("kube_version", ["v1.29.0", "v1.33.0"])
def test_helm_lint_strict(values_file: Path, kube_version: str) -> None:
    report = chart.lint(chart.load_values(values_file), kube_version=kube_version)
    assert report["errors"] == [], report
    problems = [m for m in report["messages"] if m["severity"] >= 2]
    assert problems == [], problems


@pytest.mark.parametrize("values_file", chart.CI_VALUES, ids=lambda p: p.stem)
def test_helm_template_renders_the_core_objects(values_file: Path) -> None:
    values = chart.load_values(values_file)
    manifests = chart.render(values)
    kinds = {m["kind"] for m in manifests}
    assert {"Deployment", "Service", "ConfigMap", "ServiceAccount", "PodDisruptionBudget", "Pod"} <= kinds
    for manifest in manifests:
        assert manifest["metadata"]["namespace"] == chart.NAMESPACE, manifest["metadata"]["name"]
        assert manifest["metadata"]["labels"]["app.kubernetes.io/instance"] == chart.RELEASE


def test_schema_rejects_typos_and_wrong_types() -> None:
    bad_values = [
        with_values(replicaCont=3),                                  # typo at the top
        with_values(server__prot=8000),                              # typo below
        with_values(server__port="8000"),                            # wrong type
        with_values(server__port=70000),                             # out of range
        with_values(migrations__mode="helm-hook"),                   # not an enum value
        with_values(database__poolSize=2),                           # below the server's minimum of 3
        with_values(secrets__ledgerKey="not-base64-of-32-bytes"),
        with_values(secrets__postgresDSN="mysql://x"),
        with_values(secrets__bootstrapTokens=["short"]),
        with_values(secrets__bootstrapTokens=["has,a,comma-0123456789"]),
        with_values(ingress__enabled="yes"),
        with_values(server__approvalTimeout="one hour"),
        with_values(image__pullPolicy="Sometimes"),
    ]
    with helm.Chart.load(chart.CHART) as loaded:
        loaded.validate_schema(BASE)
        for values in bad_values:
            with pytest.raises(helm.HelmValuesError):
                loaded.validate_schema(values)
            with pytest.raises(helm.HelmError):
                loaded.render(values=values, name=chart.RELEASE, namespace=chart.NAMESPACE)


@pytest.mark.parametrize("values, message", [
    ({}, "secrets.postgresDSN is required"),
    (with_values(server__shutdown={"preStopSleepSeconds": 5, "drainDelaySeconds": 30, "graceSeconds": 30}),
     "drainDelaySeconds must be shorter"),
    (with_values(autoscaling={"enabled": True, "minReplicas": 5, "maxReplicas": 2}), "minReplicas must not exceed"),
    (with_values(policy={"content": "rules: []", "existingConfigMap": "mine"}), "either policy.content or policy.existingConfigMap"),
])
def test_inconsistent_values_fail_with_a_clear_message(values: Dict[str, Any], message: str) -> None:
    with pytest.raises(helm.HelmError, match=message):
        chart.render(values)


def test_deployment_security_probes_and_shutdown() -> None:
    manifests = chart.render(BASE)
    pod = one(manifests, "Deployment")["spec"]["template"]["spec"]
    container = server_container(manifests)
    assert pod["automountServiceAccountToken"] is False
    assert one(manifests, "ServiceAccount")["automountServiceAccountToken"] is False
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["startupProbe"]["httpGet"]["path"] == "/health"
    assert container["lifecycle"]["preStop"]["exec"]["command"] == ["sleep", "5"]
    env = env_of(container)
    # The grace period covers the preStop sleep and the server's own graceful shutdown.
    assert pod["terminationGracePeriodSeconds"] == 5 + 30 + 5
    assert env["FARAMESH_SHUTDOWN_GRACE"] == "30s" and env["FARAMESH_SHUTDOWN_DRAIN_DELAY"] == "2s"
    assert container["resources"]["requests"] and container["resources"]["limits"]
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert {"/data", "/tmp", "/etc/faramesh/policy"} <= mounts
    spread = pod["topologySpreadConstraints"]
    assert {c["topologyKey"] for c in spread} == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}
    selector = one(manifests, "Deployment")["spec"]["selector"]["matchLabels"]
    assert all(c["labelSelector"]["matchLabels"] == selector for c in spread)


def test_port_is_configurable_end_to_end() -> None:
    manifests = chart.render(with_values(server__port=9100, service__port=80))
    container = server_container(manifests)
    assert container["ports"] == [{"name": "http", "containerPort": 9100, "protocol": "TCP"}]
    assert env_of(container)["FARAMESH_PORT"] == "9100"
    service = one(manifests, "Service")
    assert service["spec"]["ports"][0] == {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}


def secret_data(manifests: List[Manifest], name: str) -> Dict[str, str]:
    secret = find(manifests, "Secret", name)
    assert secret, f"no Secret {name}"
    return {k: base64.b64decode(v).decode() for k, v in secret[0]["data"].items()}


def test_generated_secret_holds_one_ledger_key_for_every_replica() -> None:
    manifests = chart.render(with_values(metrics__serviceMonitor__enabled=True))
    data = secret_data(manifests, chart.RELEASE)
    assert data["postgres-dsn"] == DSN
    assert len(base64.b64decode(data["ledger-key"], validate=True)) == 32
    admin, metrics_token = data["admin-tokens"], data["metrics-token"]
    assert len(admin) >= 32 and data["bootstrap-tokens"] == f"{admin},{metrics_token}"
    secret = find(manifests, "Secret", chart.RELEASE)[0]
    assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    # Every replica reads the key from the same Secret key: one Deployment, one secretKeyRef.
    ref = env_of(server_container(manifests))["FARAMESH_LEDGER_KEY"]["secretKeyRef"]
    assert ref == {"name": chart.RELEASE, "key": "ledger-key"}
    # The ServiceMonitor authenticates with the token the server accepts.
    monitor = one(manifests, "ServiceMonitor")["spec"]["endpoints"][0]
    assert monitor["authorization"]["credentials"] == {"name": chart.RELEASE, "key": "metrics-token"}
    # Given values win over generated ones.
    given = chart.render(with_values(secrets__ledgerKey=base64.b64encode(b"k" * 32).decode(),
                                     secrets__bootstrapTokens=["0123456789abcdef0123"]))
    data = secret_data(given, chart.RELEASE)
    assert data["ledger-key"] == base64.b64encode(b"k" * 32).decode()
    assert data["bootstrap-tokens"] == "0123456789abcdef0123"


def test_generated_values_are_read_back_from_the_live_secret_on_upgrade() -> None:
    """Offline `lookup` returns nothing, so this checks the template wiring: lookup of the release's Secret,
    with the generated values taken from it before anything new is generated."""
    source = (chart.CHART / "templates" / "secret.yaml").read_text(encoding="utf-8")
    assert '(lookup "v1" "Secret" .Release.Namespace $name)' in source
    assert "default (get $liveData $keys.ledgerKey | b64dec) | default (randBytes 32)" in source
    assert 'default (get $liveData "admin-tokens" | b64dec) | default (randAlphaNum 48)' in source


def test_existing_secret_is_used_and_no_secret_is_rendered() -> None:
    values = chart.load_values(chart.CHART / "ci" / "existing-secret-values.yaml")
    manifests = chart.render(values)
    assert find(manifests, "Secret") == []
    env = env_of(server_container(manifests))
    assert env["FARAMESH_POSTGRES_DSN"]["secretKeyRef"] == {"name": "faramesh-credentials", "key": "dsn"}
    assert env["FARAMESH_TOKEN"]["secretKeyRef"] == {"name": "faramesh-credentials", "key": "admin-tokens"}
    assert env["FARAMESH_LEDGER_KEY"]["secretKeyRef"] == {"name": "faramesh-credentials", "key": "ledger-seed"}
    job = one(manifests, "Job")
    job_env = {e["name"]: e.get("valueFrom") for e in job["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert job_env["FARAMESH_POSTGRES_DSN"]["secretKeyRef"]["name"] == "faramesh-credentials"
    monitor = one(manifests, "ServiceMonitor")["spec"]["endpoints"][0]
    assert monitor["authorization"]["credentials"] == {"name": "faramesh-credentials", "key": "prometheus-token"}


def migrate_command(container: Dict[str, Any]) -> List[str]:
    return container["command"] + container["args"]


def test_migrations_hook_mode() -> None:
    manifests = chart.render(with_values(migrations__mode="hook"))
    job = one(manifests, "Job")
    assert hook_of(job) == "pre-install,pre-upgrade"
    assert job["metadata"]["annotations"]["helm.sh/hook-delete-policy"] == "before-hook-creation,hook-succeeded"
    assert migrate_command(job["spec"]["template"]["spec"]["containers"][0]) == ["faramesh", "migrate"]
    # The hook runs before the release's Secret exists: its DSN comes from a hook Secret that runs first.
    hook_secret = find(manifests, "Secret", f"{chart.RELEASE}-migrate")[0]
    assert hook_of(hook_secret) == "pre-install,pre-upgrade"
    assert int(hook_secret["metadata"]["annotations"]["helm.sh/hook-weight"]) < int(job["metadata"]["annotations"]["helm.sh/hook-weight"])
    assert secret_data(manifests, f"{chart.RELEASE}-migrate") == {"postgres-dsn": DSN}
    job_env = {e["name"]: e.get("valueFrom") for e in job["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert job_env["FARAMESH_POSTGRES_DSN"]["secretKeyRef"]["name"] == f"{chart.RELEASE}-migrate"
    assert "--no-migrate" in server_container(manifests)["args"]


def test_migrations_job_mode_for_argo_cd_and_kubectl() -> None:
    values = chart.load_values(chart.CHART / "ci" / "migrations-job-values.yaml")
    manifests = chart.render(values)
    job = one(manifests, "Job")
    assert hook_of(job) is None
    assert job["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "1"
    assert all(hook_of(m) is None for m in find(manifests, "Secret"))
    # A new image is a new Job (a Job's template is immutable); the same image keeps its name.
    other = chart.render({**values, "image": {"tag": "9.9.9"}})
    assert one(other, "Job")["metadata"]["name"] != job["metadata"]["name"]
    assert one(chart.render(values), "Job")["metadata"]["name"] == job["metadata"]["name"]
    assert "--no-migrate" in server_container(manifests)["args"]


def test_migrations_init_container_and_none_modes() -> None:
    manifests = chart.render(with_values(migrations__mode="initContainer"))
    assert find(manifests, "Job") == []
    init = one(manifests, "Deployment")["spec"]["template"]["spec"]["initContainers"]
    assert [migrate_command(c) for c in init] == [["faramesh", "migrate"]]
    assert init[0]["securityContext"]["readOnlyRootFilesystem"] is True
    none = chart.render(with_values(migrations__mode="none"))
    assert find(none, "Job") == []
    assert "initContainers" not in one(none, "Deployment")["spec"]["template"]["spec"]
    assert "--no-migrate" in server_container(none)["args"]


def pod_annotations(manifests: List[Manifest]) -> Dict[str, str]:
    return one(manifests, "Deployment")["spec"]["template"]["metadata"]["annotations"]


def test_policy_change_rolls_the_pods_unless_hot_reload() -> None:
    first = pod_annotations(chart.render(BASE))["checksum/policy"]
    changed = with_values(policy={"content": "rules:\n  - name: none\n    match: {tool: '*', op: '*'}\n    deny: true\n"})
    assert pod_annotations(chart.render(changed))["checksum/policy"] != first
    assert pod_annotations(chart.render(BASE))["checksum/policy"] == first
    hot = chart.render(with_values(policy={"hotReload": True}))
    assert "checksum/policy" not in pod_annotations(hot)
    assert env_of(server_container(hot))["FARAMESH_HOT_RELOAD"] == "1"
    assert env_of(server_container(chart.render(BASE)))["FARAMESH_HOT_RELOAD"] == "0"


def test_default_policy_is_the_repository_starter_policy() -> None:
    bundled = (chart.CHART / "files" / "default-policy.yaml").read_text(encoding="utf-8")
    assert bundled == (chart.REPO / "policies" / "default.yaml").read_text(encoding="utf-8")
    config_map = one(chart.render(BASE), "ConfigMap")
    assert yaml.safe_load(config_map["data"]["policy.yaml"]) == yaml.safe_load(bundled)


def test_ingress_tls_and_sse_annotations() -> None:
    manifests = chart.render(chart.load_values(chart.CHART / "ci" / "ingress-tls-values.yaml"))
    ingress = one(manifests, "Ingress")
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    assert annotations["nginx.ingress.kubernetes.io/proxy-http-version"] == "1.1"
    assert annotations["cert-manager.io/cluster-issuer"] == "letsencrypt"
    assert ingress["spec"]["tls"] == [{"secretName": "faramesh-tls", "hosts": ["faramesh.example.com"]}]
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": chart.RELEASE, "port": {"name": "http"}}


def test_hpa_replaces_the_replica_count() -> None:
    manifests = chart.render(chart.load_values(chart.CHART / "ci" / "hpa-values.yaml"))
    hpa = one(manifests, "HorizontalPodAutoscaler")
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (3, 12)
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": chart.RELEASE}
    assert "replicas" not in one(manifests, "Deployment")["spec"]
    assert one(chart.render(BASE), "Deployment")["spec"]["replicas"] == 2


def test_monitoring_objects_behind_flags() -> None:
    assert not find(chart.render(BASE), "ServiceMonitor") and not find(chart.render(BASE), "PrometheusRule")
    assert not find(chart.render(BASE), "NetworkPolicy")
    manifests = chart.render(chart.load_values(chart.CHART / "ci" / "monitoring-values.yaml"))
    monitor = one(manifests, "ServiceMonitor")
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert monitor["spec"]["endpoints"][0]["path"] == "/metrics" and monitor["spec"]["endpoints"][0]["port"] == "http"
    rule = one(manifests, "PrometheusRule")
    rules_file = yaml.safe_load((chart.REPO / "deploy" / "prometheus" / "rules.yaml").read_text(encoding="utf-8"))
    assert rule["spec"]["groups"] == rules_file["groups"]
    dashboard = find(manifests, "ConfigMap", f"{chart.RELEASE}-dashboard")[0]
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert dashboard["data"]["faramesh.json"] == (chart.REPO / "deploy" / "grafana" / "faramesh.json").read_text(encoding="utf-8")
    policy = one(manifests, "NetworkPolicy")["spec"]
    assert policy["ingress"][0]["ports"] == [{"port": 8000, "protocol": "TCP"}]
    assert len(policy["ingress"][0]["from"]) == 2
    assert {"port": 5432, "protocol": "TCP"} in policy["egress"][1]["ports"]


def test_helm_test_pod_checks_ready_through_the_service() -> None:
    pod = next(m for m in chart.render(BASE) if m["kind"] == "Pod")
    assert hook_of(pod) == "test"
    script = pod["spec"]["containers"][0]["args"][0]
    assert f"/dev/tcp/{chart.RELEASE}/8000" in script and "GET /ready" in script
    assert pod["spec"]["containers"][0]["securityContext"]["readOnlyRootFilesystem"] is True


def test_event_stream_cap_is_left_to_the_server_unless_set() -> None:
    """The server fits its default cap under the pod's file descriptor limit; an explicit one must fit."""
    assert "FARAMESH_SSE_MAX_CLIENTS" not in env_of(server_container(chart.render(BASE)))
    values = chart.load_values(chart.CHART / "ci" / "hot-reload-values.yaml")
    assert env_of(server_container(chart.render(values)))["FARAMESH_SSE_MAX_CLIENTS"] == "500"
