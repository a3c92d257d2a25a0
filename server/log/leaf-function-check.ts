/**
 * The database functions that make leaves and render stored rows as leaves, compared with what
 * Vigil's code defines (server/log/leaf-sql.ts). The records check trusts them to render each row
 * as its leaf: someone with rights to replace a function could make one answer with the logged text
 * instead of the row's, and every row changed after that would pass. So verification names any such
 * function whose body, language, arguments, result, volatility or settings differ, that is missing,
 * or that is defined more than once (another schema or an overload could be chosen instead).
 *
 * Built-in functions and operators these call are resolved with pg_catalog first during
 * verification (server/log/verify-log.ts), so none can be shadowed by a schema earlier in the path.
 * A trigger dropped or disabled needs no check here: the rows it lets through carry no leaf, and the
 * records check names them.
 */
import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../db/database.js';
import type { FaultList } from './log-faults.js';
import { leafFunctionDefinitions } from './leaf-sql.js';

interface FunctionShape {
  readonly name: string;
  readonly arguments: string;
  readonly returns: string;
  readonly language: string;
  /** pg_proc.provolatile: i, s or v. */
  readonly volatility: string;
  /** pg_proc.proparallel: s, r or u. */
  readonly parallel: string;
  readonly body: string;
}

const DEFINITION = /^CREATE OR REPLACE FUNCTION (\w+)\(([^)]*)\) RETURNS (\w+) LANGUAGE (\w+)((?: [A-Z]+)*) AS \$\$([\s\S]*)\$\$;$/;

/** Argument lists as pg_get_function_identity_arguments prints them (no quotes around plain names). */
const unquoted = (text: string) => text.replace(/"/g, '');

function shapeOf(definition: string): FunctionShape {
  const match = DEFINITION.exec(definition);
  if (!match) throw new Error(`Cannot read the leaf function definition: ${definition.slice(0, 80)}`);
  const [, name, args, returns, language, attributes, body] = match;
  return {
    name: name!,
    arguments: unquoted(args!),
    returns: returns!,
    language: language!,
    volatility: attributes!.includes('IMMUTABLE') ? 'i' : attributes!.includes('STABLE') ? 's' : 'v',
    parallel: attributes!.includes('PARALLEL SAFE') ? 's' : 'u',
    body: body!,
  };
}

let expectedShapes: FunctionShape[] | undefined;
const expected = () => (expectedShapes ??= leafFunctionDefinitions().map(shapeOf));

interface StoredFunction extends FunctionShape {
  readonly is_security_definer: boolean;
  readonly config: string[] | null;
  readonly is_beside_log: boolean;
}

/** Adds a fault for every leaf function of the database that is not Vigil's. */
export async function checkLeafFunctions(db: Executor, faults: FaultList): Promise<void> {
  const shapes = expected();
  const names = `{${shapes.map((shape) => shape.name).join(',')}}`;
  const stored = await queryRows<StoredFunction>(
    db,
    sql`select p.proname as name, pg_get_function_identity_arguments(p.oid) as arguments, format_type(p.prorettype, null) as returns,
               l.lanname as language, p.provolatile as volatility, p.proparallel as parallel, p.prosrc as body,
               p.prosecdef as is_security_definer, p.proconfig as config,
               p.pronamespace = (select relnamespace from pg_class where oid = 'log_leaves'::regclass) as is_beside_log
        from pg_proc p join pg_language l on l.oid = p.prolang
        where p.proname = any(${names}::text[])`,
  );
  const byName = new Map<string, StoredFunction[]>();
  for (const row of stored) byName.set(row.name, [...(byName.get(row.name) ?? []), row]);
  for (const shape of shapes) {
    const found = byName.get(shape.name) ?? [];
    const differences = found.length === 1 ? differencesOf(shape, found[0]!) : [];
    const why =
      found.length === 0
        ? 'is missing'
        : found.length > 1
          ? `is defined ${found.length} times, so another definition may be the one called`
          : differences.length > 0
            ? `differs from Vigil's in its ${differences.join(', ')}`
            : undefined;
    if (!why) continue;
    faults.add(
      'log_function_modified',
      `The database function ${shape.name}, which makes or renders leaves, ${why}: records checked with it may have been changed unseen`,
      { recordKind: 'function', recordId: shape.name },
    );
  }
}

function differencesOf(shape: FunctionShape, stored: StoredFunction): string[] {
  const differences: string[] = [];
  if (stored.body !== shape.body) differences.push('body');
  if (stored.arguments !== shape.arguments) differences.push('arguments');
  if (stored.returns !== shape.returns) differences.push('result type');
  if (stored.language !== shape.language) differences.push('language');
  if (stored.volatility !== shape.volatility || stored.parallel !== shape.parallel) differences.push('volatility');
  // A SET clause (a search_path, say) would change what the body's names resolve to.
  if (stored.is_security_definer || (stored.config?.length ?? 0) > 0) differences.push('settings');
  if (!stored.is_beside_log) differences.push('schema');
  return differences;
}
