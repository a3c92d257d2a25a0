-- Session authorization cached per agent (issue 24): a tenant's authorization epoch, bumped by
-- triggers on every table a session authorization rests on (approval policies, access sessions,
-- users, servers), so that an agent drops the answers it cached under an older one. One inserted
-- row per statement (nothing to wait on); the tenant must still exist (a tenant's deletion
-- cascades into these tables).
CREATE TABLE "authorization_changes" (
	"tenant_id" uuid NOT NULL,
	"id" bigint GENERATED ALWAYS AS IDENTITY (sequence name "authorization_changes_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"changed_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "authorization_changes_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "authorization_changes" ADD CONSTRAINT "authorization_changes_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION vigil_authorization_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO authorization_changes (tenant_id)
  SELECT DISTINCT c.tenant_id FROM vigil_changed c WHERE EXISTS (SELECT 1 FROM tenants t WHERE t.id = c.tenant_id);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER approval_policies_authorization_insert AFTER INSERT ON "approval_policies" REFERENCING NEW TABLE AS vigil_changed FOR EACH STATEMENT EXECUTE FUNCTION vigil_authorization_changed();
--> statement-breakpoint
CREATE TRIGGER approval_policies_authorization_update AFTER UPDATE ON "approval_policies" REFERENCING NEW TABLE AS vigil_changed FOR EACH STATEMENT EXECUTE FUNCTION vigil_authorization_changed();
--> statement-breakpoint
CREATE TRIGGER approval_policies_authorization_delete AFTER DELETE ON "approval_policies" REFERENCING OLD TABLE AS vigil_changed FOR EACH STATEMENT EXECUTE FUNCTION vigil_authorization_changed();
--> statement-breakpoint
CREATE TRIGGER access_sessions_authorization_insert AFTER INSERT ON "access_sessions" REFERENCING NEW TABLE AS vigil_changed FOR EACH STATEMENT EXECUTE FUNCTION vigil_authorization_changed();
--> statement-breakpoint
CREATE TRIGGER access_sessions_authorization_update AFTER UPDATE ON "access_sessions" REFERENCING NEW TABLE AS vigil_changed FOR EACH STATEMENT EXECUTE FUNCTION vigil_authorization_changed();
--> statement-breakpoint
CREATE TRIGGER access_sessions_authorization_delete AFTER DELETE ON "access_sessions" REFERENCING OLD TABLE AS vigil_changed FOR EACH STATEMENT EXECUTE FUNCTION vigil_authorization_changed();
--> statement-breakpoint
CREATE TRIGGER users_authorization_insert AFTER INSERT ON "users" REFERENCING NEW TABLE AS vigil_changed FOR EACH STATEMENT EXECUTE FUNCTION vigil_authorization_changed();
--> statement-breakpoint
CREATE TRIGGER users_authorization_update AFTER UPDATE ON "users" REFERENCING NEW TABLE AS vigil_changed FOR EACH STATEMENT EXECUTE FUNCTION vigil_authorization_changed();
--> statement-breakpoint
CREATE TRIGGER users_authorization_delete AFTER DELETE ON "users" REFERENCING OLD TABLE AS vigil_changed FOR EACH STATEMENT EXECUTE FUNCTION vigil_authorization_changed();
--> statement-breakpoint
CREATE TRIGGER servers_authorization_insert AFTER INSERT ON "servers" REFERENCING NEW TABLE AS vigil_changed FOR EACH STATEMENT EXECUTE FUNCTION vigil_authorization_changed();
--> statement-breakpoint
CREATE TRIGGER servers_authorization_update AFTER UPDATE ON "servers" REFERENCING NEW TABLE AS vigil_changed FOR EACH STATEMENT EXECUTE FUNCTION vigil_authorization_changed();
--> statement-breakpoint
CREATE TRIGGER servers_authorization_delete AFTER DELETE ON "servers" REFERENCING OLD TABLE AS vigil_changed FOR EACH STATEMENT EXECUTE FUNCTION vigil_authorization_changed();
