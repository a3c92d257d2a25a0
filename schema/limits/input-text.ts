/**
 * Text PostgreSQL cannot store is refused at the door, whatever the field: a NUL character, or an
 * unpaired UTF-16 surrogate (a lone `\ud800` is valid JSON but not text). So are JSON values nested
 * deeper than any record needs. Checked in variables and in values written inline, with the path
 * of the first one at fault.
 */
import { GraphQLError, visit, type DocumentNode } from 'graphql';
import { hasLoneSurrogate } from '../../server/validation.js';

export const MAX_VALUE_DEPTH = 64;

const isUnstorable = (text: string) => text.includes('\u0000') || hasLoneSurrogate(text);

function refuse(field: string, message: string): GraphQLError {
  return new GraphQLError(`${field}: ${message}`, { extensions: { code: 'BAD_USER_INPUT', field, http: { status: 400 } } });
}

function checkValue(value: unknown, path: string, depth: number): GraphQLError | undefined {
  if (typeof value === 'string') return isUnstorable(value) ? refuse(path, 'text may not contain NUL characters or unpaired surrogates') : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  if (depth > MAX_VALUE_DEPTH) return refuse(path, `values may be nested at most ${MAX_VALUE_DEPTH} levels deep`);
  const entries = Array.isArray(value) ? value.map((item, index) => [String(index), item] as const) : Object.entries(value);
  for (const [key, item] of entries) {
    if (isUnstorable(key)) return refuse(path, 'keys may not contain NUL characters or unpaired surrogates');
    const problem = checkValue(item, `${path}.${key}`, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * Documents whose inline values passed. Apollo hands every request with the same text the same
 * parsed document from its cache, so a client's repeated query is walked once, not per request
 * (the walk was ~3% of a small request's CPU and allocations). Weak: documents leave with the cache.
 */
const cleanDocuments = new WeakSet<DocumentNode>();

export function inputTextError(document: DocumentNode, variables: Readonly<Record<string, unknown>> | undefined): GraphQLError | undefined {
  for (const [name, value] of Object.entries(variables ?? {})) {
    const problem = checkValue(value, name, 1);
    if (problem) return problem;
  }
  if (cleanDocuments.has(document)) return undefined;
  const problem = inlineValueError(document);
  if (!problem) cleanDocuments.add(document);
  return problem;
}

function inlineValueError(document: DocumentNode): GraphQLError | undefined {
  let problem: GraphQLError | undefined;
  let depth = 0;
  // Objects and lists written inline count alike towards how deep a value goes.
  const nesting = {
    enter() {
      depth += 1;
      if (depth > MAX_VALUE_DEPTH && !problem) problem = refuse('arguments', `values may be nested at most ${MAX_VALUE_DEPTH} levels deep`);
    },
    leave() {
      depth -= 1;
    },
  };
  visit(document, {
    ObjectValue: nesting,
    ListValue: nesting,
    StringValue(node) {
      if (!problem && isUnstorable(node.value)) problem = refuse('arguments', 'text may not contain NUL characters or unpaired surrogates');
    },
  });
  return problem;
}
