CREATE TABLE "chat_home_views" (
	"tenant_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"external_user_id" text NOT NULL,
	"opened_at" timestamp (3) with time zone NOT NULL,
	"stale_since" timestamp (3) with time zone,
	"notice" text,
	"created_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "chat_home_views_pkey" PRIMARY KEY("tenant_id","provider","external_user_id"),
	CONSTRAINT "chat_home_views_provider_check" CHECK ("chat_home_views"."provider" in ('slack', 'teams'))
);
--> statement-breakpoint
ALTER TABLE "chat_home_views" ADD CONSTRAINT "chat_home_views_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chat_home_views" ADD CONSTRAINT "chat_home_views_identity_fk" FOREIGN KEY ("tenant_id","provider","external_user_id") REFERENCES "public"."chat_identities"("tenant_id","provider","external_user_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "chat_home_views_stale_idx" ON "chat_home_views" USING btree ("tenant_id","provider") WHERE "chat_home_views"."stale_since" is not null;