CREATE TABLE "audit_chain_heads" (
	"tenant_id" uuid PRIMARY KEY NOT NULL,
	"seq" bigint DEFAULT 0 NOT NULL,
	"hash" text NOT NULL,
	"start_seq" bigint DEFAULT 1 NOT NULL,
	"start_hash" text NOT NULL,
	"updated_at" timestamp (6) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_checkpoints" (
	"tenant_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"seq" bigint NOT NULL,
	"head_hash" text NOT NULL,
	"signed_at" timestamp (3) with time zone NOT NULL,
	"key_id" text NOT NULL,
	"signature" text NOT NULL,
	CONSTRAINT "audit_checkpoints_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "audit_entries" (
	"tenant_id" uuid NOT NULL,
	"seq" bigint NOT NULL,
	"id" uuid NOT NULL,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	"actor_type" text NOT NULL,
	"actor_id" text NOT NULL,
	"actor_email" text,
	"action" text NOT NULL,
	"resource_type" text NOT NULL,
	"resource_id" text,
	"resource_name" text,
	"before" jsonb,
	"after" jsonb,
	"client_ip" text,
	"user_agent" text,
	"request_id" text,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "audit_entries_pkey" PRIMARY KEY("tenant_id","seq"),
	CONSTRAINT "audit_entries_id_unique" UNIQUE("tenant_id","id"),
	CONSTRAINT "audit_entries_actor_type_check" CHECK ("audit_entries"."actor_type" in ('user', 'system', 'agent', 'workflow'))
);
--> statement-breakpoint
CREATE TABLE "audit_signing_keys" (
	"key_id" text PRIMARY KEY NOT NULL,
	"public_key" text NOT NULL,
	"created_at" timestamp (6) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "retention_policies" (
	"tenant_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"days" bigint NOT NULL,
	"updated_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "retention_policies_pkey" PRIMARY KEY("tenant_id","kind")
);
--> statement-breakpoint
ALTER TABLE "audit_chain_heads" ADD CONSTRAINT "audit_chain_heads_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_checkpoints" ADD CONSTRAINT "audit_checkpoints_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_entries" ADD CONSTRAINT "audit_entries_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "retention_policies" ADD CONSTRAINT "retention_policies_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_checkpoints_tenant_seq_idx" ON "audit_checkpoints" USING btree ("tenant_id","seq","signed_at");--> statement-breakpoint
CREATE INDEX "audit_checkpoints_tenant_time_idx" ON "audit_checkpoints" USING btree ("tenant_id","signed_at");--> statement-breakpoint
CREATE INDEX "audit_entries_tenant_time_idx" ON "audit_entries" USING btree ("tenant_id","occurred_at","seq");--> statement-breakpoint
CREATE INDEX "audit_entries_tenant_action_idx" ON "audit_entries" USING btree ("tenant_id","action","seq");--> statement-breakpoint
CREATE INDEX "audit_entries_tenant_actor_idx" ON "audit_entries" USING btree ("tenant_id","actor_id","seq");--> statement-breakpoint
CREATE INDEX "audit_entries_tenant_resource_idx" ON "audit_entries" USING btree ("tenant_id","resource_type","resource_id","seq");--> statement-breakpoint
-- Tenants made before the audit chain existed start theirs at the genesis hash.
INSERT INTO "audit_chain_heads" ("tenant_id", "seq", "hash", "start_seq", "start_hash")
SELECT "id", 0, repeat('0', 64), 1, repeat('0', 64) FROM "tenants"
ON CONFLICT DO NOTHING;
