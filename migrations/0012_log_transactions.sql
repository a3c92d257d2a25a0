DROP INDEX "log_leaves_position_idx";--> statement-breakpoint
DROP INDEX "log_leaves_queue_idx";--> statement-breakpoint
CREATE UNIQUE INDEX "log_leaves_placed_idx" ON "log_leaves" USING btree ("tenant_id","idx") WHERE "log_leaves"."idx" is not null;--> statement-breakpoint
CREATE INDEX "log_leaves_queue_xact_idx" ON "log_leaves" USING btree ("tenant_id","xact","leaf_id") WHERE "log_leaves"."idx" is null;--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_leaf_in_transaction(leaf text, xact bigint) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT left(leaf, -length('"v":1}')) || '"v":2,"xact":' || xact::text || '}'
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_audit_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'audit_entry', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_audit_entries(n), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_activity_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'activity', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_activity_log(n), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_access_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'access_session', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_access_sessions(n), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_terminal_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'terminal_session', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_terminal_sessions(n), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_commands() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'command', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_commands(n), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_command_status_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'command_status_change', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_command_status_changes(n), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_file_transfers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'file_transfer', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_file_transfers(n), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_system_logs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'system_log', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_system_logs(n), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_sudo_authorizations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'sudo_authorization', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_sudo_authorizations(n), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_sudo_checks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'sudo_check', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_sudo_checks(n), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_approvals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'approval', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_approvals(n), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_approval_decisions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'approval_decision', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_approval_decisions(n), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_terminal_recordings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'terminal_recording', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_terminal_recordings(n), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_terminal_recording_chunks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'recording_chunk', n.recording_id::text || ':' || n.seq::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_terminal_recording_chunks(n), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
