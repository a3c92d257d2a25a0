// @ts-check
/**
 * ESLint (issue 27): ESLint's recommended rules and typescript-eslint's recommendedTypeChecked on
 * every TypeScript file in tsconfig.json (server, schema, bot, agent, bench, test and the root
 * configs), with type information from the TypeScript project service. A rule stays on when it
 * catches real bugs here (floating and misused promises, awaiting a non-promise, `any` leaking
 * out of a library or JSON.parse, `[object Object]` in a string); a rule that flagged only correct
 * idioms of this codebase when measured is turned off below, with the reason beside it.
 *
 * Formatting is Prettier's (.prettierrc.json), not ESLint's: no stylistic rules here.
 */
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores([
    'node_modules/',
    'dist/', // the agent bundle (npm run agent:build)
    'data/',
    'coverage/',
    'migrations/', // drizzle-kit's SQL and snapshots: landed migrations never change
    'bench/.data/',
    'test/.artifacts/',
    'test-artifacts/',
    'scratch/',
  ]),
  {
    // An eslint-disable comment that no longer disables anything is an error, so none linger.
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Issue 27: `any` stays at zero outside the tests (the tests turn it off below).
      '@typescript-eslint/no-explicit-any': 'error',
      // A leading underscore marks a parameter or binding kept on purpose: an Express error
      // handler's `_next`, a resolver's `@Arg` that GraphQL needs but the body does not, and
      // `{ secret: _secret, ...rest }`, which leaves a column out of a row.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // A `switch` over a union must name every member or have a `default`: a status or kind
      // added later is then handled wherever such a switch is, or the lint says where it is not.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false }],
      // `return promise` inside try/catch skips the catch when the promise rejects.
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      // `== null` (null or undefined) is allowed; any other `==` is a coercion nobody meant.
      eqeqeq: ['error', 'smart'],

      // Off: all 35 hits were async functions that an interface asks for (Apollo plugin hooks,
      // Bolt's authorize, handlers typed to return a promise), where `async` without an `await`
      // is the correct way to return one.
      '@typescript-eslint/require-await': 'off',
      // Off: all 41 hits pass a function that does not use `this`: static factories as callbacks
      // (`rows.map(Command.from)`, `toConnection(rows, Server.from)` in every resolver) and methods
      // of plain objects behind an interface (`output.say`). None was a bug.
      '@typescript-eslint/unbound-method': 'off',
      // Off: graphql-js and botbuilder declare string enums (OperationTypeNode, Kind,
      // ActivityTypes) that their own docs compare with string literals
      // (`operation.operation === 'subscription'`); all 5 hits were that.
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
      // Off: Vigil reads terminal recordings and signed notes, whose regular expressions match
      // escape and control characters on purpose (searchable-text.ts, the note parsers, the
      // tests' ANSI strippers); all 7 hits and 3 older disable comments were that.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests read GraphQL and HTTP responses as untyped JSON and assert on them field by field
      // (`body.data.commands.nodes[0].id`); typing every response would add nothing an `expect`
      // does not already check. These rules made 2,400 of the tests' 2,650 hits.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // The GraphQL explorer's page script, bundled by esbuild for the browser (not in tsconfig).
    files: ['server/explorer/browser/**/*.js'],
    languageOptions: { globals: { document: 'readonly', window: 'readonly', URL: 'readonly' } },
  },
);
