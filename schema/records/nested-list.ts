/**
 * Nested lists (a terminal session's commands, an access session's events) for a whole page of
 * parents in one statement. The first page of each parent comes from one batched query; a
 * cursor-driven page (after/before/last) belongs to one parent and runs on its own.
 */
import DataLoader from 'dataloader';
import { planPage, toPage, type Page, type PageArgs } from '../../server/pagination/keyset.js';
import type { NestedListSource } from '../../server/records/queries/nested-page.js';
import type { GraphQLContext } from '../context.js';

export function loadNestedPage<Row>(ctx: GraphQLContext, field: string, parentId: string, args: PageArgs, source: NestedListSource<Row>): Promise<Page<Row>> {
  if (args.after != null || args.before != null || args.last != null) return source.single(parentId, args);
  const plan = planPage(args, 2);
  const key = `${field}:${plan.size}`;
  let loader = ctx.loaders.nested.get(key) as DataLoader<string, Page<Row>> | undefined;
  if (!loader) {
    loader = new DataLoader<string, Page<Row>>(async (parentIds) => {
      const rows = await source.batch(parentIds, plan.size + 1);
      const byParent = new Map<string, Row[]>();
      for (const row of rows) {
        const parent = source.parentOf(row);
        if (parent) byParent.set(parent, [...(byParent.get(parent) ?? []), row]);
      }
      return parentIds.map((id) => toPage(byParent.get(id) ?? [], plan, source.keyValues));
    });
    ctx.loaders.nested.set(key, loader);
  }
  return loader.load(parentId);
}
