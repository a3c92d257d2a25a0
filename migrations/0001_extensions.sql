-- Trigram search over command lines, paths and log messages, in GIN indexes that lead with
-- tenant_id (btree_gin). Both extensions are trusted: a database owner may create them.
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS btree_gin;
