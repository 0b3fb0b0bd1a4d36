"""In-tree PEP 517 / PEP 660 build backend for the `faramesh` distribution.

It has no build dependencies, so `pip install ./sdk/python` works without any index or cache
(offline, air-gapped, in CI). It reads the `[project]` table of pyproject.toml (name, version,
description, readme, requires-python, license, authors, keywords, classifiers, dependencies,
optional-dependencies, urls) and packs `src/faramesh` into a pure-Python wheel.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
import tarfile
import time
import zipfile
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
PACKAGE = "faramesh"
_SKIP_DIRS = {"__pycache__"}
_SKIP_SUFFIXES = (".pyc", ".pyo")


# -- pyproject ---------------------------------------------------------------------------------

def _load_pyproject() -> Dict[str, Any]:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    try:
        import tomllib  # Python >= 3.11
    except ModuleNotFoundError:
        return _mini_toml(text)
    return tomllib.loads(text)


def _mini_toml(text: str) -> Dict[str, Any]:
    """Enough TOML for this pyproject on Python 3.10: tables, strings, arrays of strings (also
    over several lines) and inline tables of strings."""
    data: Dict[str, Any] = {}
    table = data
    pending_key: Optional[str] = None
    pending: List[str] = []
    for raw in text.splitlines():
        line = raw.split(" #")[0].strip() if not raw.strip().startswith("#") else ""
        if not line:
            continue
        if pending_key is not None:
            pending.append(line)
            if line.endswith("]"):
                table[pending_key] = _value(" ".join(pending))
                pending_key, pending = None, []
            continue
        header = re.fullmatch(r"\[([A-Za-z0-9_.\-]+)\]", line)
        if header:
            table = data
            for part in header.group(1).split("."):
                table = table.setdefault(part, {})
            continue
        key, _, value = line.partition("=")
        key, value = key.strip().strip('"'), value.strip()
        if value.startswith("[") and not value.endswith("]"):
            pending_key, pending = key, [value]
            continue
        table[key] = _value(value)
    return data


def _value(text: str) -> Any:
    text = text.strip()
    if text.startswith("["):
        inner = text[1:-1]
        items = re.findall(r'\{[^}]*\}|"(?:[^"\\]|\\.)*"', inner)
        return [_value(item) for item in items]
    if text.startswith("{"):
        pairs = re.findall(r'([A-Za-z0-9_\-]+)\s*=\s*("(?:[^"\\]|\\.)*")', text)
        return {k: _value(v) for k, v in pairs}
    if text.startswith('"'):
        return text[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    if text in ("true", "false"):
        return text == "true"
    return text


def _project() -> Dict[str, Any]:
    return _load_pyproject()["project"]


def _dist_name(project: Dict[str, Any]) -> str:
    return re.sub(r"[-_.]+", "_", project["name"]).lower()


def _metadata(project: Dict[str, Any]) -> str:
    lines = ["Metadata-Version: 2.1", f"Name: {project['name']}", f"Version: {project['version']}"]
    if project.get("description"):
        lines.append(f"Summary: {project['description']}")
    for author in project.get("authors", []):
        if author.get("name"):
            lines.append(f"Author: {author['name']}")
    license_ = project.get("license")
    if isinstance(license_, dict) and license_.get("text"):
        lines.append(f"License: {license_['text']}")
    if project.get("keywords"):
        lines.append("Keywords: " + ",".join(project["keywords"]))
    for classifier in project.get("classifiers", []):
        lines.append(f"Classifier: {classifier}")
    for label, url in project.get("urls", {}).items():
        lines.append(f"Project-URL: {label}, {url}")
    if project.get("requires-python"):
        lines.append(f"Requires-Python: {project['requires-python']}")
    for requirement in project.get("dependencies", []):
        lines.append(f"Requires-Dist: {requirement}")
    for extra, requirements in project.get("optional-dependencies", {}).items():
        lines.append(f"Provides-Extra: {extra}")
        for requirement in requirements:
            marker = f'extra == "{extra}"'
            if ";" in requirement:
                req, _, existing = requirement.partition(";")
                lines.append(f"Requires-Dist: {req.strip()} ; ({existing.strip()}) and {marker}")
            else:
                lines.append(f"Requires-Dist: {requirement} ; {marker}")
    readme = project.get("readme")
    body = ""
    if isinstance(readme, str) and (ROOT / readme).exists():
        lines.append("Description-Content-Type: text/markdown")
        body = (ROOT / readme).read_text(encoding="utf-8")
    return "\n".join(lines) + "\n\n" + body


def _package_files() -> List[Path]:
    files = []
    for path in sorted((SRC / PACKAGE).rglob("*")):
        if path.is_file() and not _SKIP_DIRS.intersection(path.parts) and not path.name.endswith(_SKIP_SUFFIXES):
            files.append(path)
    return files


# -- wheel -------------------------------------------------------------------------------------

class _Wheel:
    def __init__(self, path: Path) -> None:
        self.zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)
        self.records: List[List[str]] = []

    def add(self, name: str, data: bytes) -> None:
        info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zip.writestr(info, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        self.records.append([name, f"sha256={digest}", str(len(data))])

    def close(self, record_name: str) -> None:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerows(self.records)
        writer.writerow([record_name, "", ""])
        info = zipfile.ZipInfo(record_name, date_time=(2020, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        self.zip.writestr(info, out.getvalue())
        self.zip.close()


def _dist_info_files(project: Dict[str, Any]) -> Dict[str, bytes]:
    return {
        "METADATA": _metadata(project).encode("utf-8"),
        "WHEEL": b"Wheel-Version: 1.0\nGenerator: faramesh_build\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        "top_level.txt": f"{PACKAGE}\n".encode(),
    }


def _build(wheel_directory: str, editable: bool) -> str:
    project = _project()
    name = f"{_dist_name(project)}-{project['version']}"
    filename = f"{name}-py3-none-any.whl"
    wheel = _Wheel(Path(wheel_directory) / filename)
    if editable:
        wheel.add(f"_{_dist_name(project)}_editable.pth", (str(SRC) + "\n").encode())
    else:
        for path in _package_files():
            wheel.add(path.relative_to(SRC).as_posix(), path.read_bytes())
    for fname, data in _dist_info_files(project).items():
        wheel.add(f"{name}.dist-info/{fname}", data)
    wheel.close(f"{name}.dist-info/RECORD")
    return filename


def get_requires_for_build_wheel(config_settings: Optional[Dict[str, Any]] = None) -> List[str]:
    return []


def get_requires_for_build_sdist(config_settings: Optional[Dict[str, Any]] = None) -> List[str]:
    return []


def get_requires_for_build_editable(config_settings: Optional[Dict[str, Any]] = None) -> List[str]:
    return []


def prepare_metadata_for_build_wheel(metadata_directory: str,
                                     config_settings: Optional[Dict[str, Any]] = None) -> str:
    project = _project()
    dist_info = Path(metadata_directory) / f"{_dist_name(project)}-{project['version']}.dist-info"
    dist_info.mkdir(parents=True, exist_ok=True)
    for fname, data in _dist_info_files(project).items():
        (dist_info / fname).write_bytes(data)
    return dist_info.name


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def build_wheel(wheel_directory: str, config_settings: Optional[Dict[str, Any]] = None,
                metadata_directory: Optional[str] = None) -> str:
    return _build(wheel_directory, editable=False)


def build_editable(wheel_directory: str, config_settings: Optional[Dict[str, Any]] = None,
                   metadata_directory: Optional[str] = None) -> str:
    return _build(wheel_directory, editable=True)


def build_sdist(sdist_directory: str, config_settings: Optional[Dict[str, Any]] = None) -> str:
    project = _project()
    name = f"{_dist_name(project)}-{project['version']}"
    filename = f"{name}.tar.gz"
    members = [ROOT / "pyproject.toml", *sorted((ROOT / "_build").glob("*.py")), *_package_files()]
    if (ROOT / "README.md").exists():
        members.append(ROOT / "README.md")
    with tarfile.open(Path(sdist_directory) / filename, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for path in members:
            info = tar.gettarinfo(str(path), arcname=f"{name}/{path.relative_to(ROOT).as_posix()}")
            info.mtime = int(time.time())
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            with open(path, "rb") as fh:
                tar.addfile(info, fh)
        pkg_info = _metadata(project).encode("utf-8")
        info = tarfile.TarInfo(f"{name}/PKG-INFO")
        info.size = len(pkg_info)
        info.mtime = int(time.time())
        tar.addfile(info, io.BytesIO(pkg_info))
    return filename

