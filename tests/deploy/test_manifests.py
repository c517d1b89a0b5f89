"""deploy/ checked offline: every Kubernetes manifest against the API's schemas (kubernetes-validate, strict),
the compose file against the Compose Specification's schema (vendored, see SOURCES.md), the gunicorn
configuration by gunicorn itself, the Containerfile's rules, and env.example against settings.py.

Each validator is shown to refuse a broken copy too, so a green run means the files were really checked.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
K8S_VERSION = "1.31.0"  # the oldest minor we support: the manifests use nothing newer
MANIFESTS = sorted(p for p in KUBERNETES.glob("*.yaml") if p.name != "kustomization.yaml")


def documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc is not None]


def resources() -> list[dict[str, Any]]:
    return [doc for path in MANIFESTS for doc in documents(path)]


def kinds() -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for doc in resources():
        found.setdefault(doc["kind"], []).append(doc)
    return found


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_every_manifest_validates_strictly(path: Path) -> None:
    for doc in documents(path):
        for version in (K8S_VERSION, kubernetes_validate.utils.latest_version() + ".0"):
            kubernetes_validate.validate(doc, version, strict=True)


def test_the_validator_refuses_a_typo_and_a_wrong_type() -> None:
    [web] = [d for d in kinds()["Deployment"] if d["metadata"]["name"] == "notice-web"]
    typo = copy.deepcopy(web)
    typo["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {"httpGet": {"path": "/healthz"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(typo, K8S_VERSION, strict=True)
    wrong = copy.deepcopy(web)
    wrong["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(wrong, K8S_VERSION, strict=True)


def test_kustomization_lists_every_manifest_once() -> None:
    kustomization = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text(encoding="utf-8"))
    assert sorted(kustomization["resources"]) == [p.name for p in MANIFESTS]
    assert kustomization["namespace"] == "notice-service"
    assert [image["name"] for image in kustomization["images"]] == ["notice-service"]


def pod_specs() -> list[tuple[str, dict[str, Any]]]:
    found = kinds()
    workloads = found["Deployment"] + found["Job"]
    return [(w["metadata"]["name"], w["spec"]["template"]["spec"]) for w in workloads]


@pytest.mark.parametrize("name,spec", pod_specs(), ids=[name for name, _ in pod_specs()])
def test_pods_are_locked_down(name: str, spec: dict[str, Any]) -> None:
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] == 10001  # the image's USER
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert spec["serviceAccountName"] == "notice-service"
    mounted_tmp = False
    for container in spec["containers"]:
        security = container["securityContext"]
        assert security["allowPrivilegeEscalation"] is False
        assert security["readOnlyRootFilesystem"] is True
        assert security["capabilities"]["drop"] == ["ALL"]
        assert container["image"] == "notice-service"  # set by kustomization's images
        assert "memory" in container["resources"]["limits"] and "cpu" in container["resources"]["requests"]
        assert {"configMapRef": {"name": "notice-config"}} in container["envFrom"]
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        mounted_tmp = mounts.get("/tmp") == "tmp"
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert mounted_tmp and "emptyDir" in volumes["tmp"]


def test_probes_and_rolling_updates() -> None:
    deployments = {d["metadata"]["name"]: d for d in kinds()["Deployment"]}
    web = deployments["notice-web"]["spec"]
    [container] = web["template"]["spec"]["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}
    config = kinds()["ConfigMap"][0]["data"]
    assert web["template"]["spec"]["terminationGracePeriodSeconds"] > int(config["NOTICE_WEB_GRACEFUL_TIMEOUT"])
    worker = deployments["notice-worker"]["spec"]
    [container] = worker["template"]["spec"]["containers"]
    assert container["args"] == ["worker"]
    assert container["readinessProbe"]["exec"]["command"] == ["notice-service", "ready"]
    assert container["livenessProbe"]["httpGet"]["port"] == "metrics"
    assert config["NOTICE_WORKER_METRICS_PORT"] == str(container["ports"][0]["containerPort"])
    assert worker["strategy"]["type"] == "RollingUpdate"
    [job] = kinds()["Job"]
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["init"]


def test_autoscaler_follows_the_exported_outbox_gauge() -> None:
    [hpa] = kinds()["HorizontalPodAutoscaler"]
    assert hpa["spec"]["scaleTargetRef"]["name"] == "notice-worker"
    [metric] = hpa["spec"]["metrics"]
    name = metric["external"]["metric"]["name"]
    source = (ROOT / "notice_service" / "web" / "operations.py").read_text(encoding="utf-8")
    assert f'GaugeMetricFamily("{name}"' in source  # the very gauge /metrics exports
    budgets = {p["metadata"]["name"]: p["spec"] for p in kinds()["PodDisruptionBudget"]}
    assert set(budgets) == {"notice-web", "notice-worker"}


def test_ingress_routes_the_api_not_the_operator_endpoints() -> None:
    [ingress] = kinds()["Ingress"]
    paths = [p["path"] for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]]
    assert paths == ["/v1", "/docs"]
    [service] = kinds()["Service"]
    assert service["spec"]["selector"]["app.kubernetes.io/component"] == "web"


def compose_schema() -> dict[str, Any]:
    return dict(json.loads((Path(__file__).parent / "compose-spec.json").read_text(encoding="utf-8")))


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8")))


def test_compose_file_follows_the_compose_specification() -> None:
    jsonschema.validate(compose(), compose_schema(), cls=jsonschema.Draft7Validator)
    broken = compose()
    broken["services"]["web"]["depends_on"]["init"]["condition"] = "service_finished"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, compose_schema(), cls=jsonschema.Draft7Validator)
    unknown = compose()
    unknown["services"]["web"]["restart_policy"] = "always"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(unknown, compose_schema(), cls=jsonschema.Draft7Validator)


def test_compose_runs_init_once_before_web_and_two_workers() -> None:
    services = compose()["services"]
    assert set(services) >= {"postgres", "seaweedfs", "init", "web", "worker", "tsa"}
    assert services["init"]["command"][0] == "init" and services["init"]["restart"] == "no"
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["init"] == {"condition": "service_completed_successfully"}
    assert services["worker"]["deploy"]["replicas"] == 2
    assert services["web"]["command"] == ["serve"]
    assert services["tsa"]["profiles"] == ["tsa"]
    assert services["web"]["env_file"] == ["env"] and services["web"]["read_only"] is True
    assert set(compose()["volumes"]) == {"postgres-data", "seaweedfs-data", "notice-data"}


def test_env_example_documents_every_setting() -> None:
    settings = (ROOT / "notice_service" / "settings.py").read_text(encoding="utf-8")
    gunicorn = (DEPLOY / "gunicorn.conf.py").read_text(encoding="utf-8")
    read = set(re.findall(r'"(NOTICE_[A-Z0-9_]+)"', settings)) | set(re.findall(r'"(NOTICE_[A-Z0-9_]+)"', gunicorn))
    example = (DEPLOY / "env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#? ?(NOTICE_[A-Z0-9_]+)=", example, flags=re.MULTILINE))
    assert read - documented == set()
    assert documented - read - {"NOTICE_IMAGE", "NOTICE_PUBLISH"} == set()  # compose's own two


def test_gunicorn_configuration_loads(tmp_path: Path) -> None:
    """``--check-config`` loads the configuration and the app (embedded profile, on a temporary directory)."""
    env = {**os.environ, "NOTICE_WEB_WORKERS": "3", "NOTICE_WEB_GRACEFUL_TIMEOUT": "25", "PYTHONPATH": str(ROOT)}
    env.update(NOTICE_DATA_DIR=str(tmp_path), NOTICE_WORKER="none", PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prom"))
    command = [sys.executable, "-m", "gunicorn", "--check-config", "--config", str(DEPLOY / "gunicorn.conf.py")]
    checked = subprocess.run([*command, "notice_service.wsgi:application"], cwd=ROOT, env=env, capture_output=True)
    assert checked.returncode == 0, checked.stderr.decode()
    printed = subprocess.run(
        [*command, "--print-config", "notice_service.wsgi:application"], cwd=ROOT, env=env, capture_output=True
    )
    assert printed.returncode == 0, printed.stderr.decode()
    config = dict(re.findall(r"^(\w+)\s+= (.*)$", printed.stdout.decode(), flags=re.MULTILINE))
    assert config["workers"] == "3" and config["graceful_timeout"] == "25" and config["worker_class"] == "gthread"
    assert config["logger_class"] == "notice_service.observability.gunicorn_logging.JsonLogger"
    bad = subprocess.run(
        [*command, "notice_service.wsgi:application"],
        cwd=ROOT,
        env={**env, "NOTICE_WEB_WORKERS": "many"},
        capture_output=True,
    )
    assert bad.returncode != 0 and b"invalid literal" in bad.stderr


def containerfile() -> list[str]:
    """The Containerfile's instructions, continuation lines joined, comments dropped."""
    text = (DEPLOY / "Containerfile").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    return [i.strip() for i in re.sub(r"\\\n", " ", "\n".join(lines)).splitlines() if i.strip()]


