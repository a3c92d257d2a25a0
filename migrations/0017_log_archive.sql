-- The log archive (issue 23): one row per tenant and closed period, tracking its object in S3-compatible
-- storage (server/archive/). Delivery state only: the objects carry their own checkpoints and proofs.
CREATE TABLE "log_archive_objects" (
	"tenant_id" uuid NOT NULL,
	"period_start" timestamp (3) with time zone NOT NULL,
	"period_end" timestamp (3) with time zone NOT NULL,
	"from_size" bigint,
	"previous_checkpoint_id" uuid,
	"size" bigint,
	"checkpoint_id" uuid,
	"object_key" text,
	"bytes" bigint,
	"sha256" "bytea",
	"lease_until" timestamp (3) with time zone,
	"attempts" smallint DEFAULT 0 NOT NULL,
	"last_error" text,
	"created_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	"uploaded_at" timestamp (3) with time zone,
	CONSTRAINT "log_archive_objects_pkey" PRIMARY KEY("tenant_id","period_start")
);
--> statement-breakpoint
ALTER TABLE "log_archive_objects" ADD CONSTRAINT "log_archive_objects_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "log_archive_objects_pending_idx" ON "log_archive_objects" USING btree ("tenant_id","period_start") WHERE "log_archive_objects"."uploaded_at" is null;