// The browser's side of the offset boundary: the only code that converts between the DOM's
// UTF-16 code units and the server's Unicode code points (end-exclusive, over the stored text).

export class OffsetMap {
  constructor(text) {
    this.text = text;
    this.utf16Length = text.length;
    let codePoints = 0;
    for (const _ of text) codePoints += 1;
    this.codePointLength = codePoints;
    // Fast path: without astral characters both counts agree everywhere.
    this.identity = codePoints === text.length;
    if (this.identity) return;
    this.cpToU16 = new Uint32Array(codePoints + 1);
    this.u16ToCp = new Int32Array(text.length + 1);
    let u16 = 0;
    let cp = 0;
    for (const ch of text) {
      this.cpToU16[cp] = u16;
      this.u16ToCp[u16] = cp;
      if (ch.length === 2) this.u16ToCp[u16 + 1] = -1; // inside a surrogate pair
      u16 += ch.length;
      cp += 1;
    }
    this.cpToU16[cp] = u16;
    this.u16ToCp[u16] = cp;
  }

  /** Code-point offset for a UTF-16 offset; one inside a surrogate pair snaps to the pair's start (or end). */
  toCodePoint(utf16, { snapForward = false } = {}) {
    if (utf16 < 0 || utf16 > this.utf16Length) throw new RangeError(`UTF-16 offset ${utf16} is outside the text`);
    if (this.identity) return utf16;
    const cp = this.u16ToCp[utf16];
    if (cp >= 0) return cp;
    return this.u16ToCp[utf16 - 1] + (snapForward ? 1 : 0);
  }

  /** UTF-16 offset for a code-point offset. */
  toUtf16(codePoint) {
    if (codePoint < 0 || codePoint > this.codePointLength) throw new RangeError(`offset ${codePoint} is outside the text`);
    return this.identity ? codePoint : this.cpToU16[codePoint];
  }

  /** The text of a code-point span, as the server's text[start:end]. */
  slice(start, end) {
    return this.text.slice(this.toUtf16(start), this.toUtf16(end));
  }
}
