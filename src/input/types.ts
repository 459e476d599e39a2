/** One record read from the input, with the line it starts on (1-based; the CSV header is line 1). */
export type InputRecord =
  | {
      line: number;
      values: Record<string, unknown>;
      error?: undefined;
      /** A CSV row of delimiters only (`;;`): every cell empty. Not sent; skipped with `BLANK_ROW`. */
      blank?: true;
    }
  | {
      line: number;
      values?: undefined;
      error: { code: string; message: string };
      raw?: string;
      blank?: undefined;
    };

export type InputFormat = 'csv' | 'ndjson';

export interface ReadOptions {
  /** A path, or `-` for standard input. */
  file: string;
  format: InputFormat;
  delimiter?: string;
  encoding?: 'utf8' | 'latin1' | 'utf16le';
  stdin?: NodeJS.ReadableStream;
  /**
   * Called with the CSV header's column names, before the first record. `jsonRecords`: the file is a failures file
   * of an NDJSON run, whose records are the JSON in its `input` column (so it has no header of its own).
   * `originLost`: a first run's results file read without the journal of its results folder, so the file its
   * records came from (`original_file`) is unknown.
   */
  onHeader?: (columns: string[], jsonRecords: boolean, originLost: boolean) => void;
  /** Parse a CSV file on a worker thread (csv-thread.ts); by default, for big files. */
  thread?: boolean;
}
