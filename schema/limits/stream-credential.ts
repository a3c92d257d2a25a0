/**
 * What a stream token may run, decided here for both transports once an operation is valid and
 * before anything runs: over HTTP in the operation-limits plugin, over WebSocket in onSubscribe.
 * The rule itself (which root fields) is server/auth/scope.ts's; this file only finds the root
 * fields an operation selects, through fragments and inline fragments on the root type too, and
 * whatever their @skip/@include (a field that might run is refused as one that will).
 */
import { Kind, type DocumentNode, type FragmentDefinitionNode, type GraphQLError, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type { Actor } from '../../server/auth/actor.js';
import { isStreamCredential, streamCredentialRefusal } from '../../server/auth/scope.js';
import { requestErrorOf } from '../format-error.js';
import { fragmentsOf } from './operation-limits.js';

/** The refusal of `operation` to `actor`; undefined when it may run (always, for anyone but a stream token). */
export function streamCredentialError(document: DocumentNode, operation: OperationDefinitionNode, actor: Actor | null): GraphQLError | undefined {
  if (!isStreamCredential(actor)) return undefined;
  const fields = rootFieldsOf(operation.selectionSet, fragmentsOf(document.definitions));
  const refusal = streamCredentialRefusal(actor, operation.operation, fields);
  return refusal && requestErrorOf(refusal);
}

function rootFieldsOf(selectionSet: SelectionSetNode, fragments: Record<string, FragmentDefinitionNode>, seen = new Set<string>()): Set<string> {
  const names = new Set<string>();
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      names.add(selection.name.value);
      continue;
    }
    let nested: SelectionSetNode | undefined;
    if (selection.kind === Kind.INLINE_FRAGMENT) nested = selection.selectionSet;
    else if (!seen.has(selection.name.value)) {
      // Validation refuses fragment cycles already; `seen` only keeps this walk finite regardless.
      seen.add(selection.name.value);
      nested = fragments[selection.name.value]?.selectionSet;
    }
    for (const name of nested ? rootFieldsOf(nested, fragments, seen) : []) names.add(name);
  }
  return names;
}
