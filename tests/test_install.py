"""`make install`'s GPU switch, without installing anything: what GPU=cuda would run, and that it
stops before touching .venv on a machine without an NVIDIA driver."""

import shutil
import subprocess

import pytest
from conftest import ROOT


def make(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "-s", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=120)


def test_cuda_install_uses_the_cuda_index_and_builds_llama_cpp_with_cuda():
    run = make("-n", "install", "GPU=cuda", "CUDA_TAG=cu126")
    assert run.returncode == 0, run.stderr
    assert "--extra-index-url https://download.pytorch.org/whl/cu126 torch==2.13.0+cu126" in run.stdout
    assert 'CMAKE_ARGS="-DGGML_CUDA=on"' in run.stdout
    assert run.stdout.splitlines()[0].startswith("nvidia-smi -L")  # the driver check comes first


def test_cpu_install_pins_the_cpu_build_and_keeps_a_gpu_build_made_by_hand():
    run = make("-n", "install", "GPU=cpu")
    assert run.returncode == 0, run.stderr
    if "pip install" in run.stdout:  # a stamp older than the Makefile: the recipe is shown
        assert "torch==2.13.0+cpu" in run.stdout and "-DGGML_CUDA" not in run.stdout


def test_an_unknown_build_is_refused():
    run = make("-n", "install", "GPU=rocm")
    assert run.returncode != 0 and "GPU=rocm: use GPU=cpu or GPU=cuda" in run.stderr


@pytest.mark.skipif(
    shutil.which("nvidia-smi") is not None
    and subprocess.run(["nvidia-smi", "-L"], capture_output=True).returncode == 0,
    reason="this machine has an NVIDIA driver: GPU=cuda would install",
)
def test_cuda_install_without_a_driver_stops_and_leaves_the_venv_as_it_is():
    venv = ROOT / ".venv"
    before = {path.name: path.stat().st_mtime_ns for path in venv.iterdir()} if venv.is_dir() else {}
    run = make("install", "GPU=cuda")
    assert run.returncode != 0
    assert "no NVIDIA driver or GPU here (nvidia-smi -L fails); .venv is left as it is." in run.stderr
    after = {path.name: path.stat().st_mtime_ns for path in venv.iterdir()} if venv.is_dir() else {}
    assert after == before
