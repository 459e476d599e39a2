import { readRecords } from './read-records.js';
import { formatFromFile } from './source.js';

export interface ColumnSample {
  /** Every column (or top-level NDJSON key) seen in the sample, in the order first seen. */
  columns: string[];
  /** The first values of each column, as text (blank ones included, so blanks can be counted). */
  values: Map<string, string[]>;
  /** The first records as read, for a preview. */
  first: Array<Record<string, unknown>>;
  /** Records read. */
  records: number;
}

/** Reads the first `size` records of a file: its columns and a sample of each column's values. */
export async function sampleColumns(file: string, size: number): Promise<ColumnSample> {
  const sample: ColumnSample = { columns: [], values: new Map(), first: [], records: 0 };
  const chunks = readRecords({ file, format: formatFromFile(file, undefined) });
  try {
    reading: for await (const chunk of chunks) {
      for (const r of chunk) {
        if (!r.values) continue;
        if (sample.records >= size) break reading;
        sample.records++;
        if (sample.first.length < 3) sample.first.push(r.values);
        for (const [column, v] of Object.entries(r.values)) {
          let list = sample.values.get(column);
          if (!list) {
            list = [];
            sample.values.set(column, list);
            sample.columns.push(column);
          }
          if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') list.push(String(v));
          else if (v === null || v === undefined) list.push('');
        }
      }
    }
  } finally {
    await chunks.return(undefined);
  }
  return sample;
}
