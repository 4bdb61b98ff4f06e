import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import argon2 from 'argon2';
import pg from 'pg';
import { RATE_LIMIT_CATEGORIES } from '../../src/config/rate-limit-policy.js';
import { GENERIC_PLAN_SETUP } from '../../src/database/transaction.js';
import { NEARBY_SQL } from '../../src/technicians/technician-store.js';
import { withClient } from '../support/test-database.js';
import { createBenchDatabase } from './bench-database.js';
import {
  benchRoot,
  cpuPerRequest,
  cpuSplit,
  lightRequest,
  parentOf,
  percentile,
  seconds,
  startServer,
  type CpuSplit,
} from './bench-util.js';

/**
 * `npm run bench:geo` (issue #15): technicians on the map at a country's scale, on real PostGIS.
 *
 * A database of its own (created by the owner role, migrated, dropped at the end) is seeded by
 * set-based SQL with BENCH_GEO_TECHNICIANS (default 1,000,000) approved technicians, 80 % of them
 * available (active, not flagged), placed like a country's cities: 80 % around 20 Indian city
 * centres (Gaussian, σ 10 km), 20 % uniform over India's bounding box. Query points are drawn the
 * same way (seeded PRNG, so every run asks the same questions).
 *
 * (a) The nearby SQL alone (`NEARBY_SQL` from src/technicians/technician-store.ts, the statement the
 *     API runs, prepared under its name as the API does), KNN-10 within 5 km, one query at a time over BENCH_GEO_QUERIES (3,000) points:
 *     p50/p99 (target p99 ≤ 2 ms). The previous form of the statement (ST_DWithin matches sorted by
 *     distance, technician id as tie-breaker) runs on the same points for comparison and must return
 *     the same technicians in the same order; `EXPLAIN (ANALYZE, BUFFERS)` of one city-centre query
 *     of each is printed, and whether the GiST index hands rows over in distance order.
 * (b) Through the API (built server, own process), open loop (request i of a stream is due at
 *     start + i / rate; its latency counts from then): `GET /technicians/nearby` (radiusKm 5,
 *     limit 10) at BENCH_SEARCH_RATE (200/s) by signed-in customers, while `POST
 *     /technicians/me/location` fixes arrive at BENCH_UPDATE_RATE (500/s) from BENCH_GEO_MOVERS
 *     (2,000) technicians, each moving 60 m per fix (one fix every movers / rate = 4 s: under the
 *     `location` limit of 30/min, which stays on; every other limit is lifted). Baseline in the same
 *     run: `GET /health/live` at the same total rate (search + update), and the searches alone at
 *     their rate. Offered and completed rates are printed: two shared cores may not keep up.
 * (c) Offers through the real offer path (built server, pg-boss workers on, src/matching): a fleet
 *     of BENCH_GEO_JOBS (1,000) hardware technicians of its own, signed in, on a grid 0.5° apart
 *     outside India (so each job's rings hold exactly its one technician, apart from the seeded
 *     map), and as many hardware jobs requested at once (`POST /repairs`), each 1 km from one of
 *     them. Technicians accept at once: the bench watches `repair_offers` every 25 ms (a stand-in for
 *     the push a phone would get) and sends `POST /technician/offers/{id}/accept` for every new
 *     offer. Time to assignment: from the job's request being sent to its acceptance answered 200,
 *     p50/p99; the database's own split (request committed → offer → assignment) is printed too.
 *
 * Env: BENCH_GEO_PARTS (a,b,c: which parts run; the seeding always does), BENCH_GEO_TECHNICIANS,
 * BENCH_GEO_QUERIES, BENCH_GEO_MOVERS, BENCH_SEARCH_RATE, BENCH_UPDATE_RATE, BENCH_SECONDS (10),
 * BENCH_GEO_JOBS (1,000), BENCH_KEEP_DATABASE=1 (keep the database for EXPLAIN by hand),
 * DATABASE_URL / DATABASE_OWNER_URL as for the app (default: the local cluster).
 */
/** The name (a) prepares `NEARBY_SQL` under. */
const NEARBY_STATEMENT = 'technicians.nearby';
const TECHNICIANS = Number(process.env.BENCH_GEO_TECHNICIANS ?? 1_000_000);
const QUERIES = Number(process.env.BENCH_GEO_QUERIES ?? 3000);
const MOVERS = Number(process.env.BENCH_GEO_MOVERS ?? 2000);
const SEARCH_RATE = Number(process.env.BENCH_SEARCH_RATE ?? 200);
const UPDATE_RATE = Number(process.env.BENCH_UPDATE_RATE ?? 500);
const JOBS = Number(process.env.BENCH_GEO_JOBS ?? 1000);
const PARTS = new Set((process.env.BENCH_GEO_PARTS ?? 'a,b,c').split(',').map((x) => x.trim()));
const KEEP_DATABASE = process.env.BENCH_KEEP_DATABASE === '1';
const DB_PREFIX = 'fixbazaar_bench_geo_';
const PASSWORD = 'bench-geo-password';
const CUSTOMERS = 20;
const RADIUS_M = 5000;
const K = 10;
const TARGET_SQL_P99_MS = 2;
const TARGET_API_P99_MS = 25;

