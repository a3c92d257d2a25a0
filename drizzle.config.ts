import { defineConfig } from 'drizzle-kit';

// Migrations are generated from the drizzle schema (`npm run db:generate`) and applied at start.
export default defineConfig({
  dialect: 'postgresql',
  schema: './server/db/tables/index.ts',
  out: './migrations',
  strict: true,
});
