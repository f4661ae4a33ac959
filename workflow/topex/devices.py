"""The device a job computes on: chosen once per job, logged, and never silently wrong.

- **torch** (``classifier.device``, which every torch model of a job follows): ``auto`` takes a
  CUDA device when torch sees one and the CPU otherwise; ``cuda`` or ``cuda:N`` on a machine or a
  torch build without CUDA stops the job, naming the setting and the fix.
- **llama.cpp** (``llms.<name>.n_gpu_layers``, :func:`topex.llm.offload`): offloading layers on
  a build without GPU offload stops the job the same way. Such a build would otherwise load the
  model on the CPU without a word, and an 8 B model would then run for days.
- **One device per job.** With several visible CUDA devices, a job takes the first free one and
  holds it, for its process's life, by an exclusive lock on one file per device (in the folder
  ``$TOPEX_GPU_LOCKS``, by default one under the system's temporary folder). Without the lock every
  job would run on cuda:0. Snakemake's ``gpu`` resource (``--resources gpu=N``) caps how many jobs
  hold a device at once; under Slurm a job sees only the devices it was given, so it takes its
  first.

:func:`autocast` runs a model at ``classifier.precision`` (fp32, bf16 or fp16) on the device.

Every choice is logged as one ``device: ...`` line in the job's log; the tests read those lines to
check that exactly the jobs that use a model declare the ``gpu`` resource.
"""

from __future__ import annotations

import fcntl
import logging
import os
import tempfile
import time
from pathlib import Path

log = logging.getLogger("topex.devices")

INSTALL_CUDA = "make install GPU=cuda"  # README, "Running on a GPU"
_held: dict = {}  # the device this process claimed and its lock file, kept open until the process ends


class DeviceError(RuntimeError):
    """A setting asks for a GPU that this machine or build cannot give."""


def lock_folder() -> Path:
    return Path(os.environ.get("TOPEX_GPU_LOCKS") or Path(tempfile.gettempdir()) / f"topex-gpu-locks-{os.getuid()}")


def claim_gpu(count: int, folder: Path | None = None, poll_seconds: float = 1.0) -> int:
    """The index of a CUDA device that no other job holds, of ``count`` visible ones; the same index
    for every later call of this process. Waits while every device is held (more GPU jobs than
    devices: a ``gpu`` resource above the device count)."""
    if "index" in _held:
        return _held["index"]
    if count <= 1:
        _held["index"] = 0
        return 0
    folder = folder or lock_folder()
    folder.mkdir(parents=True, exist_ok=True)
    while True:
        for index in range(count):
            handle = open(folder / f"cuda{index}.lock", "w")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            _held.update(index=index, handle=handle)  # released by the OS when the process ends
            return index
        time.sleep(poll_seconds)


def torch_device(name: str, setting: str = "classifier.device"):
    """The torch device for ``name`` (``auto``, ``cpu``, ``cuda`` or ``cuda:N``), the value of
    ``setting``: ``auto`` and ``cuda`` take this job's own device (:func:`claim_gpu`)."""
    import torch  # here, not at the top: a job that loads only an LLM needs no torch for its check

    if name == "cpu" or (name == "auto" and not torch.cuda.is_available()):
        log.info("device: cpu (%s: %s%s)", setting, name, "; torch sees no CUDA device" if name == "auto" else "")
        return torch.device("cpu")
    if not name.startswith("cuda") and name != "auto":
        raise DeviceError(f"{setting}: {name!r} is not a device this workflow uses (auto, cpu, cuda or cuda:N)")
    if not torch.cuda.is_available():
        raise DeviceError(
            f"{setting}: {name!r} asks for a CUDA device, but torch {torch.__version__} sees none "
            f"(built for CUDA {torch.version.cuda}). Set {setting}: cpu (or auto), or on a GPU machine "
            f"install the CUDA build: {INSTALL_CUDA}."
        )
    index = int(name.split(":")[1]) if ":" in name else claim_gpu(torch.cuda.device_count())
    log.info("device: cuda:%d of %d (%s: %s)", index, torch.cuda.device_count(), setting, name)
    return torch.device("cuda", index)


def autocast(precision: str, device):
    """The context in which a torch model computes at ``precision`` (``classifier.precision``):
    torch's mixed precision, whose matrix products run in bf16 or fp16 while the weights, the
    optimiser state and the losses stay fp32; a no-op for fp32. bf16 and fp16 run on a CPU too."""
    import torch

    dtype = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}[precision]
    return torch.autocast(device.type, dtype=dtype, enabled=dtype is not None)
