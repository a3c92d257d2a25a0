CREATE TABLE "person_deliveries" (
	"tenant_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"medium" text NOT NULL,
	"address" text NOT NULL,
	"message" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp (3) with time zone NOT NULL,
	"last_attempt_at" timestamp (3) with time zone,
	"last_error" text,
	"delivered_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "person_deliveries_pkey" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "person_deliveries_medium_check" CHECK ("person_deliveries"."medium" in ('email', 'slack', 'teams')),
	CONSTRAINT "person_deliveries_status_check" CHECK ("person_deliveries"."status" in ('pending', 'delivering', 'succeeded', 'retrying', 'failed'))
);
--> statement-breakpoint
ALTER TABLE "person_deliveries" ADD CONSTRAINT "person_deliveries_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "person_deliveries" ADD CONSTRAINT "person_deliveries_user_fk" FOREIGN KEY ("tenant_id","user_id") REFERENCES "public"."users"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "person_deliveries_tenant_due_idx" ON "person_deliveries" USING btree ("tenant_id","next_attempt_at") WHERE "person_deliveries"."status" in ('pending', 'retrying', 'delivering');--> statement-breakpoint
CREATE INDEX "person_deliveries_tenant_settled_idx" ON "person_deliveries" USING btree ("tenant_id","created_at") WHERE "person_deliveries"."status" in ('succeeded', 'failed');