/** 20 city centres (lat, lng). */
const CITIES: [number, number][] = [
  [28.6139, 77.209], // Delhi
  [19.076, 72.8777], // Mumbai
  [12.9716, 77.5946], // Bengaluru
  [13.0827, 80.2707], // Chennai
  [22.5726, 88.3639], // Kolkata
  [17.385, 78.4867], // Hyderabad
  [18.5204, 73.8567], // Pune
  [23.0225, 72.5714], // Ahmedabad
  [26.9124, 75.7873], // Jaipur
  [26.8467, 80.9462], // Lucknow
  [21.1458, 79.0882], // Nagpur
  [22.7196, 75.8577], // Indore
  [23.2599, 77.4126], // Bhopal
  [25.5941, 85.1376], // Patna
  [30.7333, 76.7794], // Chandigarh
  [26.1445, 91.7362], // Guwahati
  [20.2961, 85.8245], // Bhubaneswar
  [9.9312, 76.2673], // Kochi
  [11.0168, 76.9558], // Coimbatore
  [17.6868, 83.2185], // Visakhapatnam
];
/** India's bounding box. */
const EXTENT = { minLat: 6.5, maxLat: 35.5, minLng: 68.1, maxLng: 97.4 };
const SIGMA_KM = 10;
const KM_PER_DEGREE = 111.32;

const unlimited = { perMinute: 1_000_000_000, burst: 100_000_000 };
/** Every limit lifted but the technicians' `location` one (30/min, burst 5), which is what (b) respects. */
/** The server's /metrics token (its event-loop stalls are read from it in (b)). */
const METRICS_TOKEN = 'bench-geo-metrics-token-0123456789abcdef';
const RATE_LIMIT_POLICY = JSON.stringify({
  ...Object.fromEntries(
    ['anonymous', 'customer', 'technician'].map((r) => [
      r,
      Object.fromEntries(RATE_LIMIT_CATEGORIES.map((c) => [c, unlimited])),
    ]),
  ),
  technician: {
    ...Object.fromEntries(RATE_LIMIT_CATEGORIES.map((c) => [c, unlimited])),
    location: { perMinute: 30, burst: 5 },
  },
  perIp: unlimited,
});

/**
 * Positions as SQL: a row per technician (i, lat, lng, available), 80 % Gaussian around a city
 * (Box–Muller), 20 % uniform over the extent, deterministic (`setseed` first, same session).
 */
const POSITIONS_SQL = `
  SELECT i, c.lat + g.dy / ${KM_PER_DEGREE} AS lat,
         c.lng + g.dx / (${KM_PER_DEGREE} * cos(radians(c.lat))) AS lng, r.available
    FROM (SELECT i, random() < 0.8 AS in_city, random() < 0.8 AS available,
                 1 + floor(random() * $2::int)::int AS city,
                 random() AS u1, random() AS u2, random() AS ux, random() AS uy
            FROM generate_series(1, $1::int) i) r
   CROSS JOIN LATERAL (SELECT CASE WHEN r.in_city THEN ($3::float8[])[r.city]
                                   ELSE ${EXTENT.minLat} + r.uy * ${EXTENT.maxLat - EXTENT.minLat} END AS lat,
                              CASE WHEN r.in_city THEN ($4::float8[])[r.city]
                                   ELSE ${EXTENT.minLng} + r.ux * ${EXTENT.maxLng - EXTENT.minLng} END AS lng) c
   CROSS JOIN LATERAL (SELECT CASE WHEN r.in_city THEN ${SIGMA_KM} * sqrt(-2 * ln(1 - r.u1)) * cos(2 * pi() * r.u2) ELSE 0 END AS dx,
                              CASE WHEN r.in_city THEN ${SIGMA_KM} * sqrt(-2 * ln(1 - r.u1)) * sin(2 * pi() * r.u2) ELSE 0 END AS dy) g`;

const SKILLS = [
  '{screen,battery}',
  '{charging-port,battery}',
  '{screen,camera,speaker}',
  '{water-damage,motherboard}',
];
const BRANDS = [
  '{Samsung,Xiaomi,Vivo}',
  '{Apple}',
  '{Oppo,Realme,OnePlus}',
  '{Samsung,Apple,Motorola}',
];

interface Seeded {
  seconds: number;
  available: number;
  table: string;
  index: string;
}

/** Technicians (users + presence rows) by set-based SQL; the GiST index is dropped and rebuilt (faster than 1M inserts into it). */
async function seed(ownerUrl: string, passwordHash: string): Promise<Seeded> {
  return withClient(ownerUrl, async (c) => {
    const started = performance.now();
    await c.query(`SELECT setseed(0.15)`);
    await c.query(
      `CREATE TEMP TABLE seed_positions AS
      SELECT gen_random_uuid() AS id, p.* FROM (${POSITIONS_SQL}) p`,
      [TECHNICIANS, CITIES.length, CITIES.map((x) => x[0]), CITIES.map((x) => x[1])],
    );
    const { rows: idx } = await c.query<{ name: string; def: string }>(
      `SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS def
         FROM pg_index WHERE indrelid = 'technician_presence'::regclass AND NOT indisprimary`,
    );
    for (const i of idx) await c.query(`DROP INDEX ${i.name}`);
    await c.query(
      `INSERT INTO users (id, role, status, email, password_hash, display_name, technician_kind,
                          skills, brands, service_area, service_radius_km)
       SELECT s.id, 'technician', 'approved', 'bench-tech-' || s.i || '@bench.fixbazaar.in', $1,
              'Bench technician ' || s.i, CASE WHEN s.i % 4 = 0 THEN 'software' ELSE 'hardware' END,
              ($2::text[])[1 + s.i % 4]::text[], ($3::text[])[1 + s.i % 4]::text[],
              ST_SetSRID(ST_MakePoint(s.lng, s.lat), 4326)::geography, 10
         FROM seed_positions s ORDER BY s.i`,
      [passwordHash, SKILLS, BRANDS],
    );
    await c.query(
      `INSERT INTO technician_presence (technician_id, availability, position, position_recorded_at,
                                        position_written_at)
       SELECT s.id, CASE WHEN s.available THEN 'active' ELSE 'inactive' END,
              ST_SetSRID(ST_MakePoint(s.lng, s.lat), 4326)::geography, now(), now()
         FROM seed_positions s ORDER BY s.i`,
    );
    for (const i of idx) await c.query(i.def);
    await c.query(`VACUUM ANALYZE users, technician_presence`);
    const { rows } = await c.query<{ available: number; table: string; index: string }>(
      `SELECT (SELECT count(*)::int FROM technician_presence WHERE availability = 'active') AS available,
              pg_size_pretty(pg_table_size('technician_presence')) AS table,
              pg_size_pretty(pg_relation_size('technician_presence_available_position_idx')) AS index`,
    );
    return { seconds: (performance.now() - started) / 1000, ...rows[0]! };
  });
}

