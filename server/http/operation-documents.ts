/**
 * Parsed and validated operations, shared by every WebSocket subscriber that sends the same text.
 * A subscription keeps its document for as long as it is open: 5,000 dashboards on one query hold
 * one document (with its tokens and locations) instead of 5,000, and a burst of reconnects parses
 * and validates it once (bench/RESULTS.md, fan-out memory per idle subscription).
 *
 * Only valid documents are kept: an invalid one is answered with its errors and forgotten, so
 * garbage sent in a loop does not push out what clients use.
 */
import { parse, validate, type DocumentNode, type GraphQLError, type GraphQLSchema } from 'graphql';
import { LRUCache } from 'lru-cache';

/** Characters of operation text kept; a client sends a handful of operations, an attacker could send many. */
const MAX_CACHED_CHARACTERS = 4_000_000;

export type PreparedOperation = { readonly document: DocumentNode } | { readonly errors: readonly GraphQLError[] };

export interface OperationDocuments {
  /** The document of `query`, parsed and validated against the schema, or why it is not one. */
  prepare(query: string): PreparedOperation;
}

export function operationDocuments(schema: GraphQLSchema): OperationDocuments {
  const documents = new LRUCache<string, DocumentNode>({
    maxSize: MAX_CACHED_CHARACTERS,
    sizeCalculation: (_document, query) => Math.max(1, query.length),
  });
  return {
    prepare(query) {
      const cached = documents.get(query);
      if (cached) return { document: cached };
      let document: DocumentNode;
      try {
        document = parse(query);
      } catch (error) {
        return { errors: [error as GraphQLError] };
      }
      const errors = validate(schema, document);
      if (errors.length > 0) return { errors };
      // A query longer than the whole budget is not kept (lru-cache refuses it), only answered.
      documents.set(query, document);
      return { document };
    },
  };
}
