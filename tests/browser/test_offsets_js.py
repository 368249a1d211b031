"""The browser's offset module agrees with the server's on every kind of text."""

import pytest

from annotator import spans

pytestmark = [pytest.mark.browser]

TEXTS = {
    "emoji": "Kim 🙂 smiled; 👍🏽 then “talks” — 🇰🇵 flags.",
    "combining marks": "Nicola\u0301s Maduro, Pyo\u0308ngyang, cafe\u0301 talks",
    "crlf": "First line.\r\nSecond 🙂 line.\r\n\r\nThird.",
    "right-to-left": "قال الدبلوماسي 🙂 إن العقوبات فشلت. and English after.",
    "plain": "No astral characters here at all.",
}


@pytest.fixture
def offsets_module(live_server, page):
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate("async () => { window.offsets = await import('/static/annotator/offsets.js'); }")
    return page


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", TEXTS)
def test_browser_and_server_convert_offsets_alike(offsets_module, name):
    text = TEXTS[name]
    result = offsets_module.evaluate(
        """(text) => {
            const map = new window.offsets.OffsetMap(text);
            const toUtf16 = [];
            for (let cp = 0; cp <= map.codePointLength; cp += 1) toUtf16.push(map.toUtf16(cp));
            const toCodePoint = [];
            for (let u = 0; u <= text.length; u += 1) toCodePoint.push(map.toCodePoint(u));
            const slice = map.slice(2, map.codePointLength - 1);
            return {length: map.codePointLength, toUtf16, toCodePoint, slice};
        }""",
        text,
    )
    assert result["length"] == len(text)
    assert result["toUtf16"] == [spans.codepoint_to_utf16(text, cp) for cp in range(len(text) + 1)]
    assert result["slice"] == text[2 : len(text) - 1]
    for utf16, cp in enumerate(result["toCodePoint"]):
        # Inside a surrogate pair the browser snaps back to the pair's start; the server refuses.
        try:
            assert cp == spans.utf16_to_codepoint(text, utf16)
        except spans.OffsetError:
            assert spans.codepoint_to_utf16(text, cp) == utf16 - 1


@pytest.mark.django_db(transaction=True)
def test_an_offset_outside_the_text_is_refused(offsets_module):
    error = offsets_module.evaluate(
        "() => { try { new window.offsets.OffsetMap('ab🙂').toUtf16(4); } catch (e) { return e.name; } }"
    )
    assert error == "RangeError"
