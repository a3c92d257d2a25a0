CREATE TABLE "accounts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "accounts_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "account_id" uuid;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "managing_account_id" uuid;--> statement-breakpoint
ALTER TABLE "tenants" ADD CONSTRAINT "tenants_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_managing_account_id_accounts_id_fk" FOREIGN KEY ("managing_account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_leaf_users(n "users") RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"kind":"user","row":{'
    || '"created_at":' || coalesce('"' || to_char(n.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"disabled_at":' || coalesce('"' || to_char(n.disabled_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"email":' || coalesce(to_json(n.email::text)::text, 'null')
    || ',"groups":' || coalesce(array_to_json(n.groups)::text, 'null')
    || ',"id":' || coalesce(to_json(n.id::text)::text, 'null')
    || CASE WHEN n.managing_account_id IS NULL THEN '' ELSE ',"managing_account_id":' || coalesce(to_json(n.managing_account_id::text)::text, 'null') END
    || ',"name":' || coalesce(to_json(n.name::text)::text, 'null')
    || ',"permissions":' || coalesce(array_to_json(n.permissions)::text, 'null')
    || ',"role":' || coalesce(to_json(n.role::text)::text, 'null')
    || ',"tenant_id":' || coalesce(to_json(n.tenant_id::text)::text, 'null')
    || ',"updated_at":' || coalesce('"' || to_char(n.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || '},"v":1}'
$$;
