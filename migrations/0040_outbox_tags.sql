ALTER TABLE "webhook_deliveries" ADD COLUMN "mac" text;--> statement-breakpoint
ALTER TABLE "alert_deliveries" ADD COLUMN "mac" text;--> statement-breakpoint
ALTER TABLE "person_deliveries" ADD COLUMN "mac" text;