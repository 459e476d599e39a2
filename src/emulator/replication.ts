import { apiError } from './http.js';
import type { ObjectData } from './store.js';
import { formatDateTime, parseDateTimeInput } from './values.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
/** getUpdated answers at most 600,000 ids [doc REST "sObject Get Updated"]. */
const MAX_IDS = 600_000;

interface Window {
  start: number;
  end: number;
  /** The end, or now when the end is still to come: the last minute the answer covers. */
  latestDateCovered: number;
}

/**
 * The replication rules shared by getUpdated and getDeleted [doc SOAP "getUpdated()", "getDeleted()"]: both
 * dates required, seconds ignored, start strictly before end, start no further back than the days the log keeps.
 * The error texts are not documented [unverified]; the code INVALID_REPLICATION_DATE is.
 */
function replicationWindow(url: URL, now: number, daysKept: number): Window {
  const read = (name: 'start' | 'end'): number => {
    const text = url.searchParams.get(name);
    if (text === null || text === '')
      throw apiError(400, 'MISSING_ARGUMENT', `Missing required parameter: ${name}`);
    const ms = parseDateTimeInput(text);
    if (ms === null) {
      throw apiError(
        400,
        'INVALID_REPLICATION_DATE',
        `${name}: '${text}' is not a valid dateTime; use yyyy-MM-ddTHH:mm:ss+00:00`,
      );
    }
    return Math.floor(ms / MINUTE) * MINUTE;
  };
  const start = read('start');
  const end = read('end');
  if (start >= end)
    throw apiError(400, 'INVALID_REPLICATION_DATE', 'startDate must chronologically precede endDate');
  const oldest = Math.floor((now - daysKept * DAY) / DAY) * DAY;
  if (start < oldest) {
    throw apiError(
      400,
      'INVALID_REPLICATION_DATE',
      `startDate is before the oldest date available for replication: ${formatDateTime(oldest)}`,
    );
  }
  return { start, end, latestDateCovered: Math.min(end, Math.floor(now / MINUTE) * MINUTE) };
}

function stampOf(row: Record<string, unknown>): number {
  const text = (row.SystemModstamp ?? row.LastModifiedDate) as string | undefined;
  return text ? Date.parse(text.replace(/\+0000$/, 'Z')) : Number.NaN;
}

/** `GET /sobjects/{Obj}/updated?start=&end=`: records added or changed in the window, by SystemModstamp. */
export function getUpdated(object: ObjectData, url: URL, now: number): Record<string, unknown> {
  const w = replicationWindow(url, now, 30);
  const ids: string[] = [];
  for (const [id, row] of object.live) {
    const at = stampOf(row);
    if (at >= w.start && at < w.latestDateCovered) ids.push(id);
    if (ids.length > MAX_IDS)
      throw apiError(400, 'EXCEEDED_ID_LIMIT', 'Too many ids; choose start and end dates closer together');
  }
  return { ids, latestDateCovered: formatDateTime(w.latestDateCovered) };
}

/** `GET /sobjects/{Obj}/deleted?start=&end=`: records deleted in the window, from the recycle bin. */
export function getDeleted(
  object: ObjectData,
  url: URL,
  now: number,
  earliestDateAvailable: number,
): Record<string, unknown> {
  const w = replicationWindow(url, now, 15);
  const deletedRecords: Array<{ id: string; deletedDate: string }> = [];
  for (const [id, row] of object.deleted) {
    const at = stampOf(row);
    if (at >= w.start && at < w.latestDateCovered)
      deletedRecords.push({ id, deletedDate: formatDateTime(at) });
  }
  return {
    deletedRecords,
    earliestDateAvailable: formatDateTime(Math.floor(earliestDateAvailable / MINUTE) * MINUTE),
    latestDateCovered: formatDateTime(w.latestDateCovered),
  };
}
