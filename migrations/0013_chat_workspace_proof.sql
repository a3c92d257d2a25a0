CREATE TABLE "chat_workspace_claims" (
	"tenant_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"external_id" text NOT NULL,
	"approver_channel" text,
	"code_hash" text NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"requested_by" text NOT NULL,
	"created_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "chat_workspace_claims_pkey" PRIMARY KEY("tenant_id","provider"),
	CONSTRAINT "chat_workspace_claims_code_unique" UNIQUE("code_hash"),
	CONSTRAINT "chat_workspace_claims_provider_check" CHECK ("chat_workspace_claims"."provider" in ('slack', 'teams'))
);
--> statement-breakpoint
ALTER TABLE "chat_workspaces" ADD COLUMN "verified_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "chat_workspaces" ADD COLUMN "verified_by" text;--> statement-breakpoint
ALTER TABLE "chat_workspace_claims" ADD CONSTRAINT "chat_workspace_claims_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;