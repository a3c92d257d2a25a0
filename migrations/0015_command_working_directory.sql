ALTER TABLE "commands" ADD COLUMN "working_directory" text;
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
    || CASE WHEN n.working_directory IS NULL THEN '' ELSE ',"working_directory":' || coalesce(to_json(n.working_directory::text)::text, 'null') END
    || '},"v":1}'
$$;
