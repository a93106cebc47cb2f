// The byte buffer the RFC 2047 decoders write into: Python keeps every byte it cannot decode as
// a surrogate escape and, at the end of the header, turns the whole value back into bytes and
// decodes them as UTF-8 with replacement; `decodeHeaderWords` assembles those bytes here and
// does that last step once.

/** A growable byte buffer: where a header value is assembled before its final UTF-8 pass. */
export class ByteSink {
  private buffer = new Uint8Array(256);
  /** Bytes written so far; setting it lower drops the bytes after it. */
  length = 0;

  push(byte: number): void {
    if (this.length === this.buffer.length) this.grow(1);
    this.buffer[this.length++] = byte;
  }

  pushAll(bytes: Uint8Array): void {
    if (this.length + bytes.length > this.buffer.length) this.grow(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** A JavaScript string as UTF-8 (a lone surrogate as U+FFFD, as TextEncoder writes it). */
  pushText(text: string): void {
    for (let i = 0; i < text.length; i++) {
      let code = text.charCodeAt(i);
      if (code < 0x80) {
        this.push(code);
        continue;
      }
      if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
        const low = text.charCodeAt(i + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
          i++;
        }
      }
      if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
      this.pushCodePoint(code);
    }
  }

  pushCodePoint(code: number): void {
    if (code < 0x80) this.push(code);
    else if (code < 0x800) {
      this.push(0xc0 | (code >> 6));
      this.push(0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
      this.push(0xe0 | (code >> 12));
      this.push(0x80 | ((code >> 6) & 0x3f));
      this.push(0x80 | (code & 0x3f));
    } else {
      this.push(0xf0 | (code >> 18));
      this.push(0x80 | ((code >> 12) & 0x3f));
      this.push(0x80 | ((code >> 6) & 0x3f));
      this.push(0x80 | (code & 0x3f));
    }
  }

  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  private grow(atLeast: number): void {
    const next = new Uint8Array(Math.max(this.buffer.length * 2, this.length + atLeast));
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }
}
