"""Runs the chart's pods as local processes, exactly as rendered.

From the rendered Deployment (and migration Job) this takes the container's command and args, its env
(values and secretKeyRefs resolved from the rendered Secret), its ports and probe paths, and its volume
mounts. A process differs from the container only where a machine is not a pod:
- `faramesh` (the image's binary, /usr/local/bin/faramesh) is the binary under test;
- each volume mount path is a temporary directory (ConfigMap volumes hold the ConfigMap's files), and env
  values under a mount path point there; the working directory is the image's WORKDIR, mapped the same way;
- every replica after the first listens on its own loopback port (FARAMESH_PORT), since pods have their own IPs.
The image's ENV (read from the Dockerfile) comes first, as in a container.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Dict, List, Optional

import requests

from support.chart import Manifest, find, one
from support.dockerfile import image_environment, instructions

IMAGE_BINARY = "faramesh"


@dataclasses.dataclass
class ContainerSpec:
    command: List[str]
    env: Dict[str, str]
    ports: Dict[str, int]
    probes: Dict[str, Dict[str, object]]
    mounts: Dict[str, Path]
    workdir: Path


def secret_value(manifests: List[Manifest], name: str, key: str) -> str:
    secrets = find(manifests, "Secret", name)
    assert secrets, f"secretKeyRef to {name}, which the chart did not render"
    data = secrets[0]["data"]
    assert key in data, f"secretKeyRef to {name}/{key}: no such key"
    return base64.b64decode(data[key]).decode()


def _map_path(value: str, mounts: Dict[str, Path]) -> str:
    for mount_path, local in sorted(mounts.items(), key=lambda item: -len(item[0])):
        if value == mount_path or value.startswith(mount_path.rstrip("/") + "/"):
            return str(local) + value[len(mount_path.rstrip("/")):]
    return value


def container_spec(manifests: List[Manifest], pod_spec: Dict[str, object], container: Dict[str, object],
                   binary: Path, root: Path) -> ContainerSpec:
    """The process that stands for `container` of `pod_spec`, with its volumes materialised under `root`."""
    volumes = {v["name"]: v for v in pod_spec.get("volumes", [])}  # type: ignore[union-attr]
    mounts: Dict[str, Path] = {}
    for mount in container.get("volumeMounts", []):  # type: ignore[union-attr]
        local = root / mount["name"]
        local.mkdir(parents=True, exist_ok=True)
        volume = volumes[mount["name"]]
        if "configMap" in volume:
            config_map = find(manifests, "ConfigMap", volume["configMap"]["name"])
            assert config_map, f"volume {mount['name']}: ConfigMap {volume['configMap']['name']} not rendered"
            for key, text in config_map[0]["data"].items():
                (local / key).write_text(text, encoding="utf-8")
        else:
            assert "emptyDir" in volume, f"volume {mount['name']}: unsupported type"
        mounts[mount["mountPath"]] = local
    env: Dict[str, str] = {name: _map_path(value, mounts) for name, value in image_environment().items()}
    for item in container.get("env", []):  # type: ignore[union-attr]
        if "value" in item:
            env[item["name"]] = _map_path(str(item["value"]), mounts)
        else:
            ref = item["valueFrom"]["secretKeyRef"]
            env[item["name"]] = secret_value(manifests, ref["name"], ref["key"])
    command = list(container.get("command") or []) + list(container.get("args") or [])  # type: ignore[operator]
    assert command and command[0] == IMAGE_BINARY, f"unexpected container command {command}"
    command[0] = str(binary)
    ports = {p["name"]: int(p["containerPort"]) for p in container.get("ports", [])}  # type: ignore[union-attr]
    probes = {kind: container[kind] for kind in ("startupProbe", "livenessProbe", "readinessProbe") if kind in container}
    workdir = [args for name, args in instructions() if name == "WORKDIR"][-1]
    local_workdir = _map_path(workdir, mounts)
    if local_workdir == workdir:
        # Not a volume in this pod: the image's own (read-only) directory.
        local_workdir = str(root / "image-workdir")
    return ContainerSpec(command, env, ports, probes, mounts, Path(local_workdir))


def process_env(env: Dict[str, str]) -> Dict[str, str]:
    """A container's environment: only its own variables, plus a PATH and a HOME for the process."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"), **env}


def run_to_completion(spec: ContainerSpec, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    spec.workdir.mkdir(parents=True, exist_ok=True)
    return subprocess.run(spec.command, env=process_env(spec.env), cwd=spec.workdir, capture_output=True, text=True,
                          timeout=timeout)


@dataclasses.dataclass
class Replica:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def stop(self, timeout: float) -> Optional[int]:
        """SIGTERM, as the kubelet sends after preStop; returns the exit code, None if it had to be killed."""
        if self.process.poll() is not None:
            return self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
            return None


def start_replica(spec: ContainerSpec, name: str, port: int, logs: Path) -> Replica:
    env = dict(spec.env)
    env["FARAMESH_PORT"] = str(port)
    spec.workdir.mkdir(parents=True, exist_ok=True)
    log = logs / f"{name}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(spec.command, env=process_env(env), cwd=spec.workdir, stdout=sink, stderr=subprocess.STDOUT)
    return Replica(name, port, process, log)


def probe_url(replica: Replica, spec: ContainerSpec, kind: str) -> str:
    http_get = spec.probes[kind]["httpGet"]  # type: ignore[index]
    port = http_get["port"]  # type: ignore[index]
    rendered_port = spec.ports[port] if isinstance(port, str) else int(port)
    assert rendered_port == int(spec.env["FARAMESH_PORT"]), "the probe must target the port the server listens on"
    return f"http://127.0.0.1:{replica.port}{http_get['path']}"  # type: ignore[index]


def wait_for(replica: Replica, url: str, timeout: float = 60.0) -> requests.Response:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        if replica.process.poll() is not None:
            raise AssertionError(f"{replica.name} exited with {replica.process.returncode}:\n{replica.log_text()[-4000:]}")
        try:
            response = requests.get(url, timeout=3)
            if response.status_code == 200:
                return response
            last = f"{response.status_code} {response.text[:200]}"
        except requests.RequestException as exc:
            last = exc
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer 200 within {timeout}s (last: {last}):\n{replica.log_text()[-4000:]}")


def deployment_pod(manifests: List[Manifest]) -> Dict[str, object]:
    return one(manifests, "Deployment")["spec"]["template"]["spec"]


def migration_job_pod(manifests: List[Manifest]) -> Dict[str, object]:
    return one(manifests, "Job")["spec"]["template"]["spec"]
