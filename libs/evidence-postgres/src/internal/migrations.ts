/**
 * The evidence schema on PostgreSQL, as numbered migrations recorded in a
 * version table. Every table is prefixed `rollwise_` so the store can share
 * an existing database (and schema) with other applications.
 */

/**
 * One step of the schema. Versions are 1, 2, 3 … in order; a released
 * migration is never edited, a change is a new migration at the end. Each
 * statement runs on its own (the extended protocol takes one per query).
 */
export interface Migration {
  readonly version: number
  readonly description: string
  readonly statements: ReadonlyArray<string>
}

/** The table that records which migrations ran. */
export const versionTable = "rollwise_schema_version"

/** "RWEV": the advisory lock every migrating process takes, so concurrent starts migrate once. */
export const migrationLock = 0x52574556

const refusals = (table: string): ReadonlyArray<string> => [
  `CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION rollwise_refuse_rewrite()`,
  `CREATE TRIGGER ${table}_never_truncated BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION rollwise_refuse_rewrite()`
]

/** The schema, oldest first. */
export const migrations: ReadonlyArray<Migration> = [
  {
    version: 1,
    description: "rollouts, their events and their endings; append-only (UPDATE, DELETE, TRUNCATE and upserts refused)",
    statements: [
      `CREATE FUNCTION rollwise_refuse_rewrite() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
  RAISE EXCEPTION 'evidence is append-only: % rows are never %', TG_TABLE_NAME,
    CASE TG_OP WHEN 'UPDATE' THEN 'updated (nor upserted over)' WHEN 'DELETE' THEN 'deleted' ELSE 'truncated' END
    USING ERRCODE = 'restrict_violation';
END
$body$`,
      `CREATE TABLE rollwise_rollouts (
  rollout_id   text NOT NULL PRIMARY KEY,
  service      text NOT NULL,
  module       text,
  version      text,
  build_number text,
  target       text NOT NULL,
  started_at   double precision NOT NULL,
  data         text
)`,
      `CREATE INDEX rollwise_rollouts_newest ON rollwise_rollouts (started_at DESC, rollout_id COLLATE "C" DESC)`,
      `CREATE INDEX rollwise_rollouts_by_service ON rollwise_rollouts (service, module, started_at DESC)`,
      `CREATE TABLE rollwise_events (
  rollout_id text NOT NULL REFERENCES rollwise_rollouts (rollout_id),
  seq        integer NOT NULL CHECK (seq >= 1),
  at         double precision NOT NULL,
  type       text NOT NULL,
  data       text,
  PRIMARY KEY (rollout_id, seq)
)`,
      `CREATE TABLE rollwise_endings (
  rollout_id  text NOT NULL PRIMARY KEY REFERENCES rollwise_rollouts (rollout_id),
  result      text NOT NULL CHECK (result IN ('promoted', 'rolled_back', 'aborted')),
  finished_at double precision NOT NULL
)`,
      ...refusals("rollwise_rollouts"),
      ...refusals("rollwise_events"),
      ...refusals("rollwise_endings")
    ]
  },
  {
    version: 2,
    description: "the driver's lease per rollout: one row, renewed in place; its fencing token never goes back and the row is never deleted",
    statements: [
      `CREATE TABLE rollwise_leases (
  rollout_id  text NOT NULL PRIMARY KEY REFERENCES rollwise_rollouts (rollout_id),
  token       integer NOT NULL CHECK (token >= 1),
  host        text NOT NULL,
  pid         integer NOT NULL,
  kind        text NOT NULL,
  acquired_at double precision NOT NULL,
  expires_at  double precision NOT NULL,
  released    boolean NOT NULL DEFAULT false
)`,
      `CREATE FUNCTION rollwise_lease_guard() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF NEW.rollout_id <> OLD.rollout_id OR NEW.token < OLD.token THEN
      RAISE EXCEPTION 'a lease''s fencing token never goes back' USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'a lease row is never deleted: its fencing token must keep growing' USING ERRCODE = 'restrict_violation';
END
$body$`,
      `CREATE TRIGGER rollwise_leases_guarded BEFORE UPDATE OR DELETE ON rollwise_leases FOR EACH ROW EXECUTE FUNCTION rollwise_lease_guard()`,
      `CREATE TRIGGER rollwise_leases_never_truncated BEFORE TRUNCATE ON rollwise_leases FOR EACH STATEMENT EXECUTE FUNCTION rollwise_refuse_rewrite()`
    ]
  },
  {
    version: 3,
    description: "every write in one round trip: server-side functions that lock the rollout's row, check the lease's fencing token and write, in the caller's statement",
    statements: [
      `CREATE FUNCTION rollwise_clock(p_now double precision) RETURNS double precision LANGUAGE sql VOLATILE AS $body$
  SELECT coalesce(p_now, floor(extract(epoch FROM clock_timestamp()) * 1000)::double precision)
$body$`,
      // outcome: ok | not_found | superseded | conflict; l_*: the live lease when superseded; seq: the new event's (ok) or the last one (conflict)
      `CREATE FUNCTION rollwise_append(p_rollout text, p_token integer, p_expected integer, p_at double precision, p_type text, p_data text)
RETURNS TABLE (outcome text, seq integer, l_token integer, l_host text, l_pid integer, l_kind text, l_expires double precision, l_released boolean)
LANGUAGE plpgsql VOLATILE AS $body$
#variable_conflict use_column
DECLARE
  lease rollwise_leases%ROWTYPE;
  last integer;
BEGIN
  PERFORM 1 FROM rollwise_rollouts r WHERE r.rollout_id = p_rollout FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'not_found'::text, NULL::integer, NULL::integer, NULL::text, NULL::integer, NULL::text, NULL::double precision, NULL::boolean;
    RETURN;
  END IF;
  IF p_token IS NOT NULL THEN
    SELECT * INTO lease FROM rollwise_leases l WHERE l.rollout_id = p_rollout;
    IF lease.rollout_id IS NULL OR lease.token <> p_token OR lease.released THEN
      RETURN QUERY SELECT 'superseded'::text, NULL::integer, lease.token, lease.host, lease.pid, lease.kind, lease.expires_at, lease.released;
      RETURN;
    END IF;
  END IF;
  SELECT coalesce(max(e.seq), 0) INTO last FROM rollwise_events e WHERE e.rollout_id = p_rollout;
  IF p_expected IS NOT NULL AND p_expected <> last THEN
    RETURN QUERY SELECT 'conflict'::text, last, NULL::integer, NULL::text, NULL::integer, NULL::text, NULL::double precision, NULL::boolean;
    RETURN;
  END IF;
  INSERT INTO rollwise_events (rollout_id, seq, at, type, data) VALUES (p_rollout, last + 1, p_at, p_type, p_data);
  RETURN QUERY SELECT 'ok'::text, last + 1, NULL::integer, NULL::text, NULL::integer, NULL::text, NULL::double precision, NULL::boolean;
END
$body$`,
      // outcome: ok (ended now) | same (already ended so) | not_found | superseded | conflict (ended otherwise: result says how)
      `CREATE FUNCTION rollwise_finish(p_rollout text, p_token integer, p_result text, p_at double precision)
RETURNS TABLE (outcome text, result text, finished_at double precision, l_token integer, l_host text, l_pid integer, l_kind text, l_expires double precision, l_released boolean)
LANGUAGE plpgsql VOLATILE AS $body$
#variable_conflict use_column
DECLARE
  lease rollwise_leases%ROWTYPE;
  ending rollwise_endings%ROWTYPE;
BEGIN
  PERFORM 1 FROM rollwise_rollouts r WHERE r.rollout_id = p_rollout FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'not_found'::text, NULL::text, NULL::double precision, NULL::integer, NULL::text, NULL::integer, NULL::text, NULL::double precision, NULL::boolean;
    RETURN;
  END IF;
  IF p_token IS NOT NULL THEN
    SELECT * INTO lease FROM rollwise_leases l WHERE l.rollout_id = p_rollout;
    IF lease.rollout_id IS NULL OR lease.token <> p_token OR lease.released THEN
      RETURN QUERY SELECT 'superseded'::text, NULL::text, NULL::double precision, lease.token, lease.host, lease.pid, lease.kind, lease.expires_at, lease.released;
      RETURN;
    END IF;
  END IF;
  SELECT * INTO ending FROM rollwise_endings x WHERE x.rollout_id = p_rollout;
  IF ending.rollout_id IS NOT NULL THEN
    RETURN QUERY SELECT CASE WHEN ending.result = p_result THEN 'same' ELSE 'conflict' END, ending.result, ending.finished_at,
      NULL::integer, NULL::text, NULL::integer, NULL::text, NULL::double precision, NULL::boolean;
    RETURN;
  END IF;
  INSERT INTO rollwise_endings (rollout_id, result, finished_at) VALUES (p_rollout, p_result, p_at);
  RETURN QUERY SELECT 'ok'::text, p_result, p_at, NULL::integer, NULL::text, NULL::integer, NULL::text, NULL::double precision, NULL::boolean;
END
$body$`,
      // outcome: ok (the new lease) | held (the live one) | not_found
      `CREATE FUNCTION rollwise_acquire(p_rollout text, p_host text, p_pid integer, p_kind text, p_ttl double precision, p_now double precision)
RETURNS TABLE (outcome text, token integer, host text, pid integer, kind text, acquired_at double precision, expires_at double precision)
LANGUAGE plpgsql VOLATILE AS $body$
#variable_conflict use_column
DECLARE
  lease rollwise_leases%ROWTYPE;
  t double precision;
BEGIN
  PERFORM 1 FROM rollwise_rollouts r WHERE r.rollout_id = p_rollout FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'not_found'::text, NULL::integer, NULL::text, NULL::integer, NULL::text, NULL::double precision, NULL::double precision;
    RETURN;
  END IF;
  t := rollwise_clock(p_now);
  SELECT * INTO lease FROM rollwise_leases l WHERE l.rollout_id = p_rollout;
  IF lease.rollout_id IS NOT NULL AND NOT lease.released AND lease.expires_at > t THEN
    RETURN QUERY SELECT 'held'::text, lease.token, lease.host, lease.pid, lease.kind, lease.acquired_at, lease.expires_at;
    RETURN;
  END IF;
  IF lease.rollout_id IS NULL THEN
    INSERT INTO rollwise_leases (rollout_id, token, host, pid, kind, acquired_at, expires_at, released) VALUES (p_rollout, 1, p_host, p_pid, p_kind, t, t + p_ttl, false);
  ELSE
    UPDATE rollwise_leases l SET token = lease.token + 1, host = p_host, pid = p_pid, kind = p_kind, acquired_at = t, expires_at = t + p_ttl, released = false
      WHERE l.rollout_id = p_rollout AND l.token = lease.token;
  END IF;
  RETURN QUERY SELECT 'ok'::text, coalesce(lease.token, 0) + 1, p_host, p_pid, p_kind, t, t + p_ttl;
END
$body$`,
      // outcome: ok (expires_at: the new expiry) | not_found | superseded (the live lease)
      `CREATE FUNCTION rollwise_renew(p_rollout text, p_token integer, p_ttl double precision, p_now double precision)
RETURNS TABLE (outcome text, expires_at double precision, l_token integer, l_host text, l_pid integer, l_kind text, l_expires double precision, l_released boolean)
LANGUAGE plpgsql VOLATILE AS $body$
#variable_conflict use_column
DECLARE
  lease rollwise_leases%ROWTYPE;
  t double precision;
BEGIN
  PERFORM 1 FROM rollwise_rollouts r WHERE r.rollout_id = p_rollout FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'not_found'::text, NULL::double precision, NULL::integer, NULL::text, NULL::integer, NULL::text, NULL::double precision, NULL::boolean;
    RETURN;
  END IF;
  SELECT * INTO lease FROM rollwise_leases l WHERE l.rollout_id = p_rollout;
  IF lease.rollout_id IS NULL OR lease.token <> p_token OR lease.released THEN
    RETURN QUERY SELECT 'superseded'::text, NULL::double precision, lease.token, lease.host, lease.pid, lease.kind, lease.expires_at, lease.released;
    RETURN;
  END IF;
  t := rollwise_clock(p_now);
  UPDATE rollwise_leases l SET expires_at = t + p_ttl WHERE l.rollout_id = p_rollout AND l.token = p_token;
  RETURN QUERY SELECT 'ok'::text, t + p_ttl, NULL::integer, NULL::text, NULL::integer, NULL::text, NULL::double precision, NULL::boolean;
END
$body$`,
      `CREATE FUNCTION rollwise_release(p_rollout text, p_token integer, p_now double precision) RETURNS void LANGUAGE plpgsql VOLATILE AS $body$
BEGIN
  PERFORM 1 FROM rollwise_rollouts r WHERE r.rollout_id = p_rollout FOR UPDATE;
  UPDATE rollwise_leases l SET released = true, expires_at = least(l.expires_at, rollwise_clock(p_now))
    WHERE l.rollout_id = p_rollout AND l.token = p_token AND NOT l.released;
END
$body$`
    ]
  }
]

/** The schema version this code writes and reads. */
export const latestVersion = (list: ReadonlyArray<Migration> = migrations): number => list.at(-1)?.version ?? 0
