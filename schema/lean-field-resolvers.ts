/**
 * type-graphql runs every field resolver through one general handler: on each call it sorts the
 * method's parameter list, builds every parameter, converts the parent to its class and checks
 * for middlewares and promises. A page of 100 commands calls two such resolvers per row
 * (bench/RESULTS.md, finding 2). Field resolvers of resolver classes that take only the parent,
 * the context and the info (no arguments to convert or validate, no middlewares, no roles; Vigil
 * uses neither) are rewired here to call their method directly, with their parameters in order.
 * Anything else keeps type-graphql's handler.
 */
import type { GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema } from 'graphql';
import { getMetadataStorage } from 'type-graphql';

type Source = 'root' | 'context' | 'info';
type FieldMethod = (...parameters: unknown[]) => unknown;

const pick: Record<Source, (root: unknown, context: unknown, info: GraphQLResolveInfo) => unknown> = {
  root: (root) => root,
  context: (_root, context) => context,
  info: (_root, _context, info) => info,
};

/** Returns how many field resolvers were rewired (the rest keep type-graphql's handler). */
export function leanFieldResolvers(schema: GraphQLSchema): number {
  const storage = getMetadataStorage();
  const instances = new Map<object, Record<string, FieldMethod>>();
  let rewired = 0;
  for (const resolver of storage.fieldResolvers) {
    if (resolver.kind !== 'external' || resolver.middlewares?.length || resolver.roles?.length) continue;
    const parameters = [...(resolver.params ?? [])].sort((a, b) => a.index - b.index);
    const sources: Source[] = [];
    for (const parameter of parameters) {
      const isPlain = parameter.kind === 'info' || ((parameter.kind === 'root' || parameter.kind === 'context') && parameter.propertyName === undefined);
      if (!isPlain) break;
      sources.push(parameter.kind);
    }
    // Any argument, custom decorator or property-picking parameter: type-graphql's handler.
    if (sources.length !== parameters.length) continue;
    const objectClass = resolver.getObjectType?.();
    const typeName = storage.objectTypes.find((type) => type.target === objectClass)?.name;
    const type = typeName ? (schema.getType(typeName) as GraphQLObjectType | undefined) : undefined;
    const field = type?.getFields()[resolver.schemaName];
    if (!field?.resolve) continue;
    let instance = instances.get(resolver.target);
    if (!instance) instances.set(resolver.target, (instance = new (resolver.target as new () => Record<string, FieldMethod>)()));
    const target = instance;
    const method = target[resolver.methodName]!;
    const [first, second, third] = sources.map((source) => pick[source]);
    field.resolve =
      sources.length === 2
        ? (root, _args, context, info) => method.call(target, first!(root, context, info), second!(root, context, info))
        : sources.length === 1
          ? (root, _args, context, info) => method.call(target, first!(root, context, info))
          : sources.length === 3
            ? (root, _args, context, info) => method.call(target, first!(root, context, info), second!(root, context, info), third!(root, context, info))
            : () => method.call(target);
    rewired++;
  }
  return rewired;
}