/** mulberry32: a small seeded PRNG, so the query points are the same in every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Point {
  lat: number;
  lng: number;
  inCity: boolean;
}

/** Query points drawn like the technicians: 80 % Gaussian around a city, 20 % uniform. */
function queryPoints(n: number, seed: number): Point[] {
  const random = prng(seed);
  return Array.from({ length: n }, () => {
    if (random() >= 0.8)
      return {
        lat: EXTENT.minLat + random() * (EXTENT.maxLat - EXTENT.minLat),
        lng: EXTENT.minLng + random() * (EXTENT.maxLng - EXTENT.minLng),
        inCity: false,
      };
    const [lat, lng] = CITIES[Math.floor(random() * CITIES.length)]!;
    const r = SIGMA_KM * Math.sqrt(-2 * Math.log(1 - random()));
    const theta = 2 * Math.PI * random();
    return {
      lat: lat + (r * Math.sin(theta)) / KM_PER_DEGREE,
      lng: lng + (r * Math.cos(theta)) / (KM_PER_DEGREE * Math.cos((lat * Math.PI) / 180)),
      inCity: true,
    };
  });
}

/**
 * The nearby statement as it was before this bench: every ST_DWithin match sorted by distance (with
 * the technician id as tie-breaker, which keeps the GiST index from handing rows over in order).
 */
const POINT = `ST_SetSRID(ST_MakePoint($2, $1), 4326)::geography`;
const FILTER_THEN_SORT_SQL = `SELECT u.id::text AS id, u.display_name, u.technician_kind, u.skills, u.brands,
            p.position <-> ${POINT} AS distance_m
       FROM technician_presence p
       JOIN users u ON u.id = p.technician_id
      WHERE p.availability = 'active' AND p.flagged_at IS NULL AND p.position IS NOT NULL
        AND ST_DWithin(p.position, ${POINT}, $3)
        AND u.role = 'technician' AND u.status = 'approved'
        AND ($4::text IS NULL OR u.technician_kind = $4)
        AND ($5::text IS NULL OR $5 = ANY (u.skills))
        AND ($6::text IS NULL OR $6 = ANY (u.brands))
      ORDER BY p.position <-> ${POINT}, p.technician_id
      OFFSET $7 LIMIT $8`;

const params = (p: Point) => [p.lat, p.lng, RADIUS_M, null, null, null, 0, K];

interface SqlFigures {
  p50: number;
  p99: number;
  max: number;
  ids: string[][];
}

/**
 * One query at a time on one connection, 200 first to warm up; `name`: a named prepared statement,
 * as the app sends the current one (parsed once per connection; PostgreSQL chooses custom or generic
 * plans), else unnamed (parsed and planned every time).
 */
async function timeSql(
  c: pg.Client,
  sql: string,
  points: Point[],
  name?: string,
): Promise<SqlFigures> {
  const query = (p: Point) => c.query<{ id: string }>({ name, text: sql, values: params(p) });
  for (const p of points.slice(0, 200)) await query(p);
  const ms: number[] = [];
  const ids: string[][] = [];
  for (const p of points) {
    const t = performance.now();
    const { rows } = await query(p);
    ms.push(performance.now() - t);
    ids.push(rows.map((r) => r.id));
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p99: percentile(ms, 99), max: ms[ms.length - 1]!, ids };
}

/**
 * EXPLAIN (ANALYZE, BUFFERS) at `p` of `sql`, or of the statement prepared as `sql` on this
 * connection (`{ prepared }`: the plan the app's connection uses); whether the GiST index scan
 * returns rows in distance order (an `Order By` on it).
 */
