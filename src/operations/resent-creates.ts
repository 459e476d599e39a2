import fs from 'node:fs';
import path from 'node:path';
import { BEFORE_FILE, type BeforeImages } from './before-images.js';

/**
 * The records a killed run may have created without hearing back. An upsert sent again on --resume finds such a
 * record by its key and, as it holds what the run sent, leaves it unchanged: without this it would have no
 * before-image, and `sfsync undo` would leave the record the run created.
 *
 * A line sent without an answer, for which the killed run wrote no before-image (it would have, before sending, had
 * the record existed: an update's image is on disk before its call), was a create; found on resume, the run
 * created it, and its before-image says so.
 */
export class ResentCreates {
  private readonly pending: Set<number>;
  /** Lines sent without an outcome whose create the killed run heard of (its image is on disk, its row is not). */
  private readonly imaged = new Set<number>();

  constructor(dir: string, unanswered: Iterable<number>) {
    this.pending = new Set(unanswered);
    const asked = new Set(this.pending);
    const file = path.join(dir, BEFORE_FILE);
    if (this.pending.size === 0 || !fs.existsSync(file)) return;
    // Only the line numbers are needed: a pattern over the text a megabyte at a time, not a parse of every image.
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(1 << 20);
      let tail = '';
      for (let at = 0; ;) {
        const n = fs.readSync(fd, buf, 0, buf.length, at);
        if (n === 0) break;
        at += n;
        const text = tail + buf.toString('latin1', 0, n);
        const end = text.lastIndexOf('\n') + 1;
        for (const m of text.slice(0, end).matchAll(/("op":"create",)?"line":(\d+)/g)) {
          const line = Number(m[2]);
          this.pending.delete(line);
          if (m[1] && asked.has(line)) this.imaged.add(line);
        }
        tail = text.slice(end);
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * An outcome of the resumed run: a record sent before without an answer, found there now, was created then, and
   * counts as created (the run as a whole created it: the totals add up to what the org holds).
   */
  settled(
    images: BeforeImages,
    line: number,
    outcome: string,
    id: string | undefined,
  ): 'created' | undefined {
    if (this.imaged.delete(line)) return id && outcome === 'unchanged' ? 'created' : undefined;
    // Updated, it has an update image already (taken before the resend): a create image after it would be taken
    // back first, and the update's then fail on a deleted record. Sent again unchanged is the case a kill leaves.
    if (!this.pending.delete(line) || !id || outcome !== 'unchanged') return undefined;
    // Resent: the killed run's retries may have written it again after creating it, and it holds what the run sent,
    // so a SystemModstamp up to now is the run's own (undo takes it back without --force).
    images.created(line, id, true);
    images.flush();
    return 'created';
  }
}
