/**
 * Shared subscription documents: one parsed document per distinct text, whoever sends it; text that
 * does not parse or validate is answered with its errors and never kept.
 */
import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { operationDocuments } from '../../server/http/operation-documents.js';

const schema = buildSchema('type Query { ok: Boolean } type Subscription { tick(every: Int): Int }');

describe('operationDocuments', () => {
  it('gives every sender of the same text the same document, and different texts their own', () => {
    const documents = operationDocuments(schema);
    const first = documents.prepare('subscription { tick }');
    const again = documents.prepare('subscription { tick }');
    const other = documents.prepare('subscription { tick(every: 5) }');
    expect('document' in first && 'document' in again && 'document' in other).toBe(true);
    if (!('document' in first) || !('document' in again) || !('document' in other)) return;
    expect(again.document).toBe(first.document);
    expect(other.document).not.toBe(first.document);
  });

  it('answers a syntax error and a validation error with their errors, every time', () => {
    const documents = operationDocuments(schema);
    for (let attempt = 0; attempt < 2; attempt++) {
      const broken = documents.prepare('subscription { tick');
      expect('errors' in broken && broken.errors.map((error) => error.message)).toEqual([expect.stringMatching(/^Syntax Error/)]);
      const invalid = documents.prepare('subscription { tock }');
      expect('errors' in invalid && invalid.errors.map((error) => error.message)).toEqual([expect.stringContaining('Cannot query field "tock"')]);
    }
  });
});
