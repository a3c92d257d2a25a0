-- Agent heartbeats (issues 23 and 24): whether each server's agent is alive. Bookkeeping outside the
-- verifiable log; each change of status is an audit entry (server.online, server.offline) in it.
CREATE TABLE "server_presence" (
	"tenant_id" uuid NOT NULL,
	"server_id" uuid NOT NULL,
	"status" text NOT NULL,
	"status_changed_at" timestamp (3) with time zone NOT NULL,
	"last_seen_at" timestamp (3) with time zone NOT NULL,
	"agent_time" timestamp (3) with time zone,
	"agent_version" text,
	"hostname" text,
	"os" text,
	CONSTRAINT "server_presence_pkey" PRIMARY KEY("tenant_id","server_id"),
	CONSTRAINT "server_presence_status_check" CHECK ("server_presence"."status" in ('online', 'offline'))
);
--> statement-breakpoint
ALTER TABLE "server_presence" ADD CONSTRAINT "server_presence_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "server_presence" ADD CONSTRAINT "server_presence_server_fk" FOREIGN KEY ("tenant_id","server_id") REFERENCES "public"."servers"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "server_presence_online_idx" ON "server_presence" USING btree ("tenant_id","last_seen_at") WHERE "server_presence"."status" = 'online';