async function explain(
  c: pg.Client,
  sql: string | { prepared: string },
  p: Point,
): Promise<boolean> {
  const { rows } = await (typeof sql === 'string'
    ? c.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params(p))
    : c.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN (ANALYZE, BUFFERS) EXECUTE "${sql.prepared}"(${params(p)
          .map((v) => (v === null ? 'NULL' : String(v)))
          .join(', ')})`,
      ));
  const plan = rows.map((r) => r['QUERY PLAN']);
  for (const line of plan) console.log(`  ${line}`);
  // An index scan's `Order By:` line: the GiST index returns the rows nearest first (KNN).
  return plan.some((l) => /^\s*Order By: \(.*<->/.test(l));
}

async function sqlPhase(url: string, points: Point[]): Promise<SqlFigures> {
  // As the app: the nearby search's own connection options (its statement planned once).
  const app = new pg.Client({ connectionString: url });
  const plain = new pg.Client({ connectionString: url });
  await app.connect();
  await app.query(GENERIC_PLAN_SETUP);
  await plain.connect();
  try {
    const now = await timeSql(app, NEARBY_SQL, points, NEARBY_STATEMENT);
    // The same statement prepared on a connection with the default plan_cache_mode: PostgreSQL
    // then plans it for every search's point.
    const plannedEach = await timeSql(plain, NEARBY_SQL, points, NEARBY_STATEMENT);
    const before = await timeSql(plain, FILTER_THEN_SORT_SQL, points);
    const different = now.ids.filter((ids, i) => ids.join() !== before.ids[i]!.join()).length;
    const hits = now.ids.map((x) => x.length);
    const full = hits.filter((n) => n === K).length;
    const empty = hits.filter((n) => n === 0).length;
    console.log(
      `(a) nearby SQL, KNN-${K} within ${RADIUS_M / 1000} km, ${points.length} queries one at a time: ` +
        `p50 ${now.p50.toFixed(2)} ms  p99 ${now.p99.toFixed(2)} ms  max ${now.max.toFixed(2)} ms ` +
        `(${full} with ${K} hits, ${empty} with none)`,
    );
    console.log(
      `    planned for each search (default plan_cache_mode): p50 ${plannedEach.p50.toFixed(2)} ms  ` +
        `p99 ${plannedEach.p99.toFixed(2)} ms  max ${plannedEach.max.toFixed(2)} ms`,
    );
    console.log(
      `    previous form (ST_DWithin matches sorted): p50 ${before.p50.toFixed(2)} ms  p99 ${before.p99.toFixed(2)} ms  ` +
        `max ${before.max.toFixed(2)} ms; answers differing: ${different}`,
    );
    const centre = { lat: CITIES[2]![0], lng: CITIES[2]![1], inCity: true };
    console.log(
      `EXPLAIN (ANALYZE, BUFFERS) nearby at a city centre (Bengaluru), current statement as the app's connection plans it:`,
    );
    const ordered = await explain(app, { prepared: NEARBY_STATEMENT }, centre);
    console.log(`EXPLAIN (ANALYZE, BUFFERS) nearby at a city centre (Bengaluru), previous form:`);
    const orderedBefore = await explain(plain, FILTER_THEN_SORT_SQL, centre);
    console.log(
      `GiST index serves the KNN order: current ${ordered ? 'yes' : 'NO'}, previous form ${orderedBefore ? 'yes' : 'NO'}`,
    );
    console.log(`RESULT geo.sql.p50 ${now.p50.toFixed(2)} ms`);
    console.log(`RESULT geo.sql.p99 ${now.p99.toFixed(2)} ms`);
    console.log(`RESULT geo.sql.planned_each_p50 ${plannedEach.p50.toFixed(2)} ms`);
    console.log(`RESULT geo.sql.planned_each_p99 ${plannedEach.p99.toFixed(2)} ms`);
    console.log(
      `RESULT geo.sql.ratio_to_planned_each_p99 ${(now.p99 / plannedEach.p99).toFixed(2)} x`,
    );
    console.log(`RESULT geo.sql.previous_p99 ${before.p99.toFixed(2)} ms`);
    console.log(`RESULT geo.sql.ratio_to_previous_p99 ${(now.p99 / before.p99).toFixed(2)} x`);
    console.log(`RESULT geo.sql.index_ordered ${ordered ? 1 : 0} bool`);
    console.log(`RESULT geo.sql.answers_differing ${different} queries`);
    console.log(`RESULT geo.sql.p99_target_met ${now.p99 <= TARGET_SQL_P99_MS ? 1 : 0} bool`);
    if (different > 0) process.exitCode = 1;
    return now;
  } finally {
    await app.end();
    await plain.end();
  }
}

interface Stream {
  name: string;
  rate: number;
  request: (i: number) => Promise<{ status: number }>;
  expect: number;
}

interface StreamFigures {
  name: string;
  sent: number;
  offered: number;
  completed: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  statuses: Record<number, number>;
}

/** Runs the streams together for `secs`, each open loop at its rate; latency from the due time. */
async function openLoop(streams: Stream[], secs: number): Promise<StreamFigures[]> {
  const start = performance.now();
  return Promise.all(
    streams.map(async (s) => {
      const count = Math.round(s.rate * secs);
      const latencies: number[] = [];
      const statuses: Record<number, number> = {};
      let errors = 0;
      let last = start;
      const inFlight: Promise<void>[] = [];
      const worst: number[] = [];
      for (let i = 0; i < count; i++) {
        const due = start + (i * 1000) / s.rate;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        inFlight.push(
          s.request(i).then(
            (res) => {
              last = performance.now();
              latencies.push(last - due);
              if (process.env.BENCH_GEO_TIMELINE)
                worst[Math.floor((due - start) / 1000)] = Math.max(
                  worst[Math.floor((due - start) / 1000)] ?? 0,
                  last - due,
                );
              statuses[res.status] = (statuses[res.status] ?? 0) + 1;
              if (res.status !== s.expect) errors++;
            },
            () => {
              last = performance.now();
              latencies.push(last - due);
              errors++;
            },
          ),
        );
      }
      const sentBy = performance.now();
      await Promise.all(inFlight);
      latencies.sort((a, b) => a - b);
      if (process.env.BENCH_GEO_TIMELINE)
        console.log(`  ${s.name} worst per second: ${worst.map((w) => w.toFixed(0)).join(' ')}`);
      return {
        name: s.name,
        sent: count,
        offered: count / ((sentBy - start) / 1000),
        completed: count / ((last - start) / 1000),
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: latencies[latencies.length - 1] ?? NaN,
        errors,
        statuses,
      };
    }),
  );
}

function line(f: StreamFigures): void {
  console.log(
    `  ${f.name.padEnd(28)} ${f.sent} requests, offered ${f.offered.toFixed(0)}/s, completed ${f.completed.toFixed(0)}/s  ` +
      `p50 ${f.p50.toFixed(1)} ms  p99 ${f.p99.toFixed(1)} ms  max ${f.max.toFixed(1)} ms  errors ${f.errors} ${JSON.stringify(f.statuses)}`,
  );
}

