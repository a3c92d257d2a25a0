CREATE TABLE "terminal_recording_chunks" (
	"tenant_id" uuid NOT NULL,
	"recording_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"first_offset" double precision NOT NULL,
	"last_offset" double precision NOT NULL,
	"event_count" integer NOT NULL,
	"raw_bytes" integer NOT NULL,
	"digest" text NOT NULL,
	"data" "bytea" NOT NULL,
	"output_text" text NOT NULL,
	"input_text" text NOT NULL,
	"carry" jsonb NOT NULL,
	"created_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "terminal_recording_chunks_pkey" PRIMARY KEY("tenant_id","recording_id","seq")
);
--> statement-breakpoint
CREATE TABLE "terminal_recordings" (
	"tenant_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"terminal_session_id" uuid NOT NULL,
	"server_id" uuid NOT NULL,
	"user_id" uuid,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"started_at" timestamp (3) with time zone NOT NULL,
	"command" text,
	"title" text,
	"env" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'recording' NOT NULL,
	"ended_at" timestamp (3) with time zone,
	"duration_seconds" double precision DEFAULT 0 NOT NULL,
	"event_count" bigint DEFAULT 0 NOT NULL,
	"bytes_in" bigint DEFAULT 0 NOT NULL,
	"bytes_out" bigint DEFAULT 0 NOT NULL,
	"stored_bytes" bigint DEFAULT 0 NOT NULL,
	"next_seq" integer DEFAULT 0 NOT NULL,
	"gaps" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"search_carry" jsonb DEFAULT '{"o":{"text":"","marks":[]},"i":{"text":"","marks":[]}}'::jsonb NOT NULL,
	"created_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "terminal_recordings_pkey" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "terminal_recordings_session_unique" UNIQUE("tenant_id","terminal_session_id"),
	CONSTRAINT "terminal_recordings_status_check" CHECK ("terminal_recordings"."status" in ('recording', 'complete'))
);
--> statement-breakpoint
ALTER TABLE "terminal_recording_chunks" ADD CONSTRAINT "terminal_recording_chunks_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "terminal_recording_chunks" ADD CONSTRAINT "terminal_recording_chunks_recording_fk" FOREIGN KEY ("tenant_id","recording_id") REFERENCES "public"."terminal_recordings"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "terminal_recordings" ADD CONSTRAINT "terminal_recordings_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "terminal_recordings" ADD CONSTRAINT "terminal_recordings_session_fk" FOREIGN KEY ("tenant_id","terminal_session_id") REFERENCES "public"."terminal_sessions"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "terminal_recordings" ADD CONSTRAINT "terminal_recordings_server_fk" FOREIGN KEY ("tenant_id","server_id") REFERENCES "public"."servers"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "terminal_recordings" ADD CONSTRAINT "terminal_recordings_user_fk" FOREIGN KEY ("tenant_id","user_id") REFERENCES "public"."users"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "terminal_recording_chunks_output_trgm_idx" ON "terminal_recording_chunks" USING gin ("tenant_id","output_text" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "terminal_recording_chunks_input_trgm_idx" ON "terminal_recording_chunks" USING gin ("tenant_id","input_text" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "terminal_recordings_tenant_time_idx" ON "terminal_recordings" USING btree ("tenant_id","started_at","id");--> statement-breakpoint
CREATE INDEX "terminal_recordings_tenant_user_time_idx" ON "terminal_recordings" USING btree ("tenant_id","user_id","started_at","id");--> statement-breakpoint
CREATE INDEX "terminal_recordings_tenant_server_time_idx" ON "terminal_recordings" USING btree ("tenant_id","server_id","started_at","id");--> statement-breakpoint
-- Chunks are gzip already: storing them EXTERNAL skips a second, futile compression by TOAST.
ALTER TABLE "terminal_recording_chunks" ALTER COLUMN "data" SET STORAGE EXTERNAL;
