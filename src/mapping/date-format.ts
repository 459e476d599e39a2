/**
 * Date formats as users type them (`MM/DD/YYYY`, `YYYY-MM-DD`, `dd.mm.yyyy`, `DD/MM/YYYY hh:mm`) turned into
 * Luxon's tokens, or the exact token that is wrong. Luxon reads `DD` as a localized date and `YYYY` as a week
 * year, so these spellings cannot be passed through as they are.
 */

const HELP = 'yyyy (year), MM (month), dd (day), HH (hour), mm (minute), ss (second), a (AM/PM)';

/** Luxon tokens kept as they are. */
const LUXON = new Set([
  'yyyy',
  'yy',
  'y',
  'MMMM',
  'MMM',
  'MM',
  'M',
  'LLL',
  'LL',
  'L',
  'dd',
  'd',
  'EEEE',
  'EEE',
  'E',
  'HH',
  'H',
  'hh',
  'h',
  'mm',
  'm',
  'ss',
  's',
  'SSS',
  'S',
  'a',
  'Z',
  'ZZ',
  'ZZZ',
  'ZZZZ',
  'z',
  'X',
  'x',
  'o',
  'ooo',
  'q',
  'qq',
  'W',
  'WW',
  'kk',
  'kkkk',
  'ccc',
  'cccc',
]);

/** Other common spellings: uppercase years and days, `MI`, `AM`/`PM`. */
const SPELLINGS: Record<string, string> = {
  YYYY: 'yyyy',
  YY: 'yy',
  DD: 'dd',
  D: 'd',
  Y: 'y',
  MON: 'MMM',
  Mon: 'MMM',
  MI: 'mm',
  SS: 'ss',
  AM: 'a',
  PM: 'a',
  A: 'a',
  fff: 'SSS',
  FFF: 'SSS',
};

export type DateFormatResult = { format: string } | { error: string };

/** Letter runs split into tokens: whole known words (`MON`, `AM`), else groups of one letter (`yyyyMMdd`). */
function tokens(input: string): Array<{ t: string; run: string }> {
  const out: Array<{ t: string; run: string }> = [];
  for (const run of input.match(/'[^']*'|[A-Za-z]+|[^A-Za-z']+/g) ?? []) {
    if (!/^[A-Za-z]+$/.test(run) || LUXON.has(run) || Object.hasOwn(SPELLINGS, run))
      out.push({ t: run, run });
    else for (const t of run.match(/([A-Za-z])\1*/g) ?? []) out.push({ t, run });
  }
  return out;
}

export function normalizeDateFormat(input: string): DateFormatResult {
  const split = tokens(input);
  const parts = split.map((p) => p.t);
  const isWord = (t: string | undefined): boolean => t !== undefined && /^[A-Za-z]+$/.test(t);
  const hasHour = parts.some((t) => /^[Hh]{1,2}$/.test(t));
  const hasMeridiem = parts.some((t) => ['a', 'A', 'AM', 'PM'].includes(t));
  const hasMonth = parts.some((t) => /^M{1,4}$/.test(t) || t === 'MON' || t === 'Mon');
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const t = parts[i] as string;
    const before = out.at(-2);
    if (!isWord(t)) out.push(t);
    // `yyyy-MM-ddTHH:mm`: a T between date and time is a letter to match, not a token.
    else if (t === 'T' && i > 0 && i < parts.length - 1) out.push("'T'");
    // `mm/dd/yyyy`: with no hour and no other month, mm is the month.
    else if ((t === 'mm' || t === 'm') && !hasHour && !hasMonth) out.push(t.toUpperCase());
    // `HH:MM`: after an hour and a colon, MM is the minute.
    else if ((t === 'MM' || t === 'M') && /:\s*$/.test(out.at(-1) ?? '') && /^[Hh]{1,2}$/.test(before ?? ''))
      out.push(t.toLowerCase());
    // `hh:mm` without AM/PM means a 24-hour clock.
    else if ((t === 'hh' || t === 'h') && !hasMeridiem) out.push(t.toUpperCase());
    else if (LUXON.has(t)) out.push(t);
    else if (Object.hasOwn(SPELLINGS, t)) out.push(SPELLINGS[t] as string);
    else
      return {
        error: `"${split[i]?.run ?? t}" in "${input}" is not a date or time token; use ${HELP}, e.g. MM/dd/yyyy or dd.MM.yyyy HH:mm`,
      };
  }
  return { format: out.join('') };
}