async function signIn(base: string, email: string): Promise<string> {
  const res = await fetch(`${base}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ identifier: email, password: PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`sign-in ${email}: ${res.status}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

/** Signs in every email, `concurrency` at a time. */
async function signInAll(base: string, emails: string[], concurrency = 8): Promise<string[]> {
  const tokens: string[] = new Array(emails.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < emails.length) {
        const i = next++;
        tokens[i] = await signIn(base, emails[i]!);
      }
    }),
  );
  return tokens;
}

interface Mover {
  token: string;
  lat: number;
  lng: number;
  heading: number;
}

async function apiPhase(db: { url: string; ownerUrl: string }, hash: string): Promise<boolean> {
  const { movers, customers } = await withClient(db.ownerUrl, async (c) => {
    await c.query(
      `INSERT INTO users (role, status, email, password_hash, display_name)
       SELECT 'customer', 'approved', 'bench-customer-' || i || '@bench.fixbazaar.in', $1, 'Bench customer ' || i
         FROM generate_series(1, $2::int) i`,
      [hash, CUSTOMERS],
    );
    // MOVERS available technicians (placed like the others: most in the cities, where searches look).
    const { rows } = await c.query<{ email: string; lat: number; lng: number }>(
      `SELECT u.email, ST_Y(p.position::geometry) AS lat, ST_X(p.position::geometry) AS lng
         FROM technician_presence p JOIN users u ON u.id = p.technician_id
        WHERE p.availability = 'active'
        ORDER BY u.email LIMIT $1`,
      [MOVERS],
    );
    return {
      movers: rows,
      customers: Array.from(
        { length: CUSTOMERS },
        (_, i) => `bench-customer-${i + 1}@bench.fixbazaar.in`,
      ),
    };
  });
  const server = await startServer(join(benchRoot, 'dist', 'src', 'main.js'), {
    DATABASE_URL: db.url,
    DATABASE_OWNER_URL: db.ownerUrl,
    RATE_LIMIT_POLICY,
    ABUSE_PENALTY_THRESHOLD: '1000000000',
    METRICS_TOKEN,
  });
  try {
    const base = server.base;
    const started = performance.now();
    const customerTokens = await signInAll(base, customers);
    const random = prng(7);
    const moving: Mover[] = (
      await signInAll(
        base,
        movers.map((m) => m.email),
      )
    ).map((token, i) => ({
      token,
      lat: movers[i]!.lat,
      lng: movers[i]!.lng,
      heading: random() * 2 * Math.PI,
    }));
    console.log(
      `(b) signed in ${CUSTOMERS} customers and ${moving.length} technicians in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    const points = queryPoints(Math.round(SEARCH_RATE * (seconds + 1)) * 3, 99);
    let searchNo = 0;
    const search = () => {
      const n = searchNo++;
      const p = points[n % points.length]!;
      return lightRequest(
        `${base}/technicians/nearby?lat=${p.lat.toFixed(6)}&lng=${p.lng.toFixed(6)}&radiusKm=${RADIUS_M / 1000}&limit=${K}`,
        { headers: { authorization: `Bearer ${customerTokens[n % CUSTOMERS]!}` } },
      );
    };
    let updateNo = 0;
    /** The next mover in turn steps 60 m along its heading (15 m/s: a scooter in traffic) and reports it. */
    const update = () => {
      const m = moving[updateNo++ % moving.length]!;
      const stepKm = 0.06;
      m.lat += (stepKm * Math.cos(m.heading)) / KM_PER_DEGREE;
      m.lng += (stepKm * Math.sin(m.heading)) / (KM_PER_DEGREE * Math.cos((m.lat * Math.PI) / 180));
      return lightRequest(`${base}/technicians/me/location`, {
        method: 'POST',
        headers: { authorization: `Bearer ${m.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          lat: Number(m.lat.toFixed(7)),
          lng: Number(m.lng.toFixed(7)),
          accuracyM: 8,
          speedMps: 15,
          recordedAt: new Date().toISOString(),
          provider: 'fused',
        }),
      });
    };
    const live = () => lightRequest(`${base}/health/live`);

    // Warm-up (1 s of each, not counted).
    await openLoop(
      [
        { name: 'warm live', rate: SEARCH_RATE + UPDATE_RATE, request: live, expect: 200 },
        { name: 'warm search', rate: SEARCH_RATE, request: search, expect: 200 },
        { name: 'warm update', rate: UPDATE_RATE, request: update, expect: 202 },
      ],
      Number(process.env.BENCH_GEO_WARM_SECONDS ?? 1),
    );
    // CPU per request of each side in each phase (server, PostgreSQL, this load generator).
    const pid = server.child.pid!;
    const postmaster = await withClient(db.ownerUrl, async (c) =>
      parentOf((await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid),
    );
    const cpu: Record<string, CpuSplit | undefined> = {};
    const split = () => (postmaster === undefined ? undefined : cpuSplit(pid, postmaster));
    let mark = split();
    // The longest event-loop stall of each side in each phase: a stall of the load generator delays
    // what it sends and when it sees answers, and counts as latency (open loop); the server's is
    // read from its /metrics (prom-client's lag figures restart at each read).
    const generatorLoop = monitorEventLoopDelay({ resolution: 5 });
    generatorLoop.enable();
    const stalls: Record<string, { server: number; generator: number }> = {};
    const serverLoopMax = async () => {
      const res = await fetch(`${base}/metrics`, {
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      });
      const m = /^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(await res.text());
      return m ? Number(m[1]) * 1000 : NaN;
    };
    const markStalls = async () => {
      await serverLoopMax();
      generatorLoop.reset();
    };
    await markStalls();
    const phase = async <T extends StreamFigures[]>(name: string, figures: T): Promise<T> => {
      const now = split();
      cpu[name] = cpuPerRequest(
        mark,
        now,
        figures.reduce((n, f) => n + f.sent, 0),
      );
      stalls[name] = { server: await serverLoopMax(), generator: generatorLoop.max / 1e6 };
      generatorLoop.reset();
      mark = now;
      return figures;
    };
    const [baseline] = await phase(
      'baseline',
      await openLoop(
        [{ name: 'GET /health/live', rate: SEARCH_RATE + UPDATE_RATE, request: live, expect: 200 }],
        seconds,
      ),
    );
    const [alone] = await phase(
      'searches',
      await openLoop(
        [{ name: 'GET nearby, alone', rate: SEARCH_RATE, request: search, expect: 200 }],
        seconds,
      ),
    );
    const fixesBefore = await countFixes(db.ownerUrl);
    mark = split();
    await markStalls();
    const [searches, updates] = await phase(
      'together',
      await openLoop(
        [
          { name: 'GET nearby, with updates', rate: SEARCH_RATE, request: search, expect: 200 },
          { name: 'POST me/location', rate: UPDATE_RATE, request: update, expect: 202 },
        ],
        seconds,
      ),
    );
    const fixes = await countFixes(db.ownerUrl);
    console.log(
      `(b) open loop, ${seconds} s each; baseline at the same total rate (${SEARCH_RATE} + ${UPDATE_RATE}/s):`,
    );
    for (const f of [baseline!, alone!, searches!, updates!]) line(f);
    for (const [name, c] of Object.entries(cpu))
      if (c)
        console.log(
          `  CPU per request, ${name.padEnd(9)} server ${c.server.toFixed(2)} ms, PostgreSQL ${c.postgres.toFixed(2)} ms, load generator ${c.loadGenerator.toFixed(2)} ms`,
        );
    for (const [name, st] of Object.entries(stalls))
      console.log(
        `  longest event-loop stall, ${name.padEnd(9)} server ${st.server.toFixed(1)} ms, load generator ${st.generator.toFixed(1)} ms`,
      );
    const stored = fixes.total - fixesBefore.total;
    const written = fixes.written - fixesBefore.written;
    console.log(
      `  fixes stored in the run: ${stored} (${written} moved the current position); answered 202: ${updates!.statuses[202] ?? 0}`,
    );
    const r = (x: number) => x.toFixed(1);
    console.log(`RESULT geo.api.search_p50 ${r(searches!.p50)} ms`);
    console.log(`RESULT geo.api.search_p99 ${r(searches!.p99)} ms`);
    console.log(`RESULT geo.api.search_completed_rate ${searches!.completed.toFixed(0)} 1/s`);
    console.log(`RESULT geo.api.update_p50 ${r(updates!.p50)} ms`);
    console.log(`RESULT geo.api.update_p99 ${r(updates!.p99)} ms`);
    console.log(`RESULT geo.api.update_completed_rate ${updates!.completed.toFixed(0)} 1/s`);
    console.log(`RESULT geo.api.search_alone_p99 ${r(alone!.p99)} ms`);
    for (const [name, c] of Object.entries(cpu))
      if (c)
        for (const [side, ms] of Object.entries(c))
          console.log(`RESULT geo.api.cpu_${name}_${side} ${ms.toFixed(3)} ms/request`);
    for (const [name, st] of Object.entries(stalls))
      for (const [side, ms] of Object.entries(st))
        console.log(`RESULT geo.api.stall_${name}_${side} ${ms.toFixed(1)} ms`);
    console.log(`RESULT geo.baseline.p50 ${r(baseline!.p50)} ms`);
    console.log(`RESULT geo.baseline.p99 ${r(baseline!.p99)} ms`);
    console.log(
      `RESULT geo.api.search_p99_ratio_to_baseline ${(searches!.p99 / baseline!.p99).toFixed(2)} x`,
    );
    console.log(
      `RESULT geo.api.update_p99_ratio_to_baseline ${(updates!.p99 / baseline!.p99).toFixed(2)} x`,
    );
    console.log(
      `RESULT geo.api.search_p99_target_met ${searches!.p99 <= TARGET_API_P99_MS ? 1 : 0} bool`,
    );
    return (
      baseline!.errors + alone!.errors + searches!.errors + updates!.errors === 0 &&
      stored === (updates!.statuses[202] ?? 0)
    );
  } finally {
    await server.stop();
  }
}

