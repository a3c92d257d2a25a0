/** RFC 8785 (JSON Canonicalization Scheme) text of a JSON value: the same bytes wherever it is computed. */
import canonicalizeModule from 'canonicalize';

// The package is CommonJS with an ESM-style type declaration; at run time the default import is the function.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('Not a JSON value: nothing to canonicalize');
  return text;
}
