-- Alert rules on directives an agent has not answered in time (issue 24): a sixth condition. No column
-- changes, so the alert_rule leaf keeps its shape.
ALTER TABLE "alert_rules" DROP CONSTRAINT "alert_rules_condition_check";--> statement-breakpoint
ALTER TABLE "alert_rules" ADD CONSTRAINT "alert_rules_condition_check" CHECK ("alert_rules"."condition" in ('failed_sign_ins', 'failed_commands', 'command_failed', 'sudo_granted', 'agent_offline', 'directive_overdue'));