/** The fleet's grid for (c): 0.5° apart, 40 a row, from 45° N 40° W (the North Atlantic, far from the seeded map). */
const FLEET_ORIGIN = { lat: 45, lng: -40 };
const FLEET_STEP = 0.5;
const FLEET_ROW = 40;

interface OfferSeen {
  id: string;
  technician_id: string;
  repair_job_id: string;
}

async function offersPhase(db: { url: string; ownerUrl: string }, hash: string): Promise<boolean> {
  const fleet = await withClient(db.ownerUrl, async (c) => {
    await c.query(
      `INSERT INTO users (role, status, email, password_hash, display_name)
       SELECT 'customer', 'approved', 'bench-offers-customer-' || i || '@bench.fixbazaar.in', $1,
              'Bench offers customer ' || i
         FROM generate_series(1, $2::int) i`,
      [hash, CUSTOMERS],
    );
    const { rows } = await c.query<{ id: string; email: string; lat: number; lng: number }>(
      `WITH grid AS (
         SELECT i, $3::float8 + ((i - 1) / $5::int) * $6::float8 AS lat,
                $4::float8 + ((i - 1) % $5::int) * $6::float8 AS lng
           FROM generate_series(1, $2::int) i
       ), u AS (
         INSERT INTO users (role, status, email, password_hash, display_name, technician_kind,
                            skills, brands, service_area, service_radius_km)
         SELECT 'technician', 'approved', 'bench-fleet-' || g.i || '@bench.fixbazaar.in', $1,
                'Bench fleet technician ' || g.i, 'hardware', '{screen}', '{Samsung}',
                ST_SetSRID(ST_MakePoint(g.lng, g.lat), 4326)::geography, 10
           FROM grid g ORDER BY g.i
         RETURNING id, email
       ), p AS (
         INSERT INTO technician_presence (technician_id, availability, position,
                                          position_recorded_at, position_written_at)
         SELECT u.id, 'active', ST_SetSRID(ST_MakePoint(g.lng, g.lat), 4326)::geography, now(), now()
           FROM u JOIN grid g ON u.email = 'bench-fleet-' || g.i || '@bench.fixbazaar.in'
       )
       SELECT u.id::text AS id, u.email, g.lat, g.lng
         FROM u JOIN grid g ON u.email = 'bench-fleet-' || g.i || '@bench.fixbazaar.in'
        ORDER BY g.i`,
      [hash, JOBS, FLEET_ORIGIN.lat, FLEET_ORIGIN.lng, FLEET_ROW, FLEET_STEP],
    );
    return rows;
  });
  const server = await startServer(join(benchRoot, 'dist', 'src', 'main.js'), {
    DATABASE_URL: db.url,
    DATABASE_OWNER_URL: db.ownerUrl,
    RATE_LIMIT_POLICY,
    ABUSE_PENALTY_THRESHOLD: '1000000000',
    JOBS_WORKERS: 'true',
    // Nobody lets an offer lapse here: every one is accepted as soon as it is seen.
    MATCHING_OFFER_TTL_SECONDS: '600',
  });
  const watcher = new pg.Client({ connectionString: db.ownerUrl });
  await watcher.connect();
  try {
    const base = server.base;
    const signInStarted = performance.now();
    const customerTokens = await signInAll(
      base,
      Array.from(
        { length: CUSTOMERS },
        (_, i) => `bench-offers-customer-${i + 1}@bench.fixbazaar.in`,
      ),
    );
    const fleetTokens = await signInAll(
      base,
      fleet.map((f) => f.email),
    );
    const tokenOf = new Map(fleet.map((f, i) => [f.id, fleetTokens[i]!]));
    console.log(
      `(c) signed in ${CUSTOMERS} customers and a fleet of ${fleet.length} hardware technicians in ${((performance.now() - signInStarted) / 1000).toFixed(1)} s`,
    );

    const requestedAt = new Map<string, number>();
    const assignedAt = new Map<string, number>();
    const acceptMs: number[] = [];
    const refusals: Record<string, number> = {};
    const accepting: Promise<void>[] = [];
    const seen = new Set<string>();
    let requestErrors = 0;
    let watching = true;

    /** The technicians' side: every new offer accepted at once. */
    const watch = async () => {
      while (watching) {
        const { rows } = await watcher.query<OfferSeen>(
          `SELECT id::text, technician_id::text, repair_job_id::text FROM repair_offers
            WHERE status = 'offered'`,
        );
        for (const o of rows.filter((r) => !seen.has(r.id))) {
          seen.add(o.id);
          const token = tokenOf.get(o.technician_id);
          if (token === undefined) {
            refusals['not a fleet technician'] = (refusals['not a fleet technician'] ?? 0) + 1;
            continue;
          }
          const sent = performance.now();
          accepting.push(
            fetch(`${base}/technician/offers/${o.id}/accept`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}` },
            }).then(
              async (res) => {
                const body = (await res.json()) as { code?: string };
                const now = performance.now();
                acceptMs.push(now - sent);
                if (res.status === 200) assignedAt.set(o.repair_job_id, now);
                else
                  refusals[body.code ?? String(res.status)] =
                    (refusals[body.code ?? String(res.status)] ?? 0) + 1;
              },
              () => {
                refusals.network = (refusals.network ?? 0) + 1;
              },
            ),
          );
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    const watching$ = watch();

    const started = performance.now();
    await Promise.all(
      fleet.map(async (f, i) => {
        const sent = performance.now();
        const res = await fetch(`${base}/repairs`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${customerTokens[i % CUSTOMERS]!}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({
            kind: 'hardware',
            mode: 'offline',
            location: { lat: Number((f.lat + 0.009).toFixed(7)), lng: f.lng },
            deviceBrand: 'Samsung',
            deviceModel: 'Galaxy M31',
            problem: 'cracked screen',
          }),
        }).catch(() => undefined);
        if (res?.status !== 201) {
          requestErrors++;
          return;
        }
        requestedAt.set(((await res.json()) as { id: string }).id, sent);
      }),
    );
    const requestedIn = performance.now() - started;
    // Until every requested job is assigned, or a minute passes without progress.
    let last = assignedAt.size;
    let idleSince = performance.now();
    while (assignedAt.size < requestedAt.size && performance.now() - idleSince < 60_000) {
      await new Promise((r) => setTimeout(r, 100));
      if (assignedAt.size !== last) {
        last = assignedAt.size;
        idleSince = performance.now();
      }
    }
    watching = false;
    await watching$;
    await Promise.all(accepting);
    const toAssignment = [...requestedAt]
      .filter(([id]) => assignedAt.has(id))
      .map(([id, at]) => assignedAt.get(id)! - at)
      .sort((a, b) => a - b);
    acceptMs.sort((a, b) => a - b);
    const { rows: split } = await watcher.query<{
      to_offer: number[];
      to_assigned: number[];
      statuses: Record<string, number>;
    }>(
      `SELECT (SELECT array_agg(ms ORDER BY ms) FROM (
                 SELECT extract(epoch FROM min(o.offered_at) - j.created_at) * 1000 AS ms
                   FROM repair_jobs j JOIN repair_offers o ON o.repair_job_id = j.id
                  WHERE j.id = ANY($1::uuid[]) GROUP BY j.id) x) AS to_offer,
              (SELECT array_agg(ms ORDER BY ms) FROM (
                 SELECT extract(epoch FROM j.assigned_at - j.created_at) * 1000 AS ms
                   FROM repair_jobs j WHERE j.id = ANY($1::uuid[]) AND j.assigned_at IS NOT NULL) x) AS to_assigned,
              (SELECT json_object_agg(status, n) FROM (
                 SELECT status, count(*)::int AS n FROM repair_jobs WHERE id = ANY($1::uuid[])
                  GROUP BY status) x) AS statuses`,
      [[...requestedAt.keys()]],
    );
    const toOffer = (split[0]!.to_offer ?? []).map(Number);
    const toAssigned = (split[0]!.to_assigned ?? []).map(Number);
    const ms = (x: number) => `${x.toFixed(0)} ms`;
    console.log(
      `(c) ${requestedAt.size} hardware jobs requested at once in ${ms(requestedIn)} (${requestErrors} requests failed); ` +
        `${assignedAt.size} assigned; jobs by status ${JSON.stringify(split[0]!.statuses)}; refused accepts ${JSON.stringify(refusals)}`,
    );
    console.log(
      `    time to assignment (request sent → acceptance answered): p50 ${ms(percentile(toAssignment, 50))}  p99 ${ms(percentile(toAssignment, 99))}  max ${ms(toAssignment.at(-1) ?? NaN)}`,
    );
    console.log(
      `    in the database: job created → first offer p50 ${ms(percentile(toOffer, 50))}  p99 ${ms(percentile(toOffer, 99))}; ` +
        `→ assigned p50 ${ms(percentile(toAssigned, 50))}  p99 ${ms(percentile(toAssigned, 99))}; accept request p50 ${ms(percentile(acceptMs, 50))}  p99 ${ms(percentile(acceptMs, 99))}`,
    );
    console.log(`RESULT geo.offers.jobs ${requestedAt.size} jobs`);
    console.log(`RESULT geo.offers.assigned ${assignedAt.size} jobs`);
    console.log(`RESULT geo.offers.assignment_p50 ${percentile(toAssignment, 50).toFixed(0)} ms`);
    console.log(`RESULT geo.offers.assignment_p99 ${percentile(toAssignment, 99).toFixed(0)} ms`);
    console.log(`RESULT geo.offers.first_offer_p50 ${percentile(toOffer, 50).toFixed(0)} ms`);
    console.log(`RESULT geo.offers.first_offer_p99 ${percentile(toOffer, 99).toFixed(0)} ms`);
    console.log(`RESULT geo.offers.accept_p50 ${percentile(acceptMs, 50).toFixed(0)} ms`);
    console.log(`RESULT geo.offers.accept_p99 ${percentile(acceptMs, 99).toFixed(0)} ms`);
    return (
      requestErrors === 0 &&
      requestedAt.size === JOBS &&
      assignedAt.size === JOBS &&
      Object.keys(refusals).length === 0
    );
  } finally {
    await watcher.end();
    await server.stop();
  }
}

async function countFixes(ownerUrl: string): Promise<{ total: number; written: number }> {
  return withClient(ownerUrl, async (c) => {
    const { rows } = await c.query<{ total: number; written: number }>(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE position_written)::int AS written
         FROM technician_location_fixes`,
    );
    return rows[0]!;
  });
}

async function main(): Promise<void> {
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  const db = await createBenchDatabase({ prefix: DB_PREFIX });
  let ok: boolean;
  try {
    const hash = await argon2.hash(PASSWORD, {
      type: argon2.argon2id,
      memoryCost: 8192,
      timeCost: 1,
    });
    const seeded = await seed(db.config.database.ownerUrl, hash);
    const { rows } = await withClient(db.config.database.ownerUrl, (c) =>
      c.query<{ pg: string; postgis: string }>(
        `SELECT current_setting('server_version') AS pg, postgis_lib_version() AS postgis`,
      ),
    );
    console.log(
      `bench:geo — ${cpus().length} cpus, load average at start ${load}; node ${process.version}, ` +
        `PostgreSQL ${rows[0]!.pg}, PostGIS ${rows[0]!.postgis}, database ${db.name}`,
    );
    console.log(
      `seeded ${TECHNICIANS} technicians (${seeded.available} available) in ${seeded.seconds.toFixed(1)} s; ` +
        `technician_presence ${seeded.table}, partial GiST index ${seeded.index}`,
    );
    console.log(`RESULT geo.seed_seconds ${seeded.seconds.toFixed(1)} s`);
    console.log(`RESULT geo.technicians ${TECHNICIANS} technicians`);
    const urls = { url: db.config.database.url, ownerUrl: db.config.database.ownerUrl };
    ok = true;
    if (PARTS.has('a')) await sqlPhase(urls.url, queryPoints(QUERIES, 42));
    if (PARTS.has('b')) ok = (await apiPhase(urls, hash)) && ok;
    if (PARTS.has('c')) ok = (await offersPhase(urls, hash)) && ok;
  } finally {
    if (KEEP_DATABASE) console.log(`kept database ${db.name}`);
    else await db.drop();
  }
  if (!ok) process.exitCode = 1;
}

void main();
