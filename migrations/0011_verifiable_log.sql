CREATE TABLE "log_checkpoints" (
	"tenant_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"size" bigint NOT NULL,
	"root_hash" "bytea" NOT NULL,
	"signed_at" timestamp (3) with time zone NOT NULL,
	"note" text NOT NULL,
	CONSTRAINT "log_checkpoints_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "log_heads" (
	"tenant_id" uuid PRIMARY KEY NOT NULL,
	"size" bigint DEFAULT 0 NOT NULL,
	"root_hash" "bytea" NOT NULL,
	"updated_at" timestamp (6) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "log_leaves" (
	"tenant_id" uuid NOT NULL,
	"leaf_id" bigserial NOT NULL,
	"idx" bigint,
	"kind" text NOT NULL,
	"record_id" text NOT NULL,
	"leaf" text,
	"leaf_hash" "bytea" NOT NULL,
	"xact" bigint DEFAULT txid_current() NOT NULL,
	"queued_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "log_leaves_pkey" PRIMARY KEY("tenant_id","leaf_id")
);
--> statement-breakpoint
CREATE TABLE "log_nodes" (
	"tenant_id" uuid NOT NULL,
	"level" smallint NOT NULL,
	"idx" bigint NOT NULL,
	"hash" "bytea" NOT NULL,
	CONSTRAINT "log_nodes_pkey" PRIMARY KEY("tenant_id","level","idx")
);
--> statement-breakpoint
ALTER TABLE "audit_entries" DROP CONSTRAINT "audit_entries_id_unique";--> statement-breakpoint
ALTER TABLE "audit_entries" DROP CONSTRAINT "audit_entries_pkey";--> statement-breakpoint
ALTER TABLE "audit_entries" ALTER COLUMN "seq" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_entries" ALTER COLUMN "prev_hash" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_entries" ALTER COLUMN "hash" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "log_checkpoints" ADD CONSTRAINT "log_checkpoints_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "log_heads" ADD CONSTRAINT "log_heads_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "log_leaves" ADD CONSTRAINT "log_leaves_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "log_nodes" ADD CONSTRAINT "log_nodes_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "log_checkpoints_tenant_time_idx" ON "log_checkpoints" USING btree ("tenant_id","signed_at");--> statement-breakpoint
CREATE INDEX "log_checkpoints_tenant_size_idx" ON "log_checkpoints" USING btree ("tenant_id","size");--> statement-breakpoint
CREATE UNIQUE INDEX "log_leaves_position_idx" ON "log_leaves" USING btree ("tenant_id","idx");--> statement-breakpoint
CREATE INDEX "log_leaves_record_idx" ON "log_leaves" USING btree ("tenant_id","record_id","leaf_id");--> statement-breakpoint
CREATE INDEX "log_leaves_queue_idx" ON "log_leaves" USING btree ("tenant_id","leaf_id") WHERE "log_leaves"."idx" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "audit_entries_seq_unique" ON "audit_entries" USING btree ("tenant_id","seq");--> statement-breakpoint
ALTER TABLE "audit_entries" ADD CONSTRAINT "audit_entries_pkey" PRIMARY KEY("tenant_id","id");
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_canonical_json(j jsonb) RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  result text;
BEGIN
  IF j IS NULL THEN RETURN 'null'; END IF;
  CASE jsonb_typeof(j)
    WHEN 'object' THEN
      SELECT '{' || coalesce(string_agg(to_json(key)::text || ':' || vigil_canonical_json(value), ',' ORDER BY key COLLATE "C"), '') || '}'
        INTO result FROM jsonb_each(j);
    WHEN 'array' THEN
      SELECT '[' || coalesce(string_agg(vigil_canonical_json(value), ',' ORDER BY ordinality), '') || ']'
        INTO result FROM jsonb_array_elements(j) WITH ORDINALITY;
    WHEN 'number' THEN
      -- Whole numbers as ECMAScript prints them; others as PostgreSQL's shortest float text.
      IF (j::text)::numeric = trunc((j::text)::numeric) AND abs((j::text)::numeric) < 1e21 THEN
        result := trunc((j::text)::numeric)::text;
      ELSE
        result := ((j::text)::float8)::text;
      END IF;
    ELSE
      result := j::text;
  END CASE;
  RETURN result;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_leaf_audit_entries(n "audit_entries") RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"kind":"audit_entry","row":{'
    || '"action":' || coalesce(to_json(n.action::text)::text, 'null')
    || ',"actor_email":' || coalesce(to_json(n.actor_email::text)::text, 'null')
    || ',"actor_id":' || coalesce(to_json(n.actor_id::text)::text, 'null')
    || ',"actor_type":' || coalesce(to_json(n.actor_type::text)::text, 'null')
    || ',"after":' || vigil_canonical_json(n.after)
    || ',"before":' || vigil_canonical_json(n.before)
    || ',"client_ip":' || coalesce(to_json(n.client_ip::text)::text, 'null')
    || ',"id":' || coalesce(to_json(n.id::text)::text, 'null')
    || ',"occurred_at":' || coalesce('"' || to_char(n.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"request_id":' || coalesce(to_json(n.request_id::text)::text, 'null')
    || ',"resource_id":' || coalesce(to_json(n.resource_id::text)::text, 'null')
    || ',"resource_name":' || coalesce(to_json(n.resource_name::text)::text, 'null')
    || ',"resource_type":' || coalesce(to_json(n.resource_type::text)::text, 'null')
    || ',"tenant_id":' || coalesce(to_json(n.tenant_id::text)::text, 'null')
    || ',"user_agent":' || coalesce(to_json(n.user_agent::text)::text, 'null')
    || '},"v":1}'
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_audit_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'audit_entry', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_audit_entries(n) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER audit_entries_log_insert AFTER INSERT ON "audit_entries" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_audit_entries();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_leaf_activity_log(n "activity_log") RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"kind":"activity","row":{'
    || '"action":' || coalesce(to_json(n.action::text)::text, 'null')
    || ',"created_at":' || coalesce('"' || to_char(n.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"details":' || vigil_canonical_json(n.details)
    || ',"id":' || coalesce(to_json(n.id::text)::text, 'null')
    || ',"ip_address":' || coalesce(to_json(abbrev(n.ip_address))::text, 'null')
    || ',"occurred_at":' || coalesce('"' || to_char(n.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"request_id":' || coalesce(to_json(n.request_id::text)::text, 'null')
    || ',"result":' || coalesce(n.result::text, 'null')
    || ',"tenant_id":' || coalesce(to_json(n.tenant_id::text)::text, 'null')
    || ',"user_agent":' || coalesce(to_json(n.user_agent::text)::text, 'null')
    || ',"user_email":' || coalesce(to_json(n.user_email::text)::text, 'null')
    || ',"user_id":' || coalesce(to_json(n.user_id::text)::text, 'null')
    || '},"v":1}'
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_activity_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'activity', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_activity_log(n) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER activity_log_log_insert AFTER INSERT ON "activity_log" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_activity_log();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_leaf_access_sessions(n "access_sessions") RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"kind":"access_session","row":{'
    || '"approval_id":' || coalesce(to_json(n.approval_id::text)::text, 'null')
    || ',"approver_id":' || coalesce(to_json(n.approver_id::text)::text, 'null')
    || ',"created_at":' || coalesce('"' || to_char(n.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"end_reason":' || coalesce(to_json(n.end_reason::text)::text, 'null')
    || ',"ended_at":' || coalesce('"' || to_char(n.ended_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"ended_by_id":' || coalesce(to_json(n.ended_by_id::text)::text, 'null')
    || ',"expires_at":' || coalesce('"' || to_char(n.expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"id":' || coalesce(to_json(n.id::text)::text, 'null')
    || ',"is_sudo_allowed":' || coalesce(n.is_sudo_allowed::text, 'null')
    || ',"reason":' || coalesce(to_json(n.reason::text)::text, 'null')
    || ',"requested_at":' || coalesce('"' || to_char(n.requested_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"requester_id":' || coalesce(to_json(n.requester_id::text)::text, 'null')
    || ',"server_ids":' || coalesce(array_to_json(n.server_ids)::text, 'null')
    || ',"server_labels":' || vigil_canonical_json(n.server_labels)
    || ',"starts_at":' || coalesce('"' || to_char(n.starts_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"status":' || coalesce(to_json(n.status::text)::text, 'null')
    || ',"tenant_id":' || coalesce(to_json(n.tenant_id::text)::text, 'null')
    || '},"v":1}'
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_access_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'access_session', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_access_sessions(n) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER access_sessions_log_insert AFTER INSERT ON "access_sessions" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_access_sessions();
--> statement-breakpoint
CREATE TRIGGER access_sessions_log_update AFTER UPDATE ON "access_sessions" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_access_sessions();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_leaf_terminal_sessions(n "terminal_sessions") RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"kind":"terminal_session","row":{'
    || '"access_session_id":' || coalesce(to_json(n.access_session_id::text)::text, 'null')
    || ',"approval_id":' || coalesce(to_json(n.approval_id::text)::text, 'null')
    || ',"browser":' || coalesce(to_json(n.browser::text)::text, 'null')
    || ',"created_at":' || coalesce('"' || to_char(n.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"ended_at":' || coalesce('"' || to_char(n.ended_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"event_id":' || coalesce(to_json(n.event_id::text)::text, 'null')
    || ',"groupname":' || coalesce(to_json(n.groupname::text)::text, 'null')
    || ',"id":' || coalesce(to_json(n.id::text)::text, 'null')
    || ',"remote_ip":' || coalesce(to_json(abbrev(n.remote_ip))::text, 'null')
    || ',"server_id":' || coalesce(to_json(n.server_id::text)::text, 'null')
    || ',"source":' || coalesce(to_json(n.source::text)::text, 'null')
    || ',"started_at":' || coalesce('"' || to_char(n.started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"tenant_id":' || coalesce(to_json(n.tenant_id::text)::text, 'null')
    || ',"user_id":' || coalesce(to_json(n.user_id::text)::text, 'null')
    || ',"username":' || coalesce(to_json(n.username::text)::text, 'null')
    || '},"v":1}'
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_terminal_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'terminal_session', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_terminal_sessions(n) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER terminal_sessions_log_insert AFTER INSERT ON "terminal_sessions" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_terminal_sessions();
--> statement-breakpoint
CREATE TRIGGER terminal_sessions_log_update AFTER UPDATE ON "terminal_sessions" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_terminal_sessions();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_leaf_commands(n "commands") RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"kind":"command","row":{'
    || '"access_session_id":' || coalesce(to_json(n.access_session_id::text)::text, 'null')
    || ',"approval_id":' || coalesce(to_json(n.approval_id::text)::text, 'null')
    || ',"created_at":' || coalesce('"' || to_char(n.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"event_id":' || coalesce(to_json(n.event_id::text)::text, 'null')
    || ',"exit_code":' || coalesce(n.exit_code::text, 'null')
    || ',"finished_at":' || coalesce('"' || to_char(n.finished_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"id":' || coalesce(to_json(n.id::text)::text, 'null')
    || ',"last_update_at":' || coalesce('"' || to_char(n.last_update_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"line":' || coalesce(to_json(n.line::text)::text, 'null')
    || ',"operator_token_id":' || coalesce(to_json(n.operator_token_id::text)::text, 'null')
    || ',"operator_user_id":' || coalesce(to_json(n.operator_user_id::text)::text, 'null')
    || ',"result":' || coalesce(to_json(n.result::text)::text, 'null')
    || ',"server_id":' || coalesce(to_json(n.server_id::text)::text, 'null')
    || ',"shell":' || coalesce(to_json(n.shell::text)::text, 'null')
    || ',"source":' || coalesce(to_json(n.source::text)::text, 'null')
    || ',"started_at":' || coalesce('"' || to_char(n.started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"status":' || coalesce(to_json(n.status::text)::text, 'null')
    || ',"submitted_at":' || coalesce('"' || to_char(n.submitted_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"tenant_id":' || coalesce(to_json(n.tenant_id::text)::text, 'null')
    || ',"terminal_session_id":' || coalesce(to_json(n.terminal_session_id::text)::text, 'null')
    || ',"verification":' || coalesce(to_json(n.verification::text)::text, 'null')
    || ',"verification_message":' || coalesce(to_json(n.verification_message::text)::text, 'null')
    || '},"v":1}'
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_commands() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'command', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_commands(n) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER commands_log_insert AFTER INSERT ON "commands" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_commands();
--> statement-breakpoint
CREATE TRIGGER commands_log_update AFTER UPDATE ON "commands" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_commands();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_leaf_command_status_changes(n "command_status_changes") RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"kind":"command_status_change","row":{'
    || '"command_id":' || coalesce(to_json(n.command_id::text)::text, 'null')
    || ',"created_at":' || coalesce('"' || to_char(n.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"event_id":' || coalesce(to_json(n.event_id::text)::text, 'null')
    || ',"from_status":' || coalesce(to_json(n.from_status::text)::text, 'null')
    || ',"id":' || coalesce(to_json(n.id::text)::text, 'null')
    || ',"reported_at":' || coalesce('"' || to_char(n.reported_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"server_id":' || coalesce(to_json(n.server_id::text)::text, 'null')
    || ',"tenant_id":' || coalesce(to_json(n.tenant_id::text)::text, 'null')
    || ',"to_status":' || coalesce(to_json(n.to_status::text)::text, 'null')
    || '},"v":1}'
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_command_status_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'command_status_change', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_command_status_changes(n) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER command_status_changes_log_insert AFTER INSERT ON "command_status_changes" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_command_status_changes();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_leaf_file_transfers(n "file_transfers") RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"kind":"file_transfer","row":{'
    || '"access_session_id":' || coalesce(to_json(n.access_session_id::text)::text, 'null')
    || ',"approval_id":' || coalesce(to_json(n.approval_id::text)::text, 'null')
    || ',"created_at":' || coalesce('"' || to_char(n.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"direction":' || coalesce(to_json(n.direction::text)::text, 'null')
    || ',"error":' || coalesce(to_json(n.error::text)::text, 'null')
    || ',"event_id":' || coalesce(to_json(n.event_id::text)::text, 'null')
    || ',"groupname":' || coalesce(to_json(n.groupname::text)::text, 'null')
    || ',"id":' || coalesce(to_json(n.id::text)::text, 'null')
    || ',"object_name":' || coalesce(to_json(n.object_name::text)::text, 'null')
    || ',"occurred_at":' || coalesce('"' || to_char(n.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"path":' || coalesce(to_json(n.path::text)::text, 'null')
    || ',"remote_ip":' || coalesce(to_json(abbrev(n.remote_ip))::text, 'null')
    || ',"server_id":' || coalesce(to_json(n.server_id::text)::text, 'null')
    || ',"size_bytes":' || coalesce(n.size_bytes::text, 'null')
    || ',"status":' || coalesce(to_json(n.status::text)::text, 'null')
    || ',"tenant_id":' || coalesce(to_json(n.tenant_id::text)::text, 'null')
    || ',"user_id":' || coalesce(to_json(n.user_id::text)::text, 'null')
    || ',"username":' || coalesce(to_json(n.username::text)::text, 'null')
    || '},"v":1}'
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_file_transfers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'file_transfer', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_file_transfers(n) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER file_transfers_log_insert AFTER INSERT ON "file_transfers" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_file_transfers();
--> statement-breakpoint
CREATE TRIGGER file_transfers_log_update AFTER UPDATE ON "file_transfers" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_file_transfers();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_leaf_system_logs(n "system_logs") RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"kind":"system_log","row":{'
    || '"created_at":' || coalesce('"' || to_char(n.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"event_id":' || coalesce(to_json(n.event_id::text)::text, 'null')
    || ',"id":' || coalesce(to_json(n.id::text)::text, 'null')
    || ',"level":' || coalesce(to_json(n.level::text)::text, 'null')
    || ',"logged_at":' || coalesce('"' || to_char(n.logged_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"message":' || coalesce(to_json(n.message::text)::text, 'null')
    || ',"pid":' || coalesce(n.pid::text, 'null')
    || ',"program":' || coalesce(to_json(n.program::text)::text, 'null')
    || ',"server_id":' || coalesce(to_json(n.server_id::text)::text, 'null')
    || ',"tenant_id":' || coalesce(to_json(n.tenant_id::text)::text, 'null')
    || '},"v":1}'
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_system_logs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'system_log', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_system_logs(n) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER system_logs_log_insert AFTER INSERT ON "system_logs" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_system_logs();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_leaf_sudo_authorizations(n "sudo_authorizations") RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"kind":"sudo_authorization","row":{'
    || '"access_session_id":' || coalesce(to_json(n.access_session_id::text)::text, 'null')
    || ',"approval_id":' || coalesce(to_json(n.approval_id::text)::text, 'null')
    || ',"command":' || coalesce(to_json(n.command::text)::text, 'null')
    || ',"created_at":' || coalesce('"' || to_char(n.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"event_id":' || coalesce(to_json(n.event_id::text)::text, 'null')
    || ',"expires_at":' || coalesce('"' || to_char(n.expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"granted_at":' || coalesce('"' || to_char(n.granted_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"granted_by_id":' || coalesce(to_json(n.granted_by_id::text)::text, 'null')
    || ',"granted_via":' || coalesce(to_json(n.granted_via::text)::text, 'null')
    || ',"id":' || coalesce(to_json(n.id::text)::text, 'null')
    || ',"is_pattern":' || coalesce(n.is_pattern::text, 'null')
    || ',"policy_id":' || coalesce(to_json(n.policy_id::text)::text, 'null')
    || ',"revoked_at":' || coalesce('"' || to_char(n.revoked_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"revoked_by_id":' || coalesce(to_json(n.revoked_by_id::text)::text, 'null')
    || ',"server_id":' || coalesce(to_json(n.server_id::text)::text, 'null')
    || ',"tenant_id":' || coalesce(to_json(n.tenant_id::text)::text, 'null')
    || ',"user_id":' || coalesce(to_json(n.user_id::text)::text, 'null')
    || '},"v":1}'
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_sudo_authorizations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'sudo_authorization', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_sudo_authorizations(n) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER sudo_authorizations_log_insert AFTER INSERT ON "sudo_authorizations" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_sudo_authorizations();
--> statement-breakpoint
CREATE TRIGGER sudo_authorizations_log_update AFTER UPDATE ON "sudo_authorizations" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_sudo_authorizations();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_leaf_sudo_checks(n "sudo_checks") RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"kind":"sudo_check","row":{'
    || '"checked_at":' || coalesce('"' || to_char(n.checked_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"command":' || coalesce(to_json(n.command::text)::text, 'null')
    || ',"created_at":' || coalesce('"' || to_char(n.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"id":' || coalesce(to_json(n.id::text)::text, 'null')
    || ',"is_allowed":' || coalesce(n.is_allowed::text, 'null')
    || ',"outcome":' || coalesce(to_json(n.outcome::text)::text, 'null')
    || ',"server_id":' || coalesce(to_json(n.server_id::text)::text, 'null')
    || ',"sudo_authorization_id":' || coalesce(to_json(n.sudo_authorization_id::text)::text, 'null')
    || ',"tenant_id":' || coalesce(to_json(n.tenant_id::text)::text, 'null')
    || ',"user_id":' || coalesce(to_json(n.user_id::text)::text, 'null')
    || ',"user_ref":' || coalesce(to_json(n.user_ref::text)::text, 'null')
    || '},"v":1}'
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_sudo_checks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'sudo_check', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_sudo_checks(n) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER sudo_checks_log_insert AFTER INSERT ON "sudo_checks" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_sudo_checks();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_leaf_approvals(n "approvals") RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"kind":"approval","row":{'
    || '"access_session_id":' || coalesce(to_json(n.access_session_id::text)::text, 'null')
    || ',"approver_groups":' || coalesce(array_to_json(n.approver_groups)::text, 'null')
    || ',"cancel_reason":' || coalesce(to_json(n.cancel_reason::text)::text, 'null')
    || ',"chat_approval":' || coalesce(to_json(n.chat_approval::text)::text, 'null')
    || ',"chat_max_duration_seconds":' || coalesce(n.chat_max_duration_seconds::text, 'null')
    || ',"closed_at":' || coalesce('"' || to_char(n.closed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"closed_by_id":' || coalesce(to_json(n.closed_by_id::text)::text, 'null')
    || ',"command":' || coalesce(to_json(n.command::text)::text, 'null')
    || ',"created_at":' || coalesce('"' || to_char(n.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"decide_by":' || coalesce('"' || to_char(n.decide_by at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"duration_seconds":' || coalesce(n.duration_seconds::text, 'null')
    || ',"id":' || coalesce(to_json(n.id::text)::text, 'null')
    || ',"is_admin_approver":' || coalesce(n.is_admin_approver::text, 'null')
    || ',"is_approval_justification_required":' || coalesce(n.is_approval_justification_required::text, 'null')
    || ',"is_auto_approved":' || coalesce(n.is_auto_approved::text, 'null')
    || ',"is_pattern":' || coalesce(n.is_pattern::text, 'null')
    || ',"kind":' || coalesce(to_json(n.kind::text)::text, 'null')
    || ',"policy_id":' || coalesce(to_json(n.policy_id::text)::text, 'null')
    || ',"policy_name":' || coalesce(to_json(n.policy_name::text)::text, 'null')
    || ',"reason":' || coalesce(to_json(n.reason::text)::text, 'null')
    || ',"requested_at":' || coalesce('"' || to_char(n.requested_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"requester_id":' || coalesce(to_json(n.requester_id::text)::text, 'null')
    || ',"required_approvals":' || coalesce(n.required_approvals::text, 'null')
    || ',"server_id":' || coalesce(to_json(n.server_id::text)::text, 'null')
    || ',"status":' || coalesce(to_json(n.status::text)::text, 'null')
    || ',"sudo_authorization_id":' || coalesce(to_json(n.sudo_authorization_id::text)::text, 'null')
    || ',"tenant_id":' || coalesce(to_json(n.tenant_id::text)::text, 'null')
    || '},"v":1}'
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_approvals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'approval', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_approvals(n) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER approvals_log_insert AFTER INSERT ON "approvals" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_approvals();
--> statement-breakpoint
CREATE TRIGGER approvals_log_update AFTER UPDATE ON "approvals" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_approvals();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_leaf_approval_decisions(n "approval_decisions") RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"kind":"approval_decision","row":{'
    || '"approval_id":' || coalesce(to_json(n.approval_id::text)::text, 'null')
    || ',"approver_id":' || coalesce(to_json(n.approver_id::text)::text, 'null')
    || ',"channel":' || coalesce(to_json(n.channel::text)::text, 'null')
    || ',"chat_user_id":' || coalesce(to_json(n.chat_user_id::text)::text, 'null')
    || ',"created_at":' || coalesce('"' || to_char(n.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"decided_at":' || coalesce('"' || to_char(n.decided_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"decision":' || coalesce(to_json(n.decision::text)::text, 'null')
    || ',"id":' || coalesce(to_json(n.id::text)::text, 'null')
    || ',"justification":' || coalesce(to_json(n.justification::text)::text, 'null')
    || ',"tenant_id":' || coalesce(to_json(n.tenant_id::text)::text, 'null')
    || '},"v":1}'
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_approval_decisions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'approval_decision', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_approval_decisions(n) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER approval_decisions_log_insert AFTER INSERT ON "approval_decisions" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_approval_decisions();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_leaf_terminal_recordings(n "terminal_recordings") RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"kind":"terminal_recording","row":{'
    || '"bytes_in":' || coalesce(n.bytes_in::text, 'null')
    || ',"bytes_out":' || coalesce(n.bytes_out::text, 'null')
    || ',"command":' || coalesce(to_json(n.command::text)::text, 'null')
    || ',"created_at":' || coalesce('"' || to_char(n.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"duration_seconds":' || coalesce(to_json(n.duration_seconds::text)::text, 'null')
    || ',"ended_at":' || coalesce('"' || to_char(n.ended_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"env":' || vigil_canonical_json(n.env)
    || ',"event_count":' || coalesce(n.event_count::text, 'null')
    || ',"gaps":' || vigil_canonical_json(n.gaps)
    || ',"height":' || coalesce(n.height::text, 'null')
    || ',"id":' || coalesce(to_json(n.id::text)::text, 'null')
    || ',"next_seq":' || coalesce(n.next_seq::text, 'null')
    || ',"search_carry":' || vigil_canonical_json(n.search_carry)
    || ',"server_id":' || coalesce(to_json(n.server_id::text)::text, 'null')
    || ',"started_at":' || coalesce('"' || to_char(n.started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"status":' || coalesce(to_json(n.status::text)::text, 'null')
    || ',"stored_bytes":' || coalesce(n.stored_bytes::text, 'null')
    || ',"tenant_id":' || coalesce(to_json(n.tenant_id::text)::text, 'null')
    || ',"terminal_session_id":' || coalesce(to_json(n.terminal_session_id::text)::text, 'null')
    || ',"title":' || coalesce(to_json(n.title::text)::text, 'null')
    || ',"updated_at":' || coalesce('"' || to_char(n.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"user_id":' || coalesce(to_json(n.user_id::text)::text, 'null')
    || ',"width":' || coalesce(n.width::text, 'null')
    || '},"v":1}'
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_terminal_recordings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'terminal_recording', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_terminal_recordings(n) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER terminal_recordings_log_insert AFTER INSERT ON "terminal_recordings" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_terminal_recordings();
--> statement-breakpoint
CREATE TRIGGER terminal_recordings_log_update AFTER UPDATE ON "terminal_recordings" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_terminal_recordings();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_leaf_terminal_recording_chunks(n "terminal_recording_chunks") RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"kind":"recording_chunk","row":{'
    || '"carry":' || vigil_canonical_json(n.carry)
    || ',"created_at":' || coalesce('"' || to_char(n.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"data_sha256":' || coalesce('"' || encode(sha256(n.data), 'hex') || '"', 'null')
    || ',"digest":' || coalesce(to_json(n.digest::text)::text, 'null')
    || ',"event_count":' || coalesce(n.event_count::text, 'null')
    || ',"first_offset":' || coalesce(to_json(n.first_offset::text)::text, 'null')
    || ',"input_text_sha256":' || coalesce('"' || encode(sha256(convert_to(n.input_text, 'UTF8')), 'hex') || '"', 'null')
    || ',"last_offset":' || coalesce(to_json(n.last_offset::text)::text, 'null')
    || ',"output_text_sha256":' || coalesce('"' || encode(sha256(convert_to(n.output_text, 'UTF8')), 'hex') || '"', 'null')
    || ',"raw_bytes":' || coalesce(n.raw_bytes::text, 'null')
    || ',"recording_id":' || coalesce(to_json(n.recording_id::text)::text, 'null')
    || ',"seq":' || coalesce(n.seq::text, 'null')
    || ',"tenant_id":' || coalesce(to_json(n.tenant_id::text)::text, 'null')
    || '},"v":1}'
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_terminal_recording_chunks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'recording_chunk', n.recording_id::text || ':' || n.seq::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_terminal_recording_chunks(n) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER terminal_recording_chunks_log_insert AFTER INSERT ON "terminal_recording_chunks" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_terminal_recording_chunks();
--> statement-breakpoint
INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
SELECT n.tenant_id, 'audit_entry', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
FROM "audit_entries" n CROSS JOIN LATERAL (SELECT vigil_leaf_audit_entries(n) AS leaf) l ORDER BY n.tenant_id, n.seq;
--> statement-breakpoint
INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
SELECT n.tenant_id, 'activity', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
FROM "activity_log" n CROSS JOIN LATERAL (SELECT vigil_leaf_activity_log(n) AS leaf) l ORDER BY n.tenant_id, n.id::text;
--> statement-breakpoint
INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
SELECT n.tenant_id, 'access_session', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
FROM "access_sessions" n CROSS JOIN LATERAL (SELECT vigil_leaf_access_sessions(n) AS leaf) l ORDER BY n.tenant_id, n.id::text;
--> statement-breakpoint
INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
SELECT n.tenant_id, 'terminal_session', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
FROM "terminal_sessions" n CROSS JOIN LATERAL (SELECT vigil_leaf_terminal_sessions(n) AS leaf) l ORDER BY n.tenant_id, n.id::text;
--> statement-breakpoint
INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
SELECT n.tenant_id, 'command', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
FROM "commands" n CROSS JOIN LATERAL (SELECT vigil_leaf_commands(n) AS leaf) l ORDER BY n.tenant_id, n.id::text;
--> statement-breakpoint
INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
SELECT n.tenant_id, 'command_status_change', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
FROM "command_status_changes" n CROSS JOIN LATERAL (SELECT vigil_leaf_command_status_changes(n) AS leaf) l ORDER BY n.tenant_id, n.id::text;
--> statement-breakpoint
INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
SELECT n.tenant_id, 'file_transfer', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
FROM "file_transfers" n CROSS JOIN LATERAL (SELECT vigil_leaf_file_transfers(n) AS leaf) l ORDER BY n.tenant_id, n.id::text;
--> statement-breakpoint
INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
SELECT n.tenant_id, 'system_log', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
FROM "system_logs" n CROSS JOIN LATERAL (SELECT vigil_leaf_system_logs(n) AS leaf) l ORDER BY n.tenant_id, n.id::text;
--> statement-breakpoint
INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
SELECT n.tenant_id, 'sudo_authorization', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
FROM "sudo_authorizations" n CROSS JOIN LATERAL (SELECT vigil_leaf_sudo_authorizations(n) AS leaf) l ORDER BY n.tenant_id, n.id::text;
--> statement-breakpoint
INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
SELECT n.tenant_id, 'sudo_check', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
FROM "sudo_checks" n CROSS JOIN LATERAL (SELECT vigil_leaf_sudo_checks(n) AS leaf) l ORDER BY n.tenant_id, n.id::text;
--> statement-breakpoint
INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
SELECT n.tenant_id, 'approval', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
FROM "approvals" n CROSS JOIN LATERAL (SELECT vigil_leaf_approvals(n) AS leaf) l ORDER BY n.tenant_id, n.id::text;
--> statement-breakpoint
INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
SELECT n.tenant_id, 'approval_decision', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
FROM "approval_decisions" n CROSS JOIN LATERAL (SELECT vigil_leaf_approval_decisions(n) AS leaf) l ORDER BY n.tenant_id, n.id::text;
--> statement-breakpoint
INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
SELECT n.tenant_id, 'terminal_recording', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
FROM "terminal_recordings" n CROSS JOIN LATERAL (SELECT vigil_leaf_terminal_recordings(n) AS leaf) l ORDER BY n.tenant_id, n.id::text;
--> statement-breakpoint
INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
SELECT n.tenant_id, 'recording_chunk', n.recording_id::text || ':' || n.seq::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
FROM "terminal_recording_chunks" n CROSS JOIN LATERAL (SELECT vigil_leaf_terminal_recording_chunks(n) AS leaf) l ORDER BY n.tenant_id, n.recording_id::text || ':' || n.seq::text;
