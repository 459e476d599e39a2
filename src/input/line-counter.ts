/**
 * Turns byte offsets of the text fed to a parser into 1-based line numbers, keeping only the chunks the
 * parser has not passed yet, so memory stays flat on any file size.
 */
export class LineCounter {
  private chunks: Array<{ start: number; bytes: Buffer; newlinesBefore: number }> = [];
  private total = 0;
  private newlines = 0;

  push(bytes: Buffer): void {
    this.chunks.push({ start: this.total, bytes, newlinesBefore: this.newlines });
    this.total += bytes.length;
    for (const b of bytes) if (b === 10) this.newlines++;
  }

  get size(): number {
    return this.total;
  }

  byteAt(offset: number): number | undefined {
    const c = this.chunks.findLast((chunk) => chunk.start <= offset);
    return c ? c.bytes[offset - c.start] : undefined;
  }

  /** The line that the byte at `offset` is on; earlier offsets are forgotten, so ask in increasing order. */
  lineAt(offset: number): number {
    while (this.chunks.length > 1 && (this.chunks[1]?.start ?? Infinity) <= offset) this.chunks.shift();
    const c = this.chunks[0];
    if (!c) return 1;
    let n = c.newlinesBefore;
    const end = Math.min(offset - c.start, c.bytes.length);
    for (let i = 0; i < end; i++) if (c.bytes[i] === 10) n++;
    return n + 1;
  }
}
