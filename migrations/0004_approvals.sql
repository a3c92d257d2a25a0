CREATE TABLE "approval_decisions" (
	"tenant_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"approval_id" uuid NOT NULL,
	"approver_id" uuid NOT NULL,
	"decision" text NOT NULL,
	"justification" text,
	"channel" text NOT NULL,
	"chat_user_id" text,
	"decided_at" timestamp (3) with time zone NOT NULL,
	"created_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "approval_decisions_pkey" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "approval_decisions_one_per_approver" UNIQUE("tenant_id","approval_id","approver_id"),
	CONSTRAINT "approval_decisions_decision_check" CHECK ("approval_decisions"."decision" in ('approved', 'denied')),
	CONSTRAINT "approval_decisions_channel_check" CHECK ("approval_decisions"."channel" in ('web', 'api', 'slack', 'teams'))
);
--> statement-breakpoint
CREATE TABLE "approval_policies" (
	"tenant_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"request_kinds" text[] NOT NULL,
	"server_labels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"requester_groups" text[] DEFAULT '{}'::text[] NOT NULL,
	"approver_groups" text[] DEFAULT '{}'::text[] NOT NULL,
	"is_admin_approver" boolean DEFAULT true NOT NULL,
	"required_approvals" integer DEFAULT 1 NOT NULL,
	"decision_timeout_seconds" integer DEFAULT 3600 NOT NULL,
	"is_approval_justification_required" boolean DEFAULT false NOT NULL,
	"auto_approve_commands" text[] DEFAULT '{}'::text[] NOT NULL,
	"max_duration_seconds" integer,
	"priority" integer DEFAULT 0 NOT NULL,
	"is_enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp (6) with time zone,
	CONSTRAINT "approval_policies_pkey" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "approval_policies_required_approvals_check" CHECK ("approval_policies"."required_approvals" between 0 and 10),
	CONSTRAINT "approval_policies_timeout_check" CHECK ("approval_policies"."decision_timeout_seconds" > 0)
);
--> statement-breakpoint
CREATE TABLE "approvals" (
	"tenant_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"requester_id" uuid NOT NULL,
	"reason" text NOT NULL,
	"access_session_id" uuid NOT NULL,
	"server_id" uuid,
	"command" text,
	"is_pattern" boolean DEFAULT false NOT NULL,
	"duration_seconds" integer,
	"policy_id" uuid,
	"policy_name" text,
	"required_approvals" integer NOT NULL,
	"approver_groups" text[] NOT NULL,
	"is_admin_approver" boolean NOT NULL,
	"is_approval_justification_required" boolean NOT NULL,
	"is_auto_approved" boolean DEFAULT false NOT NULL,
	"sudo_authorization_id" uuid,
	"requested_at" timestamp (3) with time zone NOT NULL,
	"decide_by" timestamp (3) with time zone NOT NULL,
	"closed_at" timestamp (3) with time zone,
	"closed_by_id" uuid,
	"cancel_reason" text,
	"created_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "approvals_pkey" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "approvals_kind_check" CHECK ("approvals"."kind" in ('access', 'sudo')),
	CONSTRAINT "approvals_status_check" CHECK ("approvals"."status" in ('pending', 'approved', 'denied', 'cancelled', 'expired'))
);
--> statement-breakpoint
CREATE TABLE "sudo_checks" (
	"tenant_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"server_id" uuid NOT NULL,
	"user_id" uuid,
	"user_ref" text NOT NULL,
	"command" text NOT NULL,
	"is_allowed" boolean NOT NULL,
	"outcome" text NOT NULL,
	"sudo_authorization_id" uuid,
	"checked_at" timestamp (3) with time zone NOT NULL,
	"created_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sudo_checks_pkey" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "sudo_checks_outcome_check" CHECK ("sudo_checks"."outcome" in ('granted', 'expired', 'revoked', 'not_granted', 'unknown_user'))
);
--> statement-breakpoint
ALTER TABLE "approval_decisions" ADD CONSTRAINT "approval_decisions_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_decisions" ADD CONSTRAINT "approval_decisions_approval_fk" FOREIGN KEY ("tenant_id","approval_id") REFERENCES "public"."approvals"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_decisions" ADD CONSTRAINT "approval_decisions_approver_fk" FOREIGN KEY ("tenant_id","approver_id") REFERENCES "public"."users"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_policies" ADD CONSTRAINT "approval_policies_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_requester_fk" FOREIGN KEY ("tenant_id","requester_id") REFERENCES "public"."users"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_closed_by_fk" FOREIGN KEY ("tenant_id","closed_by_id") REFERENCES "public"."users"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_access_fk" FOREIGN KEY ("tenant_id","access_session_id") REFERENCES "public"."access_sessions"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_server_fk" FOREIGN KEY ("tenant_id","server_id") REFERENCES "public"."servers"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sudo_checks" ADD CONSTRAINT "sudo_checks_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sudo_checks" ADD CONSTRAINT "sudo_checks_server_fk" FOREIGN KEY ("tenant_id","server_id") REFERENCES "public"."servers"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sudo_checks" ADD CONSTRAINT "sudo_checks_user_fk" FOREIGN KEY ("tenant_id","user_id") REFERENCES "public"."users"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "approval_decisions_tenant_approver_time_idx" ON "approval_decisions" USING btree ("tenant_id","approver_id","decided_at");--> statement-breakpoint
CREATE UNIQUE INDEX "approval_policies_tenant_name_unique" ON "approval_policies" USING btree ("tenant_id",lower("name")) WHERE "approval_policies"."deleted_at" is null;--> statement-breakpoint
CREATE INDEX "approvals_tenant_time_idx" ON "approvals" USING btree ("tenant_id","requested_at","id");--> statement-breakpoint
CREATE INDEX "approvals_tenant_requester_time_idx" ON "approvals" USING btree ("tenant_id","requester_id","requested_at","id");--> statement-breakpoint
CREATE INDEX "approvals_tenant_pending_deadline_idx" ON "approvals" USING btree ("tenant_id","decide_by") WHERE "approvals"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "approvals_tenant_access_idx" ON "approvals" USING btree ("tenant_id","access_session_id");--> statement-breakpoint
CREATE INDEX "sudo_checks_tenant_time_idx" ON "sudo_checks" USING btree ("tenant_id","checked_at","id");--> statement-breakpoint
CREATE INDEX "sudo_checks_tenant_user_time_idx" ON "sudo_checks" USING btree ("tenant_id","user_id","checked_at","id");--> statement-breakpoint
CREATE INDEX "sudo_checks_tenant_server_time_idx" ON "sudo_checks" USING btree ("tenant_id","server_id","checked_at","id");