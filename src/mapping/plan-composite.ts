import type { CompositeReference, KeyPart, PlanReference, PlanStep } from './plan-types.js';
import { checkKeys, isObject, type Where } from './plan-where.js';

type At = Array<string | number>;
type ReadReference = (where: Where, at: At, label: string, field: string, spec: unknown) => PlanReference;

const EXAMPLE =
  'For example PricebookEntryId: {step: prices, key: {Product2Id: {step: products, key: ProductCode, column: product}, Pricebook2Id: {standardPriceBook: true}}}';

/** Whether a mapping entry refers to a step's record by several of its fields (`key` is a map). */
export function isCompositeSpec(spec: unknown): spec is Record<string, unknown> {
  return isObject(spec) && 'step' in spec && isObject(spec.key);
}

/** `{standardPriceBook: true}`: the field gets the Id of the org's standard price book. */
export function isStandardPriceBook(spec: unknown): spec is Record<string, unknown> {
  return isObject(spec) && 'standardPriceBook' in spec;
}

export function readStandardPriceBook(
  where: Where,
  at: At,
  what: string,
  spec: Record<string, unknown>,
): void {
  checkKeys(where, at, spec, ['standardPriceBook'], what);
  if (spec.standardPriceBook !== true)
    throw where.error(
      [...at, 'standardPriceBook'],
      `${what}: standardPriceBook must be true`,
      'For example Pricebook2Id: {standardPriceBook: true}, or refer to a price book by name: {step: price-books, key: Name, column: price_book}',
    );
}

function readPart(
  where: Where,
  at: At,
  label: string,
  field: string,
  spec: unknown,
  readReference: ReadReference,
): KeyPart {
  const what = `${label}: ${field}`;
  if (typeof spec === 'string' && spec.trim() !== '') return { field, column: spec.trim() };
  if (isStandardPriceBook(spec)) {
    readStandardPriceBook(where, at, what, spec);
    return { field, standardPriceBook: true };
  }
  if (isObject(spec) && 'step' in spec) {
    if (isObject(spec.key))
      throw where.error(
        [...at, 'key'],
        `${what}: a part of a composite key is found by one key field`,
        'For example Product2Id: {step: products, key: ProductCode, column: product}',
      );
    return { field, ref: readReference(where, at, label, field, spec) };
  }
  throw where.error(
    at,
    `${what} must be a reference {step, key, column}, a column holding the value, or {standardPriceBook: true}`,
    EXAMPLE,
  );
}

/**
 * `{step, key: {Field: part, ...}}`: the record of `step` whose fields all equal the parts, each part a reference
 * resolved first (SFDMU writes the same key as `externalId: "Product2.ProductCode;Pricebook2.Name"`).
 */
export function readComposite(
  where: Where,
  at: At,
  label: string,
  field: string,
  spec: Record<string, unknown>,
  readReference: ReadReference,
): CompositeReference {
  const what = `${label}: ${field}`;
  checkKeys(where, at, spec, ['step', 'key'], what);
  if (typeof spec.step !== 'string' || spec.step.trim() === '')
    throw where.error([...at, 'step'], `${what} needs step`, EXAMPLE);
  const entries = Object.entries(spec.key as Record<string, unknown>);
  if (entries.length < 2)
    throw where.error(
      [...at, 'key'],
      `${what}: a composite key names two fields or more`,
      `With one field, write key: Field, column: column. ${EXAMPLE}`,
    );
  const parts = entries
    .map(([name, part]) =>
      readPart(where, [...at, 'key', name], `${label}: ${field}: key`, name, part, readReference),
    )
    .sort((a, b) => a.field.toLowerCase().localeCompare(b.field.toLowerCase()));
  if (!parts.some((p) => p.column !== undefined || p.ref !== undefined))
    throw where.error(
      [...at, 'key'],
      `${what}: every part of the key is fixed, so every record would refer to the same one`,
      'Let at least one part come from a column.',
    );
  return { field, step: spec.step.trim(), parts, line: where.line(at) };
}

/** A mapping field that is a composite reference or the standard price book: read into `into` (true), else false. */
export function takeComposite(
  where: Where,
  at: At,
  label: string,
  field: string,
  spec: unknown,
  into: Required<Pick<PlanStep, 'composites' | 'standardPriceBook'>>,
  readReference: ReadReference,
): boolean {
  if (isStandardPriceBook(spec)) {
    readStandardPriceBook(where, at, `${label}: ${field}`, spec);
    into.standardPriceBook.push({ field, line: where.line(at) });
    return true;
  }
  if (!isCompositeSpec(spec)) return false;
  into.composites.push(readComposite(where, at, label, field, spec, readReference));
  return true;
}

/** The steps a composite reference needs run first: its own, and those its parts refer to. */
export function compositeSteps(c: CompositeReference): string[] {
  return [c.step, ...c.parts.flatMap((p) => (p.ref ? [p.ref.step] : []))];
}

/** The columns a step's composite references read (not fields of their own when the step maps no fields). */
export function compositeColumns(step: PlanStep): string[] {
  return (step.composites ?? []).flatMap((c) =>
    c.parts.flatMap((p) => (p.ref ? [p.ref.column] : p.column ? [p.column] : [])),
  );
}
