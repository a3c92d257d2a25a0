/**
 * The import graph's rules (issue 27), checked by `npm run lint:deps` in `npm test`: http and bots
 * → schema → services → db → config. Each rule names the layer it keeps out of another's way.
 */
/** The composition roots, which wire every layer together. */
const ROOTS = '^server/(http/|cli/|vigil\\.ts$|main\\.ts$)';

module.exports = {
  forbidden: [
    {
      name: 'bots-know-no-tables',
      comment: 'Bots read and write through GraphQL or server/chat/bot-services.ts; not even a row type of server/db reaches them.',
      severity: 'error',
      from: { path: '^bot/' },
      to: { path: '^server/db/' },
    },
    {
      name: 'bots-through-the-api',
      comment: 'Of the server, bots call only the one bot-facing service module (which states what it may touch); other server modules only as types.',
      severity: 'error',
      from: { path: '^bot/' },
      to: { path: '^server/', pathNot: '^server/chat/bot-services\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'schema-knows-no-tables',
      comment: 'GraphQL types wrap domain records (server/*/…-types.ts), and resolvers call services: a table change stops at the service boundary.',
      severity: 'error',
      from: { path: '^schema/' },
      to: { path: '^server/db/' },
    },
    {
      name: 'services-below-the-api',
      comment: 'Domain services are called by resolvers, workers and bots; they never call back up.',
      severity: 'error',
      from: { path: '^server/', pathNot: ROOTS },
      to: { path: '^(schema|bot)/' },
    },
    {
      name: 'db-below-the-services',
      comment: 'The database layer knows tables, queries and config, not the domain services above it.',
      severity: 'error',
      from: { path: '^server/db/' },
      to: { path: '^server/', pathNot: '^server/(db/|config\\.ts$|errors\\.ts$|clock\\.ts$|ids\\.ts$)' },
    },
    {
      name: 'agent-stands-alone',
      comment: 'The reference agent runs on servers as one file: it imports nothing of Vigil itself.',
      severity: 'error',
      from: { path: '^agent/' },
      to: { path: '^(server|schema|bot)/' },
    },
    {
      name: 'no-circular',
      comment: 'Import cycles make load order matter (see STACK.md on type-graphql).',
      severity: 'error',
      from: { path: '^(server|schema|bot|agent)/' },
      to: { circular: true, dependencyTypesNot: ['type-only'], viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
