"""The package's shape as a contract: import-linter's layer contracts hold, and an installed wheel runs its CLI.

The wheel test installs the built wheel into a fresh virtual environment that sees the dependencies
(torch, pyarrow, ...) through a path file but neither the repository nor its editable install, so a command
that imports something only the source checkout has (``benchmarks/``, ``tests/``) fails here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def test_import_contracts_hold():
    lint_imports = BIN / "lint-imports"
    if not lint_imports.exists():
        pytest.fail("lint-imports is missing: install the test extra (pip install -e '.[test]')")
    result = subprocess.run([str(lint_imports)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["HOME"] = str(tmp_path / "home")
    return env


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory) -> Path:
    """A venv holding only the built wheel (plus a path file to the test venv's dependencies)."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"  # a copy, so the build leaves nothing in the checkout
    shutil.copytree(REPO / "crucible_torch", source / "crucible_torch", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp.glob("crucible_torch-*.whl")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # Dependencies only: a path file's directory is appended to sys.path, but the .pth files inside it
    # (the editable install's finder) are not run, so the checkout stays invisible.
    Path(site, "test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stderr
    return venv


def test_installed_wheel_imports_from_itself(installed_wheel, tmp_path):
    python = installed_wheel / "bin" / "python"
    out = subprocess.run(
        [str(python), "-c", "import crucible_torch.cli, crucible_torch; print(crucible_torch.__file__)"],
        cwd=tmp_path,
        env=_clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert Path(out.stdout.strip()).is_relative_to(installed_wheel)


def test_installed_wheel_runs_the_cli(installed_wheel, tmp_path):
    command = installed_wheel / "bin" / "crucible-torch"
    helped = subprocess.run(
        [str(command), "--help"], cwd=tmp_path, env=_clean_env(tmp_path), capture_output=True, text=True, timeout=120
    )
    assert helped.returncode == 0, helped.stderr
    assert "bench" not in helped.stdout.split("positional arguments")[0]

    data = tmp_path / "data"
    data.mkdir()
    rows = [{"question": f"q{i}", "answer": i} for i in range(7)]
    (data / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    info = subprocess.run(
        [str(installed_wheel / "bin" / "python"), "-m", "crucible_torch", "info", str(data)],
        cwd=tmp_path,
        env=_clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert info.returncode == 0, info.stderr
    assert "train" in info.stdout and "7" in info.stdout
