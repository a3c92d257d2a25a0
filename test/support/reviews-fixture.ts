/**
 * The reminder tests' campaign (review-reminders-chat and -teams): one over PERMISSION grants, due
 * in a day, started by the tenant's admin; and what lands in a person's bell.
 */
import { expect } from 'vitest';
import type { TestVigil } from './test-vigil.js';

export const PERMISSIONS_REVIEW = 'Permissions review';

export async function startPermissionsReview(t: TestVigil, reviewerIds: readonly string[]): Promise<void> {
  const created = await t.gql(`mutation($input: CreateAccessReviewInput!) { createAccessReview(input: $input) { id } }`, t.admin.token, {
    input: {
      name: PERMISSIONS_REVIEW,
      grantKinds: ['PERMISSION'],
      reviewerIds,
      dueAt: new Date(t.clock.now().getTime() + 86_400_000).toISOString(),
    },
  });
  expect(created.errors).toBeUndefined();
}

/** The titles of the notifications in the bell of `token`'s user, newest first. */
export async function bellOf(t: TestVigil, token: string): Promise<{ title: string }[]> {
  return (await t.gql<any>('{ notifications(first: 10) { nodes { title } } }', token)).data!.notifications.nodes;
}
