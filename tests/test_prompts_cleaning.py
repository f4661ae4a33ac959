import pytest

from topex.cleaning import clean, judge, normalised, split_pair
from topex.prompts import (
    ANSWER,
    DELIMITER,
    FRAME,
    TASK,
    chat_messages,
    check_template,
    completion_prompt,
    example_text,
    instruction,
    label_words,
)

TEMPLATES = {
    "sentiment": "Generate a {label} movie review, choose a title based on the topic: '{issue}'",
    "news": "Generate a {label} news article with a headline, based on the topic: '{issue}'",
    "question": "Generate a question of the category '{label}', based on the topic: '{issue}'. Write only the question.",
    "nli": "Generate a premise and a hypothesis based on {issue}, delimited by '/delim/'. The sentence pair "
    "should have a {label} relation out of {labels}.",
}


@pytest.mark.parametrize("task", sorted(TEMPLATES))
def test_instruction_per_task_shape(task):
    check_template(TEMPLATES[task], f"augment.prompts.{task}")
    text = instruction(TEMPLATES[task], "cinderella disney the and", "positive", ["negative", "positive"])
    assert "cinderella disney the and" in text and "{" not in text
    if task == "sentiment":
        assert (
            text == "Generate a positive movie review, choose a title based on the topic: 'cinderella disney the and'"
        )
    if task == "nli":
        assert "out of 'negative', 'positive'" in text


def test_cluster_names_are_inserted_as_text_not_formatted():
    text = instruction(TEMPLATES["news"], "{label} {0.__class__} ${HOME}", "World", ["World"])
    assert "{label} {0.__class__} ${HOME}" in text


def test_bad_templates_name_the_key():
    with pytest.raises(ValueError, match=r"augment\.prompts\.news: unknown field\(s\) \['topic'\]"):
        check_template("Write about {topic}", "augment.prompts.news")
    with pytest.raises(ValueError, match=r"augment\.prompts\.news: malformed"):
        check_template("Write about {issue", "augment.prompts.news")


def test_completion_prompt_follows_appendix_b():
    prompt = completion_prompt("Generate X", ["first example", "second example"])
    assert prompt.startswith(FRAME)
    assert prompt.count(f"{TASK}\nGenerate X\n{ANSWER}\n") == 3
    assert prompt.endswith(f"{TASK}\nGenerate X\n{ANSWER}\n")
    assert prompt.index("first example") < prompt.index("second example")
    assert completion_prompt("Generate X", []) == f"{FRAME}\n{TASK}\nGenerate X\n{ANSWER}\n"


def test_chat_prompt_puts_examples_in_assistant_turns():
    messages = chat_messages("Generate X", ["an example"])
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[2]["content"] == "an example" and messages[-1]["content"] == "Generate X"


def test_examples_are_truncated_and_pairs_delimited():
    assert example_text("one two three four", None, 2) == "one two ..."
    assert example_text("The cat sat.", "The cat is.", 10) == f"The cat sat. {DELIMITER}\nThe cat is."


def test_pair_parser_needs_the_delimiter_exactly_once():
    assert split_pair("The doctor saw the judge. /delim/ The judge was seen.") == (
        "The doctor saw the judge.",
        "The judge was seen.",
    )
    assert "found 0 times" in split_pair("no delimiter here")
    assert "found 2 times" in split_pair("a /delim/ b /delim/ c")
    assert "at an end" in split_pair("The doctor saw the judge. /delim/")
    assert "at an end" in split_pair("/delim/ The judge was seen.")


def test_clean_strips_echoes_and_chatter():
    assert clean('Sure! Here is a positive review:\n"A lovely film."') == "A lovely film."
    assert clean(f"{ANSWER} A lovely film.\n{TASK}\nGenerate a review") == "A lovely film."
    assert clean("  A lovely film.  ") == "A lovely film."
    assert clean("Answer: A budget for Brown's campaign.") == "A budget for Brown's campaign."


SEEN, TRAINING = set(), {normalised("A film I saw once and liked a lot")}


def verdict(raw, pair=False, seen=SEEN, min_words=3, max_words=12, prompt=None):
    return judge(raw, pair, seen, TRAINING, min_words, max_words, prompt=prompt)


def test_filters_accept_and_reject_with_reasons():
    good = verdict("A lovely film about a glass slipper.")
    assert good.accepted and good.text == "A lovely film about a glass slipper."
    assert verdict("").reason == "empty"
    assert verdict("   \n ").reason == "empty"
    assert verdict("Too short").reason == "too short: 2 words < 3"
    assert verdict(" ".join(["word"] * 13)).reason == "too long: 13 words > 12"
    echo = verdict("and then write the review. Generate a review of 250 words", prompt="Generate a review of 250 words")
    assert echo.reason == "echoes the prompt ('generate a review of 250 words')"
    assert verdict("We generate a review of every film we see.", prompt="Generate a positive movie review").accepted
    assert verdict("a film I saw ONCE and liked a lot!").reason == "copy of a training text"
    seen = {normalised("A lovely film about a glass slipper.")}
    assert verdict("a lovely   film about a glass slipper", seen=seen).reason == "duplicate of an accepted generation"


def test_filters_on_pairs():
    good = verdict("The doctor saw the judge. /delim/ The judge was seen.", pair=True)
    assert good.accepted and good.text_pair == "The judge was seen."
    assert verdict("The doctor saw the judge. The judge was seen.", pair=True).reason.startswith("pair delimiter")
    assert verdict("The doctor saw /delim/ the judge /delim/ was seen.", pair=True).reason.startswith("pair delimiter")


def test_chat_prompt_without_a_system_role_folds_the_frame_into_the_first_user_turn():
    messages = chat_messages("Generate X", ["an example"], system_role=False)
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert messages[0]["content"] == FRAME + "\n\nGenerate X"
    assert messages[2]["content"] == "Generate X"  # only the first turn carries the frame
    assert chat_messages("Generate X", [], system_role=False) == [{"role": "user", "content": FRAME + "\n\nGenerate X"}]


def test_label_words_replace_the_names_they_list():
    assert label_words(["neg", "pos"], {"neg": "negative", "pos": "positive"}, "k") == ["negative", "positive"]
    assert label_words(["World", "Sci/Tech"], {"Sci/Tech": "science and technology"}, "k") == [
        "World",
        "science and technology",
    ]
    assert label_words(["a", "b"], None, "k") == ["a", "b"]
    with pytest.raises(ValueError, match=r"datasets.trec.label_words: \['ABR'\] are not label names"):
        label_words(["ABBR", "NUM"], {"ABR": "abbreviation"}, "datasets.trec.label_words")
