"""Offsets are code points over the stored text; the browser's UTF-16 offsets convert exactly."""

import pytest

from annotator.spans import (
    OffsetError,
    TextSpan,
    check_span,
    codepoint_to_utf16,
    overlapping_pairs,
    utf16_length,
    utf16_to_codepoint,
)

EMOJI = "🙂"  # one code point, two UTF-16 code units
TEXT = f"{EMOJI} Talks failed."


# --- check_span ---------------------------------------------------------------------------


def test_a_range_inside_the_text_is_a_span():
    assert check_span(10, 2, 5) == TextSpan(2, 5)


def test_a_span_may_cover_the_whole_text():
    assert check_span(10, 0, 10) == TextSpan(0, 10)


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("2", 5, "start"),
        (2, "5", "end"),
        (None, 5, "start"),
        (2, None, "end"),
        (2.0, 5, "start"),
        (2, 5.0, "end"),
        (True, 5, "start"),
        (2, False, "end"),
        ([2], 5, "start"),
    ],
)
def test_offsets_that_are_not_whole_numbers_are_refused_naming_the_field(start, end, field):
    with pytest.raises(OffsetError) as error:
        check_span(10, start, end)
    assert error.value.field == field


def test_a_negative_start_is_refused():
    with pytest.raises(OffsetError) as error:
        check_span(10, -1, 5)
    assert error.value.field == "start"
    assert "negative" in error.value.message


def test_an_end_past_the_text_is_refused():
    with pytest.raises(OffsetError) as error:
        check_span(10, 2, 11)
    assert error.value.field == "end"
    assert "10 characters" in error.value.message


def test_a_huge_end_is_refused_not_crashed_on():
    with pytest.raises(OffsetError) as error:
        check_span(10, 0, 10**30)
    assert error.value.field == "end"


def test_an_empty_span_is_refused():
    with pytest.raises(OffsetError) as error:
        check_span(10, 4, 4)
    assert error.value.field == "end"


def test_a_reversed_span_is_refused():
    with pytest.raises(OffsetError) as error:
        check_span(10, 6, 4)
    assert error.value.field == "end"


def test_offset_error_is_a_value_error():
    assert issubclass(OffsetError, ValueError)


# --- TextSpan -----------------------------------------------------------------------------


def test_text_of_a_span_after_an_emoji_is_the_intended_word():
    start = TEXT.index("Talks")
    assert TextSpan(start, start + 5).text_of(TEXT) == "Talks"
    assert start == 2  # the emoji counts as one character


def test_spans_that_only_touch_do_not_overlap():
    assert not TextSpan(0, 5).overlaps(TextSpan(5, 8))
    assert not TextSpan(5, 8).overlaps(TextSpan(0, 5))


def test_spans_that_share_a_character_overlap_both_ways():
    assert TextSpan(0, 5).overlaps(TextSpan(4, 8))
    assert TextSpan(4, 8).overlaps(TextSpan(0, 5))


def test_a_span_contains_itself_and_spans_inside_it():
    outer = TextSpan(2, 10)
    assert outer.contains(outer)
    assert outer.contains(TextSpan(3, 9))
    assert not outer.contains(TextSpan(1, 9))
    assert not TextSpan(3, 9).contains(outer)


# --- UTF-16 <-> code points ---------------------------------------------------------------


def test_utf16_length_counts_astral_characters_twice():
    assert utf16_length("abc") == 3
    assert utf16_length(EMOJI) == 2
    assert utf16_length(TEXT) == len(TEXT) + 1


def test_utf16_offsets_after_an_emoji_convert_to_code_points():
    # In the browser "Talks" starts at UTF-16 offset 3; in the stored text at code point 2.
    assert utf16_to_codepoint(TEXT, 3) == 2
    assert codepoint_to_utf16(TEXT, 2) == 3


def test_offsets_before_the_emoji_are_the_same_in_both_units():
    assert utf16_to_codepoint(TEXT, 0) == 0
    assert codepoint_to_utf16(TEXT, 0) == 0


