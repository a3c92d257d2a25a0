-- Stream tokens (issue 23): a third kind, bound to a user as a user token is. No column changes, so
-- the api_token leaf (server/log/leaf-kinds.ts) keeps its shape and earlier leaves still verify.
ALTER TABLE "api_tokens" DROP CONSTRAINT "api_tokens_binding_check";--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_binding_check" CHECK (("api_tokens"."kind" in ('user', 'stream') and "api_tokens"."user_id" is not null and "api_tokens"."server_id" is null)
        or ("api_tokens"."kind" = 'agent' and "api_tokens"."server_id" is not null and "api_tokens"."user_id" is null));