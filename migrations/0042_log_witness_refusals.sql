CREATE TABLE "log_witness_refusals" (
	"tenant_id" uuid NOT NULL,
	"checkpoint_id" uuid NOT NULL,
	"witness_name" text NOT NULL,
	"key_id" text NOT NULL,
	"status" smallint NOT NULL,
	"reason" text NOT NULL,
	"refused_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "log_witness_refusals_pkey" PRIMARY KEY("tenant_id","checkpoint_id","witness_name","key_id")
);
--> statement-breakpoint
ALTER TABLE "log_witness_refusals" ADD CONSTRAINT "log_witness_refusals_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "log_witness_refusals" ADD CONSTRAINT "log_witness_refusals_checkpoint_fk" FOREIGN KEY ("tenant_id","checkpoint_id") REFERENCES "public"."log_checkpoints"("tenant_id","id") ON DELETE cascade ON UPDATE no action;