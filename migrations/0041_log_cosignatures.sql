CREATE TABLE "log_cosignatures" (
	"tenant_id" uuid NOT NULL,
	"checkpoint_id" uuid NOT NULL,
	"witness_name" text NOT NULL,
	"key_id" text NOT NULL,
	"cosigned_at" timestamp (3) with time zone NOT NULL,
	"line" text NOT NULL,
	"received_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "log_cosignatures_pkey" PRIMARY KEY("tenant_id","checkpoint_id","witness_name","key_id")
);
--> statement-breakpoint
ALTER TABLE "log_cosignatures" ADD CONSTRAINT "log_cosignatures_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "log_cosignatures" ADD CONSTRAINT "log_cosignatures_checkpoint_fk" FOREIGN KEY ("tenant_id","checkpoint_id") REFERENCES "public"."log_checkpoints"("tenant_id","id") ON DELETE cascade ON UPDATE no action;