CREATE TABLE "chat_identities" (
	"tenant_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"external_user_id" text NOT NULL,
	"user_id" uuid NOT NULL,
	"linked_via" text NOT NULL,
	"conversation" jsonb,
	"created_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "chat_identities_pkey" PRIMARY KEY("tenant_id","provider","external_user_id"),
	CONSTRAINT "chat_identities_provider_check" CHECK ("chat_identities"."provider" in ('slack', 'teams')),
	CONSTRAINT "chat_identities_linked_via_check" CHECK ("chat_identities"."linked_via" in ('email', 'code'))
);
--> statement-breakpoint
CREATE TABLE "chat_link_codes" (
	"tenant_id" uuid NOT NULL,
	"code_hash" text NOT NULL,
	"user_id" uuid NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"used_at" timestamp (3) with time zone,
	"created_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "chat_link_codes_pkey" PRIMARY KEY("tenant_id","code_hash")
);
--> statement-breakpoint
CREATE TABLE "chat_messages" (
	"tenant_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" uuid NOT NULL,
	"conversation" text NOT NULL,
	"message_id" text NOT NULL,
	"reference" jsonb,
	"created_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "chat_messages_pkey" PRIMARY KEY("tenant_id","provider","conversation","message_id"),
	CONSTRAINT "chat_messages_provider_check" CHECK ("chat_messages"."provider" in ('slack', 'teams')),
	CONSTRAINT "chat_messages_subject_check" CHECK ("chat_messages"."subject_type" in ('approval', 'alert'))
);
--> statement-breakpoint
CREATE TABLE "chat_notices" (
	"tenant_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"key" text NOT NULL,
	"created_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "chat_notices_pkey" PRIMARY KEY("tenant_id","provider","key")
);
--> statement-breakpoint
CREATE TABLE "chat_workspaces" (
	"tenant_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"external_id" text NOT NULL,
	"approver_channel" text,
	"approver_reference" jsonb,
	"created_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "chat_workspaces_pkey" PRIMARY KEY("tenant_id","provider"),
	CONSTRAINT "chat_workspaces_external_unique" UNIQUE("provider","external_id"),
	CONSTRAINT "chat_workspaces_provider_check" CHECK ("chat_workspaces"."provider" in ('slack', 'teams'))
);
--> statement-breakpoint
CREATE TABLE "user_totp" (
	"tenant_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"sealed_secret" text NOT NULL,
	"confirmed_at" timestamp (3) with time zone,
	"last_used_step" bigint,
	"created_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "user_totp_pkey" PRIMARY KEY("tenant_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "notification_channels" DROP CONSTRAINT "notification_channels_type_check";--> statement-breakpoint
ALTER TABLE "approval_policies" ADD COLUMN "chat_approval" text DEFAULT 'allowed' NOT NULL;--> statement-breakpoint
ALTER TABLE "approval_policies" ADD COLUMN "chat_max_duration_seconds" integer;--> statement-breakpoint
ALTER TABLE "approvals" ADD COLUMN "chat_approval" text DEFAULT 'allowed' NOT NULL;--> statement-breakpoint
ALTER TABLE "approvals" ADD COLUMN "chat_max_duration_seconds" integer;--> statement-breakpoint
ALTER TABLE "chat_identities" ADD CONSTRAINT "chat_identities_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chat_identities" ADD CONSTRAINT "chat_identities_user_fk" FOREIGN KEY ("tenant_id","user_id") REFERENCES "public"."users"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chat_link_codes" ADD CONSTRAINT "chat_link_codes_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chat_link_codes" ADD CONSTRAINT "chat_link_codes_user_fk" FOREIGN KEY ("tenant_id","user_id") REFERENCES "public"."users"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chat_messages" ADD CONSTRAINT "chat_messages_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chat_notices" ADD CONSTRAINT "chat_notices_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chat_workspaces" ADD CONSTRAINT "chat_workspaces_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_totp" ADD CONSTRAINT "user_totp_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_totp" ADD CONSTRAINT "user_totp_user_fk" FOREIGN KEY ("tenant_id","user_id") REFERENCES "public"."users"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "chat_identities_tenant_user_idx" ON "chat_identities" USING btree ("tenant_id","user_id","provider");--> statement-breakpoint
CREATE INDEX "chat_messages_tenant_subject_idx" ON "chat_messages" USING btree ("tenant_id","subject_type","subject_id");--> statement-breakpoint
ALTER TABLE "approval_policies" ADD CONSTRAINT "approval_policies_chat_approval_check" CHECK ("approval_policies"."chat_approval" in ('disabled', 'allowed', 'step_up'));--> statement-breakpoint
ALTER TABLE "notification_channels" ADD CONSTRAINT "notification_channels_type_check" CHECK ("notification_channels"."type" in ('smtp', 'webhook', 'slack', 'teams', 'slack_bot', 'teams_bot'));