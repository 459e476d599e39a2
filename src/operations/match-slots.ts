const ID_BYTES = 18;
const ID = /^[A-Za-z0-9]{18}$/;

/** What a slot knows of its record's values. */
const NONE = 0;
const KNOWN = 1;
const FORGOTTEN = 2;

/**
 * The records of a match index by slot (a small integer), without an object per record: an export brings every
 * record of an object, most of which the run never writes. Each slot's Id is 18 bytes in one buffer, its state one
 * byte, and the values kept for its before-image (see MatchIndex.valuesOf) one piece of text in another buffer;
 * they are read back as strings only for the records a run matches or updates. Nothing here refers to the pages
 * the records were read from, whose cells are slices that would keep a whole page alive.
 */
export class MatchSlots {
  private ids = Buffer.alloc(0);
  /** Ids that are not 18 letters and digits (never from Salesforce; kept as given), by slot. */
  private readonly odd = new Map<number, string>();
  private state = new Uint8Array(0);
  /** Each slot's values: where their text starts in `text`, and its length in bytes. */
  private spans = new Uint32Array(0);
  private text = Buffer.alloc(0);
  private textEnd = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** A new slot for the record with this Id (its values unknown until `setValues`). */
  add(id: string): number {
    const slot = this.count++;
    if (this.count > this.state.length) this.grow(Math.max(1024, this.state.length * 2));
    if (ID.test(id)) this.ids.write(id, slot * ID_BYTES, 'latin1');
    else this.odd.set(slot, id);
    return slot;
  }

  /** The Id of a slot, as given. */
  id(slot: number): string {
    const odd = this.odd.get(slot);
    if (odd !== undefined) return odd;
    const at = slot * ID_BYTES;
    return this.ids.toString('latin1', at, at + ID_BYTES);
  }

  /** The first 15 characters of a slot's Id (its case-sensitive form), as a string of its own. */
  id15(slot: number): string {
    const odd = this.odd.get(slot);
    if (odd !== undefined) return odd.slice(0, 15);
    const at = slot * ID_BYTES;
    return this.ids.toString('latin1', at, at + 15);
  }

  /** The slot's values, as text (JSON): they are known from here on. */
  setValues(slot: number, values: string): void {
    const bytes = Buffer.byteLength(values);
    if (this.textEnd + bytes > this.text.length) {
      const grown = Buffer.allocUnsafe(Math.max(64 * 1024, this.text.length * 2, this.textEnd + bytes));
      this.text.copy(grown, 0, 0, this.textEnd);
      this.text = grown;
    }
    this.spans[slot * 2] = this.textEnd;
    this.spans[slot * 2 + 1] = bytes;
    this.textEnd += this.text.write(values, this.textEnd, 'utf8');
    this.state[slot] = KNOWN;
  }

  /** The slot's values as read (set by `setValues`), even once forgotten; undefined when never read. */
  values(slot: number): string | undefined {
    if (slot >= this.count || this.state[slot] === NONE) return undefined;
    const at = this.spans[slot * 2] as number;
    return this.text.toString('utf8', at, at + (this.spans[slot * 2 + 1] as number));
  }

  /** Whether the slot's current values are known: read, and not forgotten since. */
  known(slot: number): boolean {
    return this.state[slot] === KNOWN;
  }

  /** A write of the record failed or has no known outcome: its values are no longer known. */
  forget(slot: number): void {
    if (this.state[slot] === KNOWN) this.state[slot] = FORGOTTEN;
  }

  private grow(slots: number): void {
    const ids = Buffer.alloc(slots * ID_BYTES);
    this.ids.copy(ids);
    this.ids = ids;
    const state = new Uint8Array(slots);
    state.set(this.state);
    this.state = state;
    const spans = new Uint32Array(slots * 2);
    spans.set(this.spans);
    this.spans = spans;
  }
}
