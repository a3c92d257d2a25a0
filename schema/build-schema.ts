import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema, type NonEmptyArray } from 'type-graphql';
import { ApiTokenResolver } from './identity/api-token.resolver.js';
import { MeResolver } from './identity/me.resolver.js';
import { ServerResolver } from './identity/server.resolver.js';
import { UserResolver } from './identity/user.resolver.js';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
const RESOLVERS: NonEmptyArray<Function> = [MeResolver, UserResolver, ServerResolver, ApiTokenResolver];

let built: Promise<GraphQLSchema> | undefined;

/** Vigil's executable schema; built once per process (type-graphql metadata is global anyway). */
export function buildVigilSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({ resolvers: RESOLVERS, validate: false });
  return built;
}