def test_the_end_of_the_text_converts_both_ways():
    assert utf16_to_codepoint(TEXT, utf16_length(TEXT)) == len(TEXT)
    assert codepoint_to_utf16(TEXT, len(TEXT)) == utf16_length(TEXT)


def test_the_end_of_a_text_ending_in_an_emoji_converts():
    text = f"ok {EMOJI}"
    assert utf16_to_codepoint(text, 5) == 4
    assert codepoint_to_utf16(text, 4) == 5


def test_every_code_point_offset_round_trips_through_utf16():
    text = f"a{EMOJI}b{EMOJI}{EMOJI}c\u00e9e\u0301"
    for offset in range(len(text) + 1):
        assert utf16_to_codepoint(text, codepoint_to_utf16(text, offset)) == offset


def test_a_utf16_offset_inside_a_surrogate_pair_is_refused():
    with pytest.raises(OffsetError) as error:
        utf16_to_codepoint(TEXT, 1)
    assert "surrogate" in error.value.message


def test_a_utf16_offset_inside_a_final_emoji_is_refused():
    with pytest.raises(OffsetError):
        utf16_to_codepoint(f"ok {EMOJI}", 4)


def test_combining_marks_are_code_points_of_their_own():
    text = "cafe\u0301 ok"  # "café" spelled with a combining acute accent
    assert len(text) == 8 == utf16_length(text)
    assert utf16_to_codepoint(text, 5) == 5
    assert codepoint_to_utf16(text, 5) == 5
    assert TextSpan(0, 5).text_of(text) == "cafe\u0301"


@pytest.mark.parametrize("offset", [-1, 100])
def test_utf16_offsets_outside_the_text_are_refused(offset):
    with pytest.raises(OffsetError) as error:
        utf16_to_codepoint(TEXT, offset)
    assert error.value.field == "offset"


@pytest.mark.parametrize("offset", [-1, 100])
def test_code_point_offsets_outside_the_text_are_refused(offset):
    with pytest.raises(OffsetError) as error:
        codepoint_to_utf16(TEXT, offset)
    assert error.value.field == "offset"


# --- overlapping_pairs --------------------------------------------------------------------


def test_no_spans_have_no_overlaps():
    assert overlapping_pairs([]) == []


def test_disjoint_and_touching_spans_have_no_overlaps():
    assert overlapping_pairs([TextSpan(0, 3), TextSpan(3, 6), TextSpan(8, 9)]) == []


def test_overlapping_spans_are_reported_as_index_pairs():
    spans = [TextSpan(10, 20), TextSpan(0, 5), TextSpan(15, 25)]
    assert {frozenset(p) for p in overlapping_pairs(spans)} == {frozenset((0, 2))}


def test_every_overlapping_pair_is_reported_once():
    spans = [TextSpan(0, 10), TextSpan(2, 4), TextSpan(3, 8), TextSpan(9, 12)]
    pairs = overlapping_pairs(spans)
    assert len(pairs) == len({frozenset(p) for p in pairs})
    assert {frozenset(p) for p in pairs} == {
        frozenset((0, 1)),
        frozenset((0, 2)),
        frozenset((1, 2)),
        frozenset((0, 3)),
    }


def test_identical_spans_overlap():
    assert {frozenset(p) for p in overlapping_pairs([TextSpan(1, 4), TextSpan(1, 4)])} == {frozenset((0, 1))}


def test_overlapping_pairs_agrees_with_pairwise_overlaps():
    spans = [TextSpan(s, e) for s, e in [(0, 4), (2, 3), (3, 9), (5, 6), (6, 7), (8, 12), (1, 2)]]
    expected = {
        frozenset((i, j))
        for i in range(len(spans))
        for j in range(i + 1, len(spans))
        if spans[i].overlaps(spans[j])
    }
    assert {frozenset(p) for p in overlapping_pairs(spans)} == expected
