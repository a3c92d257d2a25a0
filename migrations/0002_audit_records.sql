CREATE TABLE "access_sessions" (
	"tenant_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"requester_id" uuid NOT NULL,
	"approver_id" uuid,
	"approval_id" uuid,
	"server_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"server_labels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"is_sudo_allowed" boolean DEFAULT false NOT NULL,
	"reason" text NOT NULL,
	"status" text NOT NULL,
	"requested_at" timestamp (3) with time zone NOT NULL,
	"starts_at" timestamp (3) with time zone,
	"expires_at" timestamp (3) with time zone,
	"ended_at" timestamp (3) with time zone,
	"ended_by_id" uuid,
	"end_reason" text,
	"created_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "access_sessions_pkey" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "access_sessions_status_check" CHECK ("access_sessions"."status" in ('pending', 'approved', 'denied', 'cancelled', 'expired', 'active', 'ended', 'revoked'))
);
--> statement-breakpoint
CREATE TABLE "terminal_sessions" (
	"tenant_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"event_id" text NOT NULL,
	"server_id" uuid NOT NULL,
	"user_id" uuid,
	"username" text NOT NULL,
	"groupname" text,
	"browser" text,
	"remote_ip" "inet",
	"source" text NOT NULL,
	"access_session_id" uuid,
	"approval_id" uuid,
	"started_at" timestamp (3) with time zone NOT NULL,
	"ended_at" timestamp (3) with time zone,
	"created_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "terminal_sessions_pkey" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "terminal_sessions_event_unique" UNIQUE("tenant_id","server_id","event_id"),
	CONSTRAINT "terminal_sessions_source_check" CHECK ("terminal_sessions"."source" in ('web_terminal', 'shell_cli', 'vscode', 'api'))
);
--> statement-breakpoint
CREATE TABLE "command_status_changes" (
	"tenant_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"event_id" text NOT NULL,
	"server_id" uuid NOT NULL,
	"command_id" uuid NOT NULL,
	"from_status" text NOT NULL,
	"to_status" text NOT NULL,
	"reported_at" timestamp (3) with time zone NOT NULL,
	"created_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "command_status_changes_pkey" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "command_status_changes_event_unique" UNIQUE("tenant_id","server_id","event_id")
);
--> statement-breakpoint
CREATE TABLE "commands" (
	"tenant_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"event_id" text NOT NULL,
	"server_id" uuid NOT NULL,
	"terminal_session_id" uuid,
	"access_session_id" uuid,
	"approval_id" uuid,
	"shell" text NOT NULL,
	"source" text,
	"line" text NOT NULL,
	"result" text,
	"operator_user_id" uuid,
	"operator_token_id" uuid,
	"status" text NOT NULL,
	"exit_code" integer,
	"verification" text DEFAULT 'pending' NOT NULL,
	"verification_message" text,
	"submitted_at" timestamp (3) with time zone NOT NULL,
	"started_at" timestamp (3) with time zone,
	"finished_at" timestamp (3) with time zone,
	"last_update_at" timestamp (3) with time zone NOT NULL,
	"created_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "commands_pkey" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "commands_event_unique" UNIQUE("tenant_id","server_id","event_id"),
	CONSTRAINT "commands_status_check" CHECK ("commands"."status" in ('scheduled', 'running', 'success', 'failed', 'unresponsive')),
	CONSTRAINT "commands_shell_check" CHECK ("commands"."shell" in ('system', 'internal')),
	CONSTRAINT "commands_verification_check" CHECK ("commands"."verification" in ('pending', 'verified', 'failed', 'skipped'))
);
--> statement-breakpoint
CREATE TABLE "file_transfers" (
	"tenant_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"event_id" text NOT NULL,
	"server_id" uuid NOT NULL,
	"user_id" uuid,
	"username" text NOT NULL,
	"groupname" text,
	"direction" text NOT NULL,
	"object_name" text NOT NULL,
	"path" text NOT NULL,
	"size_bytes" bigint,
	"remote_ip" "inet",
	"status" text NOT NULL,
	"error" text,
	"access_session_id" uuid,
	"approval_id" uuid,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	"created_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "file_transfers_pkey" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "file_transfers_event_unique" UNIQUE("tenant_id","server_id","event_id"),
	CONSTRAINT "file_transfers_direction_check" CHECK ("file_transfers"."direction" in ('upload', 'download')),
	CONSTRAINT "file_transfers_status_check" CHECK ("file_transfers"."status" in ('success', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "system_logs" (
	"tenant_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"event_id" text NOT NULL,
	"server_id" uuid NOT NULL,
	"program" text NOT NULL,
	"level" text NOT NULL,
	"pid" integer,
	"message" text NOT NULL,
	"logged_at" timestamp (3) with time zone NOT NULL,
	"created_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "system_logs_pkey" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "system_logs_event_unique" UNIQUE("tenant_id","server_id","event_id"),
	CONSTRAINT "system_logs_level_check" CHECK ("system_logs"."level" in ('debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'))
);
--> statement-breakpoint
CREATE TABLE "sudo_authorizations" (
	"tenant_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"event_id" text,
	"server_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"command" text NOT NULL,
	"is_pattern" boolean DEFAULT false NOT NULL,
	"granted_via" text NOT NULL,
	"policy_id" uuid,
	"approval_id" uuid,
	"granted_by_id" uuid,
	"access_session_id" uuid,
	"granted_at" timestamp (3) with time zone NOT NULL,
	"expires_at" timestamp (3) with time zone,
	"revoked_at" timestamp (3) with time zone,
	"revoked_by_id" uuid,
	"created_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sudo_authorizations_pkey" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "sudo_authorizations_event_unique" UNIQUE("tenant_id","server_id","event_id"),
	CONSTRAINT "sudo_authorizations_granted_via_check" CHECK ("sudo_authorizations"."granted_via" in ('policy', 'approval', 'admin'))
);
--> statement-breakpoint
CREATE TABLE "activity_log" (
	"tenant_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"user_id" uuid,
	"user_email" text,
	"action" text NOT NULL,
	"result" integer NOT NULL,
	"ip_address" "inet",
	"user_agent" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"request_id" text,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	"created_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "activity_log_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "servers" ADD COLUMN "deleted_at" timestamp (6) with time zone;--> statement-breakpoint
ALTER TABLE "access_sessions" ADD CONSTRAINT "access_sessions_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_sessions" ADD CONSTRAINT "access_sessions_requester_fk" FOREIGN KEY ("tenant_id","requester_id") REFERENCES "public"."users"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_sessions" ADD CONSTRAINT "access_sessions_approver_fk" FOREIGN KEY ("tenant_id","approver_id") REFERENCES "public"."users"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "terminal_sessions" ADD CONSTRAINT "terminal_sessions_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "terminal_sessions" ADD CONSTRAINT "terminal_sessions_server_fk" FOREIGN KEY ("tenant_id","server_id") REFERENCES "public"."servers"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "terminal_sessions" ADD CONSTRAINT "terminal_sessions_user_fk" FOREIGN KEY ("tenant_id","user_id") REFERENCES "public"."users"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "terminal_sessions" ADD CONSTRAINT "terminal_sessions_access_fk" FOREIGN KEY ("tenant_id","access_session_id") REFERENCES "public"."access_sessions"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "command_status_changes" ADD CONSTRAINT "command_status_changes_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "command_status_changes" ADD CONSTRAINT "command_status_changes_command_fk" FOREIGN KEY ("tenant_id","command_id") REFERENCES "public"."commands"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "commands" ADD CONSTRAINT "commands_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "commands" ADD CONSTRAINT "commands_server_fk" FOREIGN KEY ("tenant_id","server_id") REFERENCES "public"."servers"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "commands" ADD CONSTRAINT "commands_terminal_fk" FOREIGN KEY ("tenant_id","terminal_session_id") REFERENCES "public"."terminal_sessions"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "commands" ADD CONSTRAINT "commands_access_fk" FOREIGN KEY ("tenant_id","access_session_id") REFERENCES "public"."access_sessions"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "commands" ADD CONSTRAINT "commands_operator_fk" FOREIGN KEY ("tenant_id","operator_user_id") REFERENCES "public"."users"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "commands" ADD CONSTRAINT "commands_token_fk" FOREIGN KEY ("tenant_id","operator_token_id") REFERENCES "public"."api_tokens"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "file_transfers" ADD CONSTRAINT "file_transfers_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "file_transfers" ADD CONSTRAINT "file_transfers_server_fk" FOREIGN KEY ("tenant_id","server_id") REFERENCES "public"."servers"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "file_transfers" ADD CONSTRAINT "file_transfers_user_fk" FOREIGN KEY ("tenant_id","user_id") REFERENCES "public"."users"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "file_transfers" ADD CONSTRAINT "file_transfers_access_fk" FOREIGN KEY ("tenant_id","access_session_id") REFERENCES "public"."access_sessions"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "system_logs" ADD CONSTRAINT "system_logs_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "system_logs" ADD CONSTRAINT "system_logs_server_fk" FOREIGN KEY ("tenant_id","server_id") REFERENCES "public"."servers"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sudo_authorizations" ADD CONSTRAINT "sudo_authorizations_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sudo_authorizations" ADD CONSTRAINT "sudo_authorizations_server_fk" FOREIGN KEY ("tenant_id","server_id") REFERENCES "public"."servers"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sudo_authorizations" ADD CONSTRAINT "sudo_authorizations_user_fk" FOREIGN KEY ("tenant_id","user_id") REFERENCES "public"."users"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sudo_authorizations" ADD CONSTRAINT "sudo_authorizations_granted_by_fk" FOREIGN KEY ("tenant_id","granted_by_id") REFERENCES "public"."users"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sudo_authorizations" ADD CONSTRAINT "sudo_authorizations_access_fk" FOREIGN KEY ("tenant_id","access_session_id") REFERENCES "public"."access_sessions"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "activity_log" ADD CONSTRAINT "activity_log_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "access_sessions_tenant_time_idx" ON "access_sessions" USING btree ("tenant_id","requested_at","id");--> statement-breakpoint
CREATE INDEX "access_sessions_tenant_requester_time_idx" ON "access_sessions" USING btree ("tenant_id","requester_id","requested_at","id");--> statement-breakpoint
CREATE INDEX "access_sessions_tenant_status_time_idx" ON "access_sessions" USING btree ("tenant_id","status","requested_at","id");--> statement-breakpoint
CREATE INDEX "terminal_sessions_tenant_time_idx" ON "terminal_sessions" USING btree ("tenant_id","started_at","id");--> statement-breakpoint
CREATE INDEX "terminal_sessions_tenant_user_time_idx" ON "terminal_sessions" USING btree ("tenant_id","user_id","started_at","id");--> statement-breakpoint
CREATE INDEX "terminal_sessions_tenant_server_time_idx" ON "terminal_sessions" USING btree ("tenant_id","server_id","started_at","id");--> statement-breakpoint
CREATE INDEX "terminal_sessions_tenant_access_time_idx" ON "terminal_sessions" USING btree ("tenant_id","access_session_id","started_at","id");--> statement-breakpoint
CREATE INDEX "command_status_changes_command_idx" ON "command_status_changes" USING btree ("tenant_id","command_id","reported_at");--> statement-breakpoint
CREATE INDEX "commands_tenant_time_idx" ON "commands" USING btree ("tenant_id","submitted_at","id");--> statement-breakpoint
CREATE INDEX "commands_tenant_operator_time_idx" ON "commands" USING btree ("tenant_id","operator_user_id","submitted_at","id");--> statement-breakpoint
CREATE INDEX "commands_tenant_server_time_idx" ON "commands" USING btree ("tenant_id","server_id","submitted_at","id");--> statement-breakpoint
CREATE INDEX "commands_tenant_terminal_time_idx" ON "commands" USING btree ("tenant_id","terminal_session_id","submitted_at","id");--> statement-breakpoint
CREATE INDEX "commands_tenant_access_time_idx" ON "commands" USING btree ("tenant_id","access_session_id","submitted_at","id");--> statement-breakpoint
CREATE INDEX "commands_tenant_status_time_idx" ON "commands" USING btree ("tenant_id","status","submitted_at","id");--> statement-breakpoint
CREATE INDEX "commands_running_idx" ON "commands" USING btree ("tenant_id","last_update_at") WHERE "commands"."status" = 'running';--> statement-breakpoint
CREATE INDEX "commands_line_trgm_idx" ON "commands" USING gin ("tenant_id","line" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "file_transfers_tenant_time_idx" ON "file_transfers" USING btree ("tenant_id","occurred_at","id");--> statement-breakpoint
CREATE INDEX "file_transfers_tenant_user_time_idx" ON "file_transfers" USING btree ("tenant_id","user_id","occurred_at","id");--> statement-breakpoint
CREATE INDEX "file_transfers_tenant_server_time_idx" ON "file_transfers" USING btree ("tenant_id","server_id","occurred_at","id");--> statement-breakpoint
CREATE INDEX "file_transfers_tenant_access_time_idx" ON "file_transfers" USING btree ("tenant_id","access_session_id","occurred_at","id");--> statement-breakpoint
CREATE INDEX "file_transfers_object_trgm_idx" ON "file_transfers" USING gin ("tenant_id","path" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "system_logs_tenant_time_idx" ON "system_logs" USING btree ("tenant_id","logged_at","id");--> statement-breakpoint
CREATE INDEX "system_logs_tenant_server_time_idx" ON "system_logs" USING btree ("tenant_id","server_id","logged_at","id");--> statement-breakpoint
CREATE INDEX "system_logs_tenant_level_time_idx" ON "system_logs" USING btree ("tenant_id","level","logged_at","id");--> statement-breakpoint
CREATE INDEX "system_logs_tenant_program_time_idx" ON "system_logs" USING btree ("tenant_id","program","logged_at","id");--> statement-breakpoint
CREATE INDEX "system_logs_message_trgm_idx" ON "system_logs" USING gin ("tenant_id","message" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "sudo_authorizations_tenant_time_idx" ON "sudo_authorizations" USING btree ("tenant_id","granted_at","id");--> statement-breakpoint
CREATE INDEX "sudo_authorizations_tenant_user_time_idx" ON "sudo_authorizations" USING btree ("tenant_id","user_id","granted_at","id");--> statement-breakpoint
CREATE INDEX "sudo_authorizations_tenant_server_time_idx" ON "sudo_authorizations" USING btree ("tenant_id","server_id","granted_at","id");--> statement-breakpoint
CREATE INDEX "sudo_authorizations_tenant_access_time_idx" ON "sudo_authorizations" USING btree ("tenant_id","access_session_id","granted_at","id");--> statement-breakpoint
CREATE INDEX "activity_log_tenant_time_idx" ON "activity_log" USING btree ("tenant_id","occurred_at","id");--> statement-breakpoint
CREATE INDEX "activity_log_tenant_user_time_idx" ON "activity_log" USING btree ("tenant_id","user_id","occurred_at","id");--> statement-breakpoint
CREATE INDEX "activity_log_tenant_action_time_idx" ON "activity_log" USING btree ("tenant_id","action","occurred_at","id");