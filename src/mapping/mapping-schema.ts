import fs from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

/**
 * The shipped schemas/mapping.schema.json, the one definition of a mapping file's shape (editors check against it
 * too). It is two folders up from this module, in src/ as in dist/.
 */
const SCHEMA = new URL('../../schemas/mapping.schema.json', import.meta.url);

let validate: ValidateFunction | undefined;

/** Compiled once, when the first mapping is read: commands without a mapping never load it. */
function validator(): ValidateFunction {
  if (!validate) {
    const ajv = new Ajv2020({ strict: true, strictRequired: false, allowUnionTypes: true });
    validate = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA, 'utf8')) as object);
  }
  return validate;
}

/** Where in the mapping a schema error is (`fields.LastName.lookup`), and what it says. */
export interface SchemaProblem {
  where: string;
  message: string;
}

/** The first way a parsed mapping document breaks the schema, or null when it fits. */
export function schemaProblem(doc: unknown): SchemaProblem | null {
  const check = validator();
  if (check(doc)) return null;
  const e = check.errors?.[0];
  if (!e) return { where: 'top level', message: 'does not fit schemas/mapping.schema.json' };
  const parts = e.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const extra = (e.params as { additionalProperty?: string }).additionalProperty;
  if (extra !== undefined) parts.push(extra);
  return {
    where: parts.length > 0 ? parts.join('.') : 'top level',
    message: extra !== undefined ? 'unknown key' : (e.message ?? 'does not fit the schema'),
  };
}
