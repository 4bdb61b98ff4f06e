import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Technicians on the map (src/technicians, README "Technician location"):
 *
 * - `users.brands`: the phone brands a technician repairs (signup and `PATCH /me`, like skills).
 * - `technician_presence`: one row per technician: availability (`active`, `inactive`, `busy` while
 *   on a job), the current position (`geography(Point,4326)`, rewritten only when the technician
 *   moved ≥ 50 m or ≥ 30 s passed: config), the rolling spoofing score and `flagged_at` (a flagged
 *   technician leaves auto-matching and the nearby list until staff clear the review). The GiST index
 *   is partial on available technicians: the nearby search and matching read only those.
 * - `technician_location_fixes`: every fix received, narrow (coordinates as integer 1e-7 degrees,
 *   which is also the precision the replay rule compares), with its plausibility score and reasons.
 *   Append-only with retention: UPDATE and TRUNCATE are refused by trigger, DELETE only of fixes
 *   received more than a day ago (the purge job keeps `TECHNICIAN_LOCATION_HISTORY_DAYS` ≥ 1).
 * - `technician_location_reviews`: the admin review queue of flagged technicians: `open` →
 *   `cleared` | `suspended`, at most one open per technician.
 */
export class TechnicianLocation1764490000000 implements MigrationInterface {
  name = 'TechnicianLocation1764490000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN brands text[] NOT NULL DEFAULT '{}'`);
    await q.query(`
      CREATE TABLE technician_presence (
        technician_id uuid PRIMARY KEY REFERENCES users(id),
        availability text NOT NULL DEFAULT 'inactive'
          CHECK (availability IN ('active','inactive','busy')),
        position geography(Point, 4326),
        position_recorded_at timestamptz,
        position_written_at timestamptz,
        spoof_score double precision NOT NULL DEFAULT 0 CHECK (spoof_score >= 0),
        flagged_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((position IS NULL) = (position_written_at IS NULL))
      )`);
    await q.query(`
      CREATE INDEX technician_presence_available_position_idx ON technician_presence
        USING gist (position)
        WHERE availability = 'active' AND flagged_at IS NULL AND position IS NOT NULL`);
    await q.query(`
      CREATE TABLE technician_location_fixes (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        technician_id uuid NOT NULL REFERENCES users(id),
        recorded_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        lat_e7 integer NOT NULL CHECK (lat_e7 BETWEEN -900000000 AND 900000000),
        lng_e7 integer NOT NULL CHECK (lng_e7 BETWEEN -1800000000 AND 1800000000),
        accuracy_m real NOT NULL CHECK (accuracy_m >= 0),
        speed_mps real,
        heading_deg real,
        mock boolean NOT NULL,
        provider text,
        score smallint NOT NULL CHECK (score BETWEEN 0 AND 100),
        reasons text[] NOT NULL DEFAULT '{}',
        position_written boolean NOT NULL
      )`);
    await q.query(`
      CREATE INDEX technician_location_fixes_technician_idx
        ON technician_location_fixes (technician_id, id DESC)`);
    await q.query(`
      CREATE INDEX technician_location_fixes_coordinates_idx
        ON technician_location_fixes (technician_id, lat_e7, lng_e7)`);
    await q.query(`
      CREATE INDEX technician_location_fixes_received_idx ON technician_location_fixes (received_at)`);
    await q.query(`
      CREATE FUNCTION technician_location_fixes_retention() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND OLD.received_at < now() - interval '1 day' THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'technician_location_fixes is append-only (% refused; only fixes older than a day are purged)', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER technician_location_fixes_append_only BEFORE UPDATE OR DELETE ON technician_location_fixes
      FOR EACH ROW EXECUTE FUNCTION technician_location_fixes_retention()`);
    await q.query(`
      CREATE TRIGGER technician_location_fixes_no_truncate BEFORE TRUNCATE ON technician_location_fixes
      FOR EACH STATEMENT EXECUTE FUNCTION reject_append_only_change()`);
    await q.query(`
      CREATE TABLE technician_location_reviews (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        technician_id uuid NOT NULL REFERENCES users(id),
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open','cleared','suspended')),
        score double precision NOT NULL,
        reasons text[] NOT NULL,
        opened_at timestamptz NOT NULL DEFAULT now(),
        resolved_at timestamptz,
        resolved_by uuid REFERENCES users(id),
        resolution_reason text,
        CHECK ((status = 'open') = (resolved_at IS NULL))
      )`);
    await q.query(`
      CREATE UNIQUE INDEX technician_location_reviews_open_idx
        ON technician_location_reviews (technician_id) WHERE status = 'open'`);
    await q.query(`
      CREATE INDEX technician_location_reviews_queue_idx
        ON technician_location_reviews (opened_at, id) WHERE status = 'open'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE technician_location_reviews`);
    await q.query(`DROP TABLE technician_location_fixes`);
    await q.query(`DROP FUNCTION technician_location_fixes_retention()`);
    await q.query(`DROP TABLE technician_presence`);
    await q.query(`ALTER TABLE users DROP COLUMN brands`);
  }
}
