ALTER TABLE "user_totp" ADD COLUMN "failed_attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "user_totp" ADD COLUMN "failed_since" timestamp (3) with time zone;