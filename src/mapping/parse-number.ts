/** How a `number` or `number-comma` transform reads a written number. */
export interface NumberStyle {
  name: 'number' | 'number-comma';
  /** The one character before the decimals. */
  decimal: '.' | ',';
  /** Separators allowed between groups of three digits (one kind per value). */
  groups: readonly string[];
  example: string;
}

export const NUMBER_STYLES: Record<NumberStyle['name'], NumberStyle> = {
  number: { name: 'number', decimal: '.', groups: [',', ' ', '\u00a0', '\u202f'], example: '"-$1,234.50"' },
  'number-comma': {
    name: 'number-comma',
    decimal: ',',
    groups: ['.', ' ', '\u00a0', '\u202f'],
    example: '"-1.234,50 €"',
  },
};

const CURRENCY = /^[$€£¥]/u;
const CURRENCY_END = /[$€£¥]$/u;
const SIGN = /^[+-]/;

/** What the transform accepts, said once for every error message. */
export function numberShape(style: NumberStyle): string {
  const group = style.groups[0];
  return (
    `a number as transform ${style.name} reads it: an optional sign or (parentheses) for a negative, ` +
    `an optional currency symbol ($ € £ ¥), "${group}" or a space only between groups of 3 digits, ` +
    `"${style.decimal}" before the decimals, e.g. ${style.example} or 1e3`
  );
}

/**
 * Reads a written number strictly, as a plain decimal string ("-1234.50"), or null when the text is anything but a
 * number in this style. Lenient cleaning turned "1e3" into 13 and "(1,000.00)" into 1000: a value that cannot be
 * read whole is refused, never guessed.
 */
export function parseNumber(text: string, style: NumberStyle): string | null {
  let s = text.trim();
  let negative = false;
  const paren = /^\((.*)\)$/s.exec(s);
  if (paren) {
    negative = true;
    s = (paren[1] as string).trim();
  }
  let signed = false;
  let currency = false;
  // A sign and a currency symbol, in either order, before the digits; or a currency symbol after them.
  for (let i = 0; i < 2; i++) {
    const sign = SIGN.exec(s);
    if (sign && !signed && !paren) {
      signed = true;
      negative = sign[0] === '-';
      s = s.slice(1).trimStart();
      continue;
    }
    if (CURRENCY.test(s) && !currency) {
      currency = true;
      s = s.slice(1).trimStart();
    }
  }
  if (!currency && CURRENCY_END.test(s)) {
    currency = true;
    s = s.slice(0, -1).trimEnd();
  }
  const minus = negative ? '-' : '';
  const d = style.decimal === '.' ? '\\.' : ',';
  const plainExp = new RegExp(`^(\\d+(?:${d}\\d+)?|${d}\\d+)[eE]([+-]?\\d+)$`).exec(s);
  if (plainExp) {
    if (currency || paren) return null;
    const n = Number(
      `${minus}${(plainExp[1] as string).replace(style.decimal, '.')}e${plainExp[2] as string}`,
    );
    return Number.isFinite(n) ? String(n) : null;
  }
  const m = new RegExp(`^(\\d*)(?:${d}(\\d+))?$`).exec(ungroup(s, style) ?? '');
  if (!m || (m[1] === '' && m[2] === undefined)) return null;
  const whole = m[1] === '' ? '0' : (m[1] as string);
  return `${minus}${whole}${m[2] === undefined ? '' : `.${m[2]}`}`;
}

/** The digits before the decimal separator without their group separators, if every group has 3 digits. */
function ungroup(s: string, style: NumberStyle): string | null {
  const at = s.indexOf(style.decimal);
  const intPart = at < 0 ? s : s.slice(0, at);
  const rest = at < 0 ? '' : s.slice(at);
  const sep = style.groups.find((g) => intPart.includes(g));
  if (sep === undefined) return s;
  const parts = intPart.split(sep);
  const ok = /^\d{1,3}$/.test(parts[0] as string) && parts.slice(1).every((p) => /^\d{3}$/.test(p));
  return ok ? parts.join('') + rest : null;
}
