/**
 * Who may introspect the schema (`__schema`, `__type`; `__typename` is always allowed), decided here
 * for both transports once an operation is valid and before anything runs: over HTTP in the
 * operation-limits plugin, over WebSocket in onSubscribe. VIGIL_GRAPHQL_INTROSPECTION:
 *
 * - `authenticated` (the default): any caller with a valid token or JWT, user or agent. An
 *   anonymous caller is refused with UNAUTHENTICATED, as every field but `__typename` answers it:
 *   the schema is no secret (schema.graphql is published), but an anonymous stranger has no use
 *   for a map of an audit system's API, and tooling can send the token it uses anyway.
 * - `open`: anyone, anonymous callers too.
 * - `off`: no one (FORBIDDEN).
 *
 * A WebSocket is authenticated at connection_init, so there only `off` refuses.
 */
import { NoSchemaIntrospectionCustomRule, validate, type DocumentNode, type GraphQLError, type GraphQLSchema } from 'graphql';
import type { Actor } from '../../server/auth/actor.js';
import type { IntrospectionPolicy } from '../../server/config.js';
import { Forbidden, Unauthenticated } from '../../server/errors.js';
import { requestErrorOf } from '../format-error.js';

/** The refusal of `document` to `actor` under `policy`; undefined when it may run. */
export function introspectionError(schema: GraphQLSchema, document: DocumentNode, policy: IntrospectionPolicy, actor: Actor | null): GraphQLError | undefined {
  if (policy === 'open' || (policy === 'authenticated' && actor)) return undefined;
  const isIntrospection = validate(schema, document, [NoSchemaIntrospectionCustomRule]).length > 0;
  if (!isIntrospection) return undefined;
  return requestErrorOf(
    policy === 'off'
      ? new Forbidden('Introspection is turned off here (VIGIL_GRAPHQL_INTROSPECTION=off); the schema is published as schema.graphql')
      : new Unauthenticated('Introspection needs authentication: send a bearer token in the Authorization header'),
  );
}
