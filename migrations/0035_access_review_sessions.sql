-- Access reviews cover long-lived access sessions (issue 26): the item kind access_session joins the
-- check of access_review_items.item_kind. No column changes: the items' leaves are as before.
ALTER TABLE "access_review_items" DROP CONSTRAINT "access_review_items_kind_check";--> statement-breakpoint
ALTER TABLE "access_review_items" ADD CONSTRAINT "access_review_items_kind_check" CHECK ("access_review_items"."item_kind" in ('permission', 'admin_role', 'group', 'role_assignment', 'sudo_grant', 'api_token', 'access_session'));