def test_containerfile_rules() -> None:
    instructions = containerfile()
    stages = [i for i in instructions if i.startswith("FROM ")]
    assert stages == ["FROM ${BASE_IMAGE} AS build", "FROM ${BASE_IMAGE} AS runtime"]
    assert "ARG BASE_IMAGE=debian:bookworm-slim" in instructions
    runtime = instructions[instructions.index(stages[1]) :]
    users = [i for i in runtime if i.startswith("USER ")]
    assert users == ["USER 10001:10001"]  # numeric, so Kubernetes' runAsNonRoot can check it
    assert runtime.index(users[0]) > max(i for i, line in enumerate(runtime) if line.startswith("RUN "))
    assert any(i.startswith("HEALTHCHECK ") and "/healthz" not in i for i in runtime)  # healthcheck.py asks it
    assert 'ENTRYPOINT ["/usr/local/bin/notice-entrypoint"]' in runtime and 'CMD ["serve"]' in runtime
    install = next(i for i in runtime if "pip install" in i)
    assert "-c /etc/notice-service/requirements.lock" in install and "--no-index" in install
    packages = next(i for i in runtime if "apt-get install" in i)
    for needed in ("libharfbuzz-subset0", "libpango-1.0-0", "poppler-utils", "qpdf", "fonts-dejavu-core"):
        assert needed in packages
    assert "notice-service" in (DEPLOY / "entrypoint.sh").read_text(encoding="utf-8")
    assert "/healthz" in (DEPLOY / "healthcheck.py").read_text(encoding="utf-8")
