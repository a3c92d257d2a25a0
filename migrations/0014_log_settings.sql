ALTER TABLE "chat_link_codes" ADD COLUMN "id" uuid DEFAULT gen_random_uuid() NOT NULL;--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_leaf_deleted(leaf text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT '{"deleted":true,' || substr(leaf, 2)
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_leaf_users(n "users") RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"kind":"user","row":{'
    || '"created_at":' || coalesce('"' || to_char(n.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"disabled_at":' || coalesce('"' || to_char(n.disabled_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"email":' || coalesce(to_json(n.email::text)::text, 'null')
    || ',"groups":' || coalesce(array_to_json(n.groups)::text, 'null')
    || ',"id":' || coalesce(to_json(n.id::text)::text, 'null')
    || ',"name":' || coalesce(to_json(n.name::text)::text, 'null')
    || ',"permissions":' || coalesce(array_to_json(n.permissions)::text, 'null')
    || ',"role":' || coalesce(to_json(n.role::text)::text, 'null')
    || ',"tenant_id":' || coalesce(to_json(n.tenant_id::text)::text, 'null')
    || ',"updated_at":' || coalesce('"' || to_char(n.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || '},"v":1}'
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_users() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'user', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_users(n), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER users_log_insert AFTER INSERT ON "users" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_users();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_users_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'user', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_users(n), txid_current()) AS leaf) l
  WHERE NOT EXISTS (SELECT 1 FROM vigil_before o WHERE o.tenant_id = n.tenant_id AND o.id = n.id AND vigil_leaf_users(o) = vigil_leaf_users(n));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER users_log_update AFTER UPDATE ON "users" REFERENCING OLD TABLE AS vigil_before NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_users_update();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_users_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'user', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_deleted n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_deleted(vigil_leaf_users(n)), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER users_log_delete AFTER DELETE ON "users" REFERENCING OLD TABLE AS vigil_deleted FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_users_delete();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_leaf_api_tokens(n "api_tokens") RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"kind":"api_token","row":{'
    || '"created_at":' || coalesce('"' || to_char(n.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"created_by_id":' || coalesce(to_json(n.created_by_id::text)::text, 'null')
    || ',"expires_at":' || coalesce('"' || to_char(n.expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"hint":' || coalesce(to_json(n.hint::text)::text, 'null')
    || ',"id":' || coalesce(to_json(n.id::text)::text, 'null')
    || ',"kind":' || coalesce(to_json(n.kind::text)::text, 'null')
    || ',"name":' || coalesce(to_json(n.name::text)::text, 'null')
    || ',"revoked_at":' || coalesce('"' || to_char(n.revoked_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"revoked_by_id":' || coalesce(to_json(n.revoked_by_id::text)::text, 'null')
    || ',"server_id":' || coalesce(to_json(n.server_id::text)::text, 'null')
    || ',"tenant_id":' || coalesce(to_json(n.tenant_id::text)::text, 'null')
    || ',"token_hash_sha256":' || coalesce('"' || encode(sha256(convert_to(n.token_hash, 'UTF8')), 'hex') || '"', 'null')
    || ',"user_id":' || coalesce(to_json(n.user_id::text)::text, 'null')
    || '},"v":1}'
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_api_tokens() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'api_token', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_api_tokens(n), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER api_tokens_log_insert AFTER INSERT ON "api_tokens" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_api_tokens();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_api_tokens_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'api_token', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_api_tokens(n), txid_current()) AS leaf) l
  WHERE NOT EXISTS (SELECT 1 FROM vigil_before o WHERE o.tenant_id = n.tenant_id AND o.id = n.id AND vigil_leaf_api_tokens(o) = vigil_leaf_api_tokens(n));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER api_tokens_log_update AFTER UPDATE ON "api_tokens" REFERENCING OLD TABLE AS vigil_before NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_api_tokens_update();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_api_tokens_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'api_token', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_deleted n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_deleted(vigil_leaf_api_tokens(n)), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER api_tokens_log_delete AFTER DELETE ON "api_tokens" REFERENCING OLD TABLE AS vigil_deleted FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_api_tokens_delete();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_leaf_servers(n "servers") RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"kind":"server","row":{'
    || '"created_at":' || coalesce('"' || to_char(n.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"deleted_at":' || coalesce('"' || to_char(n.deleted_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"hostname":' || coalesce(to_json(n.hostname::text)::text, 'null')
    || ',"id":' || coalesce(to_json(n.id::text)::text, 'null')
    || ',"ip_address":' || coalesce(to_json(abbrev(n.ip_address))::text, 'null')
    || ',"labels":' || vigil_canonical_json(n.labels)
    || ',"name":' || coalesce(to_json(n.name::text)::text, 'null')
    || ',"os":' || coalesce(to_json(n.os::text)::text, 'null')
    || ',"tenant_id":' || coalesce(to_json(n.tenant_id::text)::text, 'null')
    || ',"updated_at":' || coalesce('"' || to_char(n.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || '},"v":1}'
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_servers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'server', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_servers(n), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER servers_log_insert AFTER INSERT ON "servers" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_servers();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_servers_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'server', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_servers(n), txid_current()) AS leaf) l
  WHERE NOT EXISTS (SELECT 1 FROM vigil_before o WHERE o.tenant_id = n.tenant_id AND o.id = n.id AND vigil_leaf_servers(o) = vigil_leaf_servers(n));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER servers_log_update AFTER UPDATE ON "servers" REFERENCING OLD TABLE AS vigil_before NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_servers_update();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_servers_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'server', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_deleted n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_deleted(vigil_leaf_servers(n)), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER servers_log_delete AFTER DELETE ON "servers" REFERENCING OLD TABLE AS vigil_deleted FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_servers_delete();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_leaf_approval_policies(n "approval_policies") RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"kind":"approval_policy","row":{'
    || '"approver_groups":' || coalesce(array_to_json(n.approver_groups)::text, 'null')
    || ',"auto_approve_commands":' || coalesce(array_to_json(n.auto_approve_commands)::text, 'null')
    || ',"chat_approval":' || coalesce(to_json(n.chat_approval::text)::text, 'null')
    || ',"chat_max_duration_seconds":' || coalesce(n.chat_max_duration_seconds::text, 'null')
    || ',"created_at":' || coalesce('"' || to_char(n.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"decision_timeout_seconds":' || coalesce(n.decision_timeout_seconds::text, 'null')
    || ',"deleted_at":' || coalesce('"' || to_char(n.deleted_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"description":' || coalesce(to_json(n.description::text)::text, 'null')
    || ',"id":' || coalesce(to_json(n.id::text)::text, 'null')
    || ',"is_admin_approver":' || coalesce(n.is_admin_approver::text, 'null')
    || ',"is_approval_justification_required":' || coalesce(n.is_approval_justification_required::text, 'null')
    || ',"is_enabled":' || coalesce(n.is_enabled::text, 'null')
    || ',"max_duration_seconds":' || coalesce(n.max_duration_seconds::text, 'null')
    || ',"name":' || coalesce(to_json(n.name::text)::text, 'null')
    || ',"priority":' || coalesce(n.priority::text, 'null')
    || ',"request_kinds":' || coalesce(array_to_json(n.request_kinds)::text, 'null')
    || ',"requester_groups":' || coalesce(array_to_json(n.requester_groups)::text, 'null')
    || ',"required_approvals":' || coalesce(n.required_approvals::text, 'null')
    || ',"server_labels":' || vigil_canonical_json(n.server_labels)
    || ',"tenant_id":' || coalesce(to_json(n.tenant_id::text)::text, 'null')
    || ',"updated_at":' || coalesce('"' || to_char(n.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || '},"v":1}'
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_approval_policies() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'approval_policy', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_approval_policies(n), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER approval_policies_log_insert AFTER INSERT ON "approval_policies" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_approval_policies();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_approval_policies_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'approval_policy', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_approval_policies(n), txid_current()) AS leaf) l
  WHERE NOT EXISTS (SELECT 1 FROM vigil_before o WHERE o.tenant_id = n.tenant_id AND o.id = n.id AND vigil_leaf_approval_policies(o) = vigil_leaf_approval_policies(n));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER approval_policies_log_update AFTER UPDATE ON "approval_policies" REFERENCING OLD TABLE AS vigil_before NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_approval_policies_update();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_approval_policies_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'approval_policy', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_deleted n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_deleted(vigil_leaf_approval_policies(n)), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER approval_policies_log_delete AFTER DELETE ON "approval_policies" REFERENCING OLD TABLE AS vigil_deleted FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_approval_policies_delete();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_leaf_retention_policies(n "retention_policies") RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"kind":"retention_policy","row":{'
    || '"days":' || coalesce(n.days::text, 'null')
    || ',"kind":' || coalesce(to_json(n.kind::text)::text, 'null')
    || ',"tenant_id":' || coalesce(to_json(n.tenant_id::text)::text, 'null')
    || ',"updated_at":' || coalesce('"' || to_char(n.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || '},"v":1}'
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_retention_policies() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'retention_policy', n.kind, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_retention_policies(n), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER retention_policies_log_insert AFTER INSERT ON "retention_policies" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_retention_policies();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_retention_policies_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'retention_policy', n.kind, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_retention_policies(n), txid_current()) AS leaf) l
  WHERE NOT EXISTS (SELECT 1 FROM vigil_before o WHERE o.tenant_id = n.tenant_id AND o.kind = n.kind AND vigil_leaf_retention_policies(o) = vigil_leaf_retention_policies(n));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER retention_policies_log_update AFTER UPDATE ON "retention_policies" REFERENCING OLD TABLE AS vigil_before NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_retention_policies_update();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_retention_policies_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'retention_policy', n.kind, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_deleted n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_deleted(vigil_leaf_retention_policies(n)), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER retention_policies_log_delete AFTER DELETE ON "retention_policies" REFERENCING OLD TABLE AS vigil_deleted FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_retention_policies_delete();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_leaf_notification_channels(n "notification_channels") RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"kind":"notification_channel","row":{'
    || '"config":' || vigil_canonical_json(n.config)
    || ',"created_at":' || coalesce('"' || to_char(n.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"id":' || coalesce(to_json(n.id::text)::text, 'null')
    || ',"name":' || coalesce(to_json(n.name::text)::text, 'null')
    || ',"sealed_secrets_sha256":' || coalesce('"' || encode(sha256(convert_to(n.sealed_secrets, 'UTF8')), 'hex') || '"', 'null')
    || ',"tenant_id":' || coalesce(to_json(n.tenant_id::text)::text, 'null')
    || ',"type":' || coalesce(to_json(n.type::text)::text, 'null')
    || ',"updated_at":' || coalesce('"' || to_char(n.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || '},"v":1}'
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_notification_channels() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'notification_channel', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_notification_channels(n), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER notification_channels_log_insert AFTER INSERT ON "notification_channels" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_notification_channels();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_notification_channels_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'notification_channel', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_notification_channels(n), txid_current()) AS leaf) l
  WHERE NOT EXISTS (SELECT 1 FROM vigil_before o WHERE o.tenant_id = n.tenant_id AND o.id = n.id AND vigil_leaf_notification_channels(o) = vigil_leaf_notification_channels(n));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER notification_channels_log_update AFTER UPDATE ON "notification_channels" REFERENCING OLD TABLE AS vigil_before NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_notification_channels_update();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_notification_channels_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'notification_channel', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_deleted n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_deleted(vigil_leaf_notification_channels(n)), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER notification_channels_log_delete AFTER DELETE ON "notification_channels" REFERENCING OLD TABLE AS vigil_deleted FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_notification_channels_delete();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_leaf_alert_rules(n "alert_rules") RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"kind":"alert_rule","row":{'
    || '"channel_ids":' || coalesce(array_to_json(n.channel_ids)::text, 'null')
    || ',"condition":' || coalesce(to_json(n.condition::text)::text, 'null')
    || ',"created_at":' || coalesce('"' || to_char(n.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"id":' || coalesce(to_json(n.id::text)::text, 'null')
    || ',"is_enabled":' || coalesce(n.is_enabled::text, 'null')
    || ',"name":' || coalesce(to_json(n.name::text)::text, 'null')
    || ',"parameters":' || vigil_canonical_json(n.parameters)
    || ',"severity":' || coalesce(to_json(n.severity::text)::text, 'null')
    || ',"tenant_id":' || coalesce(to_json(n.tenant_id::text)::text, 'null')
    || ',"threshold":' || coalesce(n.threshold::text, 'null')
    || ',"updated_at":' || coalesce('"' || to_char(n.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"watches_from":' || coalesce('"' || to_char(n.watches_from at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"window_seconds":' || coalesce(n.window_seconds::text, 'null')
    || '},"v":1}'
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_alert_rules() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'alert_rule', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_alert_rules(n), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER alert_rules_log_insert AFTER INSERT ON "alert_rules" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_alert_rules();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_alert_rules_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'alert_rule', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_alert_rules(n), txid_current()) AS leaf) l
  WHERE NOT EXISTS (SELECT 1 FROM vigil_before o WHERE o.tenant_id = n.tenant_id AND o.id = n.id AND vigil_leaf_alert_rules(o) = vigil_leaf_alert_rules(n));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER alert_rules_log_update AFTER UPDATE ON "alert_rules" REFERENCING OLD TABLE AS vigil_before NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_alert_rules_update();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_alert_rules_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'alert_rule', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_deleted n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_deleted(vigil_leaf_alert_rules(n)), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER alert_rules_log_delete AFTER DELETE ON "alert_rules" REFERENCING OLD TABLE AS vigil_deleted FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_alert_rules_delete();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_leaf_alerts(n "alerts") RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"kind":"alert","row":{'
    || '"acknowledged_at":' || coalesce('"' || to_char(n.acknowledged_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"acknowledged_by_id":' || coalesce(to_json(n.acknowledged_by_id::text)::text, 'null')
    || ',"details":' || vigil_canonical_json(n.details)
    || ',"fired_at":' || coalesce('"' || to_char(n.fired_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"id":' || coalesce(to_json(n.id::text)::text, 'null')
    || ',"message":' || coalesce(to_json(n.message::text)::text, 'null')
    || ',"resolved_at":' || coalesce('"' || to_char(n.resolved_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"resolved_by_id":' || coalesce(to_json(n.resolved_by_id::text)::text, 'null')
    || ',"rule_id":' || coalesce(to_json(n.rule_id::text)::text, 'null')
    || ',"severity":' || coalesce(to_json(n.severity::text)::text, 'null')
    || ',"state":' || coalesce(to_json(n.state::text)::text, 'null')
    || ',"subject":' || coalesce(to_json(n.subject::text)::text, 'null')
    || ',"tenant_id":' || coalesce(to_json(n.tenant_id::text)::text, 'null')
    || ',"title":' || coalesce(to_json(n.title::text)::text, 'null')
    || '},"v":1}'
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_alerts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'alert', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_alerts(n), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER alerts_log_insert AFTER INSERT ON "alerts" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_alerts();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_alerts_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'alert', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_alerts(n), txid_current()) AS leaf) l
  WHERE NOT EXISTS (SELECT 1 FROM vigil_before o WHERE o.tenant_id = n.tenant_id AND o.id = n.id AND vigil_leaf_alerts(o) = vigil_leaf_alerts(n));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER alerts_log_update AFTER UPDATE ON "alerts" REFERENCING OLD TABLE AS vigil_before NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_alerts_update();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_alerts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'alert', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_deleted n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_deleted(vigil_leaf_alerts(n)), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER alerts_log_delete AFTER DELETE ON "alerts" REFERENCING OLD TABLE AS vigil_deleted FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_alerts_delete();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_leaf_webhook_subscriptions(n "webhook_subscriptions") RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"kind":"webhook_subscription","row":{'
    || '"created_at":' || coalesce('"' || to_char(n.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"disabled_reason":' || coalesce(to_json(n.disabled_reason::text)::text, 'null')
    || ',"event_types":' || coalesce(array_to_json(n.event_types)::text, 'null')
    || ',"header_names":' || coalesce(array_to_json(n.header_names)::text, 'null')
    || ',"id":' || coalesce(to_json(n.id::text)::text, 'null')
    || ',"is_active":' || coalesce(n.is_active::text, 'null')
    || ',"name":' || coalesce(to_json(n.name::text)::text, 'null')
    || ',"sealed_headers_sha256":' || coalesce('"' || encode(sha256(convert_to(n.sealed_headers, 'UTF8')), 'hex') || '"', 'null')
    || ',"sealed_secret_sha256":' || coalesce('"' || encode(sha256(convert_to(n.sealed_secret, 'UTF8')), 'hex') || '"', 'null')
    || ',"tenant_id":' || coalesce(to_json(n.tenant_id::text)::text, 'null')
    || ',"updated_at":' || coalesce('"' || to_char(n.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"url":' || coalesce(to_json(n.url::text)::text, 'null')
    || '},"v":1}'
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_webhook_subscriptions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'webhook_subscription', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_webhook_subscriptions(n), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER webhook_subscriptions_log_insert AFTER INSERT ON "webhook_subscriptions" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_webhook_subscriptions();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_webhook_subscriptions_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'webhook_subscription', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_webhook_subscriptions(n), txid_current()) AS leaf) l
  WHERE NOT EXISTS (SELECT 1 FROM vigil_before o WHERE o.tenant_id = n.tenant_id AND o.id = n.id AND vigil_leaf_webhook_subscriptions(o) = vigil_leaf_webhook_subscriptions(n));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER webhook_subscriptions_log_update AFTER UPDATE ON "webhook_subscriptions" REFERENCING OLD TABLE AS vigil_before NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_webhook_subscriptions_update();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_webhook_subscriptions_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'webhook_subscription', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_deleted n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_deleted(vigil_leaf_webhook_subscriptions(n)), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER webhook_subscriptions_log_delete AFTER DELETE ON "webhook_subscriptions" REFERENCING OLD TABLE AS vigil_deleted FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_webhook_subscriptions_delete();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_leaf_chat_workspaces(n "chat_workspaces") RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"kind":"chat_workspace","row":{'
    || '"approver_channel":' || coalesce(to_json(n.approver_channel::text)::text, 'null')
    || ',"approver_reference":' || vigil_canonical_json(n.approver_reference)
    || ',"created_at":' || coalesce('"' || to_char(n.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"external_id":' || coalesce(to_json(n.external_id::text)::text, 'null')
    || ',"provider":' || coalesce(to_json(n.provider::text)::text, 'null')
    || ',"tenant_id":' || coalesce(to_json(n.tenant_id::text)::text, 'null')
    || ',"updated_at":' || coalesce('"' || to_char(n.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"verified_at":' || coalesce('"' || to_char(n.verified_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"verified_by":' || coalesce(to_json(n.verified_by::text)::text, 'null')
    || '},"v":1}'
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_chat_workspaces() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'chat_workspace', n.provider, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_chat_workspaces(n), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER chat_workspaces_log_insert AFTER INSERT ON "chat_workspaces" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_chat_workspaces();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_chat_workspaces_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'chat_workspace', n.provider, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_chat_workspaces(n), txid_current()) AS leaf) l
  WHERE NOT EXISTS (SELECT 1 FROM vigil_before o WHERE o.tenant_id = n.tenant_id AND o.provider = n.provider AND vigil_leaf_chat_workspaces(o) = vigil_leaf_chat_workspaces(n));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER chat_workspaces_log_update AFTER UPDATE ON "chat_workspaces" REFERENCING OLD TABLE AS vigil_before NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_chat_workspaces_update();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_chat_workspaces_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'chat_workspace', n.provider, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_deleted n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_deleted(vigil_leaf_chat_workspaces(n)), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER chat_workspaces_log_delete AFTER DELETE ON "chat_workspaces" REFERENCING OLD TABLE AS vigil_deleted FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_chat_workspaces_delete();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_leaf_chat_workspace_claims(n "chat_workspace_claims") RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"kind":"chat_workspace_claim","row":{'
    || '"approver_channel":' || coalesce(to_json(n.approver_channel::text)::text, 'null')
    || ',"created_at":' || coalesce('"' || to_char(n.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"expires_at":' || coalesce('"' || to_char(n.expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"external_id":' || coalesce(to_json(n.external_id::text)::text, 'null')
    || ',"provider":' || coalesce(to_json(n.provider::text)::text, 'null')
    || ',"requested_by":' || coalesce(to_json(n.requested_by::text)::text, 'null')
    || ',"tenant_id":' || coalesce(to_json(n.tenant_id::text)::text, 'null')
    || '},"v":1}'
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_chat_workspace_claims() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'chat_workspace_claim', 'claim:' || n.provider, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_chat_workspace_claims(n), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER chat_workspace_claims_log_insert AFTER INSERT ON "chat_workspace_claims" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_chat_workspace_claims();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_chat_workspace_claims_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'chat_workspace_claim', 'claim:' || n.provider, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_chat_workspace_claims(n), txid_current()) AS leaf) l
  WHERE NOT EXISTS (SELECT 1 FROM vigil_before o WHERE o.tenant_id = n.tenant_id AND o.provider = n.provider AND vigil_leaf_chat_workspace_claims(o) = vigil_leaf_chat_workspace_claims(n));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER chat_workspace_claims_log_update AFTER UPDATE ON "chat_workspace_claims" REFERENCING OLD TABLE AS vigil_before NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_chat_workspace_claims_update();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_chat_workspace_claims_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'chat_workspace_claim', 'claim:' || n.provider, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_deleted n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_deleted(vigil_leaf_chat_workspace_claims(n)), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER chat_workspace_claims_log_delete AFTER DELETE ON "chat_workspace_claims" REFERENCING OLD TABLE AS vigil_deleted FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_chat_workspace_claims_delete();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_leaf_chat_identities(n "chat_identities") RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"kind":"chat_identity","row":{'
    || '"conversation":' || vigil_canonical_json(n.conversation)
    || ',"created_at":' || coalesce('"' || to_char(n.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"external_user_id":' || coalesce(to_json(n.external_user_id::text)::text, 'null')
    || ',"linked_via":' || coalesce(to_json(n.linked_via::text)::text, 'null')
    || ',"provider":' || coalesce(to_json(n.provider::text)::text, 'null')
    || ',"tenant_id":' || coalesce(to_json(n.tenant_id::text)::text, 'null')
    || ',"user_id":' || coalesce(to_json(n.user_id::text)::text, 'null')
    || '},"v":1}'
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_chat_identities() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'chat_identity', n.provider || ':' || n.external_user_id, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_chat_identities(n), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER chat_identities_log_insert AFTER INSERT ON "chat_identities" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_chat_identities();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_chat_identities_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'chat_identity', n.provider || ':' || n.external_user_id, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_chat_identities(n), txid_current()) AS leaf) l
  WHERE NOT EXISTS (SELECT 1 FROM vigil_before o WHERE o.tenant_id = n.tenant_id AND o.provider = n.provider AND o.external_user_id = n.external_user_id AND vigil_leaf_chat_identities(o) = vigil_leaf_chat_identities(n));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER chat_identities_log_update AFTER UPDATE ON "chat_identities" REFERENCING OLD TABLE AS vigil_before NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_chat_identities_update();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_chat_identities_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'chat_identity', n.provider || ':' || n.external_user_id, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_deleted n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_deleted(vigil_leaf_chat_identities(n)), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER chat_identities_log_delete AFTER DELETE ON "chat_identities" REFERENCING OLD TABLE AS vigil_deleted FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_chat_identities_delete();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_leaf_chat_link_codes(n "chat_link_codes") RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"kind":"chat_link_code","row":{'
    || '"created_at":' || coalesce('"' || to_char(n.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"expires_at":' || coalesce('"' || to_char(n.expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"id":' || coalesce(to_json(n.id::text)::text, 'null')
    || ',"tenant_id":' || coalesce(to_json(n.tenant_id::text)::text, 'null')
    || ',"used_at":' || coalesce('"' || to_char(n.used_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"user_id":' || coalesce(to_json(n.user_id::text)::text, 'null')
    || '},"v":1}'
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_chat_link_codes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'chat_link_code', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_chat_link_codes(n), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER chat_link_codes_log_insert AFTER INSERT ON "chat_link_codes" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_chat_link_codes();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_chat_link_codes_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'chat_link_code', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_chat_link_codes(n), txid_current()) AS leaf) l
  WHERE NOT EXISTS (SELECT 1 FROM vigil_before o WHERE o.tenant_id = n.tenant_id AND o.code_hash = n.code_hash AND vigil_leaf_chat_link_codes(o) = vigil_leaf_chat_link_codes(n));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER chat_link_codes_log_update AFTER UPDATE ON "chat_link_codes" REFERENCING OLD TABLE AS vigil_before NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_chat_link_codes_update();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_chat_link_codes_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'chat_link_code', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_deleted n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_deleted(vigil_leaf_chat_link_codes(n)), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER chat_link_codes_log_delete AFTER DELETE ON "chat_link_codes" REFERENCING OLD TABLE AS vigil_deleted FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_chat_link_codes_delete();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_leaf_user_totp(n "user_totp") RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT '{"kind":"user_totp","row":{'
    || '"confirmed_at":' || coalesce('"' || to_char(n.confirmed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
    || ',"created_at":' || coalesce('"' || to_char(n.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"last_used_step":' || coalesce(n.last_used_step::text, 'null')
    || ',"sealed_secret_sha256":' || coalesce('"' || encode(sha256(convert_to(n.sealed_secret, 'UTF8')), 'hex') || '"', 'null')
    || ',"tenant_id":' || coalesce(to_json(n.tenant_id::text)::text, 'null')
    || ',"updated_at":' || coalesce('"' || to_char(n.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
    || ',"user_id":' || coalesce(to_json(n.user_id::text)::text, 'null')
    || '},"v":1}'
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_user_totp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'user_totp', n.user_id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_user_totp(n), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER user_totp_log_insert AFTER INSERT ON "user_totp" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_user_totp();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_user_totp_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'user_totp', n.user_id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_written n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_user_totp(n), txid_current()) AS leaf) l
  WHERE NOT EXISTS (SELECT 1 FROM vigil_before o WHERE o.tenant_id = n.tenant_id AND o.user_id = n.user_id AND vigil_leaf_user_totp(o) = vigil_leaf_user_totp(n));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER user_totp_log_update AFTER UPDATE ON "user_totp" REFERENCING OLD TABLE AS vigil_before NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_user_totp_update();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_queue_user_totp_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
  SELECT n.tenant_id, 'user_totp', n.user_id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
  FROM vigil_deleted n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_deleted(vigil_leaf_user_totp(n)), txid_current()) AS leaf) l;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER user_totp_log_delete AFTER DELETE ON "user_totp" REFERENCING OLD TABLE AS vigil_deleted FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_user_totp_delete();
--> statement-breakpoint
SELECT set_config('vigil.log_writer_before_0014', coalesce(current_setting('vigil.log_writer', true), ''), true), set_config('vigil.log_writer', 'on', true);
--> statement-breakpoint
INSERT INTO audit_entries (tenant_id, id, occurred_at, actor_type, actor_id, action, resource_type, resource_name, after)
SELECT t.id, gen_random_uuid(), now(), 'system', 'migration', 'log.coverage_extended', 'log', '0014_log_settings', jsonb_build_object('kinds', '["user","api_token","server","approval_policy","retention_policy","notification_channel","alert_rule","alert","webhook_subscription","chat_workspace","chat_workspace_claim","chat_identity","chat_link_code","user_totp"]'::jsonb)
FROM tenants t ORDER BY t.id;
--> statement-breakpoint
INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
SELECT n.tenant_id, 'user', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
FROM "users" n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_users(n), txid_current()) AS leaf) l ORDER BY n.tenant_id, n.id::text;
--> statement-breakpoint
INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
SELECT n.tenant_id, 'api_token', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
FROM "api_tokens" n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_api_tokens(n), txid_current()) AS leaf) l ORDER BY n.tenant_id, n.id::text;
--> statement-breakpoint
INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
SELECT n.tenant_id, 'server', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
FROM "servers" n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_servers(n), txid_current()) AS leaf) l ORDER BY n.tenant_id, n.id::text;
--> statement-breakpoint
INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
SELECT n.tenant_id, 'approval_policy', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
FROM "approval_policies" n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_approval_policies(n), txid_current()) AS leaf) l ORDER BY n.tenant_id, n.id::text;
--> statement-breakpoint
INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
SELECT n.tenant_id, 'retention_policy', n.kind, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
FROM "retention_policies" n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_retention_policies(n), txid_current()) AS leaf) l ORDER BY n.tenant_id, n.kind;
--> statement-breakpoint
INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
SELECT n.tenant_id, 'notification_channel', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
FROM "notification_channels" n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_notification_channels(n), txid_current()) AS leaf) l ORDER BY n.tenant_id, n.id::text;
--> statement-breakpoint
INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
SELECT n.tenant_id, 'alert_rule', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
FROM "alert_rules" n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_alert_rules(n), txid_current()) AS leaf) l ORDER BY n.tenant_id, n.id::text;
--> statement-breakpoint
INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
SELECT n.tenant_id, 'alert', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
FROM "alerts" n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_alerts(n), txid_current()) AS leaf) l ORDER BY n.tenant_id, n.id::text;
--> statement-breakpoint
INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
SELECT n.tenant_id, 'webhook_subscription', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
FROM "webhook_subscriptions" n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_webhook_subscriptions(n), txid_current()) AS leaf) l ORDER BY n.tenant_id, n.id::text;
--> statement-breakpoint
INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
SELECT n.tenant_id, 'chat_workspace', n.provider, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
FROM "chat_workspaces" n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_chat_workspaces(n), txid_current()) AS leaf) l ORDER BY n.tenant_id, n.provider;
--> statement-breakpoint
INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
SELECT n.tenant_id, 'chat_workspace_claim', 'claim:' || n.provider, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
FROM "chat_workspace_claims" n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_chat_workspace_claims(n), txid_current()) AS leaf) l ORDER BY n.tenant_id, 'claim:' || n.provider;
--> statement-breakpoint
INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
SELECT n.tenant_id, 'chat_identity', n.provider || ':' || n.external_user_id, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
FROM "chat_identities" n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_chat_identities(n), txid_current()) AS leaf) l ORDER BY n.tenant_id, n.provider || ':' || n.external_user_id;
--> statement-breakpoint
INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
SELECT n.tenant_id, 'chat_link_code', n.id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
FROM "chat_link_codes" n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_chat_link_codes(n), txid_current()) AS leaf) l ORDER BY n.tenant_id, n.id::text;
--> statement-breakpoint
INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
SELECT n.tenant_id, 'user_totp', n.user_id::text, l.leaf, sha256('\x00'::bytea || convert_to(l.leaf, 'UTF8'))
FROM "user_totp" n CROSS JOIN LATERAL (SELECT vigil_leaf_in_transaction(vigil_leaf_user_totp(n), txid_current()) AS leaf) l ORDER BY n.tenant_id, n.user_id::text;
--> statement-breakpoint
SELECT set_config('vigil.log_writer', current_setting('vigil.log_writer_before_0014'), true);
