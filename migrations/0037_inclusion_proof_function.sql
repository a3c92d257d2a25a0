-- An inclusion proof in one call, planned once per session (server/log/proofs.ts). The statement
-- it replaces was planned again on every request (the connections force custom plans, so no
-- tenant's skew becomes every tenant's plan); its plan was 0.6 of its 1 ms, though every row it
-- reads is found by a tenant's primary-key or unique index, whatever the tenant.
--
-- vigil_inclusion_node_ids: the positions (level, idx) of the nodes of leaf `leaf`'s inclusion
-- proof in the tree of `size` leaves, and of that tree's root when `with_root`: the nodes
-- server/log/merkle.ts reads (inclusionProofRanges split by perfectSubtrees; test/log/
-- proof-statement.test.ts compares them). RFC 6962's tree of `size` leaves is the perfect tree of
-- the next power of two with the empty subtrees left out, so the path is the leaf's sibling at each
-- level below the top where one starts before `size`: whole when it ends by `size`, else (at most
-- one, on the right edge) cut at `size` and split, as any range, into the perfect subtrees of the
-- binary digits of its width. A node may come twice (the cut and the root share the right edge).
CREATE FUNCTION vigil_inclusion_node_ids(leaf bigint, size bigint, with_root boolean)
RETURNS TABLE(level int, idx bigint) LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  depth int;
  sibling bigint;
  cut_start bigint;
  range_start bigint;
  width bigint;
  b int;
  pass int;
BEGIN
  IF size IS NULL OR size < 1 THEN
    RETURN;
  END IF;
  IF leaf IS NOT NULL AND leaf >= 0 AND leaf < size THEN
    depth := length(ltrim((size - 1)::bit(64)::text, '0'));
    FOR l IN 0 .. depth - 1 LOOP
      sibling := (leaf >> l) # 1;
      IF (sibling + 1) << l <= size THEN
        level := l;
        idx := sibling;
        RETURN NEXT;
      ELSIF sibling << l < size THEN
        cut_start := sibling << l;
      END IF;
    END LOOP;
  END IF;
  -- The ranges to split: the cut sibling, then the whole tree for its root.
  FOR pass IN 1 .. 2 LOOP
    range_start := CASE WHEN pass = 1 THEN cut_start WHEN with_root THEN 0 END;
    CONTINUE WHEN range_start IS NULL;
    width := size - range_start;
    FOR b IN 0 .. length(ltrim(width::bit(64)::text, '0')) - 1 LOOP
      IF (width >> b) & 1 = 1 THEN
        level := b;
        idx := (range_start + ((width >> (b + 1)) << (b + 1))) >> b;
        RETURN NEXT;
      END IF;
    END LOOP;
  END LOOP;
END
$$;
--> statement-breakpoint
-- vigil_inclusion_proof: the leaf (at position `p_leaf_index`, or record `p_record`'s latest version),
-- the checkpoint (of size `p_tree_size` when one is asked, else the latest), the log's size (when a
-- size is asked), the stored nodes of the proof (`node_keys`: `level:idx` joined by commas;
-- `node_hashes`: their 32-byte hashes one after another, in the same order) and whether any leaf of
-- the tenant is still queued (the caller then integrates and asks again), all in one snapshot. A
-- generic plan: each branch is gated on its own parameter, and every read is one index probe.
CREATE FUNCTION vigil_inclusion_proof(p_tenant uuid, p_record text, p_leaf_index bigint, p_tree_size bigint)
RETURNS TABLE(
  idx bigint, kind text, record_id text, leaf text, leaf_hash bytea,
  checkpoint_id uuid, checkpoint_size bigint, checkpoint_root_hash bytea, checkpoint_signed_at float8, checkpoint_note text,
  head_size bigint, node_keys text, node_hashes bytea, is_queued boolean
) LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  SELECT l.idx, l.kind, l.record_id, l.leaf, l.leaf_hash,
         c.id, c.size, c.root_hash, (extract(epoch from c.signed_at) * 1000)::float8, c.note,
         CASE WHEN p_tree_size IS NOT NULL THEN (SELECT h.size FROM log_heads h WHERE h.tenant_id = p_tenant) END,
         p.node_keys, p.node_hashes,
         EXISTS (SELECT 1 FROM log_leaves q WHERE q.tenant_id = p_tenant AND q.idx IS NULL)
  FROM (SELECT 1) AS one
  LEFT JOIN (
    (SELECT f.idx, f.kind, f.record_id, f.leaf, f.leaf_hash FROM log_leaves f
      WHERE p_leaf_index IS NOT NULL AND f.tenant_id = p_tenant AND f.idx = p_leaf_index)
    UNION ALL
    (SELECT f.idx, f.kind, f.record_id, f.leaf, f.leaf_hash FROM log_leaves f
      WHERE p_leaf_index IS NULL AND f.tenant_id = p_tenant AND f.record_id = p_record ORDER BY f.leaf_id DESC LIMIT 1)
  ) AS l ON true
  LEFT JOIN (
    (SELECT k.id, k.size, k.root_hash, k.signed_at, k.note FROM log_checkpoints k
      WHERE p_tree_size IS NULL AND k.tenant_id = p_tenant ORDER BY k.signed_at DESC, k.size DESC LIMIT 1)
    UNION ALL
    (SELECT k.id, k.size, k.root_hash, k.signed_at, k.note FROM log_checkpoints k
      WHERE p_tree_size IS NOT NULL AND k.tenant_id = p_tenant AND k.size = p_tree_size ORDER BY k.signed_at DESC LIMIT 1)
  ) AS c ON true
  LEFT JOIN LATERAL (
    -- Stored 32-byte hashes only (anything else is left to the caller's node read, which names it).
    SELECT string_agg(found.level || ':' || found.idx, ',') AS node_keys, string_agg(found.hash, ''::bytea) AS node_hashes
    FROM (
      SELECT w.level, w.idx,
             CASE WHEN w.level = 0 THEN (SELECT z.leaf_hash FROM log_leaves z WHERE z.tenant_id = p_tenant AND z.idx = w.idx)
                  ELSE (SELECT n.hash FROM log_nodes n WHERE n.tenant_id = p_tenant AND n.level = w.level AND n.idx = w.idx) END AS hash
      FROM (SELECT DISTINCT v.level, v.idx FROM vigil_inclusion_node_ids(l.idx, coalesce(p_tree_size, c.size), c.id IS NULL) AS v) AS w
    ) AS found
    WHERE length(found.hash) = 32
  ) AS p ON true;
END
$$;
