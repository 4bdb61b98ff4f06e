import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import argon2 from 'argon2';
import { demoListingsFor } from '../../src/catalog/demo-catalog.js';
import { searchTextOf } from '../../src/catalog/domain/listing-text.js';
import { RATE_LIMIT_CATEGORIES } from '../../src/config/rate-limit-policy.js';
import { testGstin } from '../support/accounts.js';
import { withClient } from '../support/test-database.js';
import { createBenchDatabase } from './bench-database.js';
import { BUYERS, checkoutPhase } from './checkout-phase.js';
import autocannon from 'autocannon';
import { benchRoot, type Figures, seconds, startServer } from './bench-util.js';

/**
 * `npm run bench:catalog` (issue #5), two phases on the same database and server (BENCH_PHASES,
 * default `search,checkout`): catalog search over a large catalog, then checkout throughput under
 * contention (orders/s with 32 buyers on 10 hot listings against an uncontended baseline, exactness
 * checked; test/bench/checkout-phase.ts).
 *
 * Search: a database of its own (created by the owner role, migrated, dropped at the end) holding
 * BENCH_LISTINGS (default 100,000) active listings of approved dealers — the demo catalog's
 * vocabulary (phone models × part kinds, OEM / new / refurbished, believable prices), `search_text`
 * written with `searchTextOf`, `created_at` spread over a year — plus ~10 % paused and removed
 * listings and the listings of a few suspended dealers (present, never shown). The real app (built
 * server, own process) answers `GET /catalog/listings`; autocannon drives BENCH_CONNECTIONS
 * (default 32) connections for BENCH_SECONDS (default 10, after a 2 s warm-up) per query mix, once
 * anonymous (B2C prices) and once as an approved business buyer (B2B prices). Baseline in the same
 * run: `GET /health/live` (the app's floor). Rate limits and abuse blocking are lifted for the run.
 * Env: BENCH_LISTINGS, BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_KEEP_DATABASE=1 (keep the database
 * for EXPLAIN), DATABASE_URL / DATABASE_OWNER_URL as for the app (default: the local cluster).
 */
const LISTINGS = Number(process.env.BENCH_LISTINGS ?? 100_000);
const PHASES = new Set((process.env.BENCH_PHASES ?? 'search,checkout').split(','));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const DB_PREFIX = 'fixbazaar_bench_catalog_';
const SUSPENDED_DEALERS = 5;
const PASSWORD = 'bench-catalog-password';
const TARGET_P99_MS = 100;
/** Keep the database after the run (for EXPLAIN ANALYZE of the queries by hand). */
const KEEP_DATABASE = process.env.BENCH_KEEP_DATABASE === '1';

const unlimited = { perMinute: 1_000_000_000, burst: 100_000_000 };
const RATE_LIMIT_POLICY = JSON.stringify({
  ...Object.fromEntries(
    ['anonymous', 'customer', 'business', 'dealer', 'technician', 'admin'].map((r) => [
      r,
      Object.fromEntries(RATE_LIMIT_CATEGORIES.map((c) => [c, unlimited])),
    ]),
  ),
  perIp: unlimited,
});

/** Query mixes: each is a list of query strings, cycled through by every connection. */
const MIXES: { name: string; queries: string[] }[] = [
  {
    name: 'exact words',
    queries: [
      'q=iphone 13 display',
      'q=redmi note 10 battery',
      'q=galaxy a52 rear camera',
      'q=vivo y20 charging port',
    ],
  },
  {
    name: 'typo',
    queries: [
      'q=iphone 13 displya',
      'q=samsng battery',
      'q=redmi note 11 chargng port',
      'q=onepls nord back panel',
    ],
  },
  {
    name: 'filters only',
    queries: [
      'category=display&brand=Apple&minPrice=500000&maxPrice=1500000',
      'category=battery&brand=FixPro&minPrice=40000&maxPrice=120000',
      'category=speaker&condition=new&maxPrice=30000',
      'brand=Samsung&minPrice=100000&maxPrice=400000&inStock=true',
    ],
  },
  {
    name: 'model filter',
    queries: [
      'model=iPhone 13',
      'model=galaxy m31&category=battery',
      'model=Redmi Note 12&sort=price_asc',
      'model=oneplus 9r&q=display',
    ],
  },
  {
    name: 'sort=newest',
    queries: ['sort=newest', 'sort=newest&category=display', 'sort=newest&q=battery'],
  },
  {
    name: 'sort=price_asc',
    queries: [
      'sort=price_asc&category=battery',
      'sort=price_asc&q=iphone 14',
      'sort=price_asc&brand=Xiaomi',
    ],
  },
];
/**
 * Page 2 of these (the cursor from page 1, per channel): the cost of keyset pagination. No typo
 * query (kept comparable with the first runs): a typo query's page 2 repeats its lexicon lookup and
 * reads the same stratum, so it costs about what its page 1 does (the typo mix shows it).
 */
const PAGE2 = [
  'q=iphone 13 display',
  'q=redmi note 10 battery',
  'category=display&brand=Apple&minPrice=500000&maxPrice=1500000',
  'model=iPhone 13',
  'sort=newest',
  'sort=price_asc&category=battery',
];

const TYPO_QUERIES = new Set(MIXES.find((m) => m.name === 'typo')!.queries);

const path = (query: string) =>
  `/catalog/listings?${query
    .split('&')
    .map((kv) => {
      const [k, v = ''] = kv.split('=');
      return `${k}=${encodeURIComponent(v!)}`;
    })
    .join('&')}`;

// ---------------------------------------------------------------------------------------------
// Database
// ---------------------------------------------------------------------------------------------

const DEALER_SQL = `
  INSERT INTO users (role, status, email, password_hash, display_name, business_name, gstin, pan,
                     pickup_address)
  SELECT 'dealer', CASE WHEN i < $2 THEN 'suspended' ELSE 'approved' END,
         'bench-dealer-' || i || '@bench.fixbazaar.in', $3, 'Bench dealer ' || i,
         'Bench Spares ' || i, ($4::text[])[i + 1], substr(($4::text[])[i + 1], 3, 10),
         '{"line1":"1 SP Road","city":"Bengaluru","state":"Karnataka","pincode":"560002"}'
    FROM generate_series(0, $1 - 1) i
   ORDER BY i
  RETURNING id, status`;

const LISTING_SQL = `
  INSERT INTO listings (dealer_id, sku, name, category, brand, compatible_models, condition,
                        hsn_code, gst_rate_bps, mrp_paise, b2c_price_paise, b2b_price_paise,
                        b2b_min_qty, b2b_tiers, stock_on_hand, status, paused_by, search_text,
                        created_at, updated_at)
  SELECT r.dealer_id, r.sku, r.name, r.category, r.brand, r.compatible_models, r.condition,
         r.hsn_code, r.gst_rate_bps, r.mrp_paise, r.b2c_price_paise, r.b2b_price_paise,
         r.b2b_min_qty, r.b2b_tiers, r.stock_on_hand, r.status, r.paused_by, r.search_text,
         now() - r.age_s * interval '1 second', now() - r.age_s * interval '1 second'
    FROM jsonb_to_recordset($1::jsonb) AS r(
         dealer_id uuid, sku text, name text, category text, brand text,
         compatible_models text[], condition text, hsn_code text, gst_rate_bps integer,
         mrp_paise bigint, b2c_price_paise bigint, b2b_price_paise bigint, b2b_min_qty integer,
         b2b_tiers jsonb, stock_on_hand integer, status text, paused_by text, search_text text,
         age_s integer)`;

interface Seeded {
  active: number;
  visible: number;
  hidden: number;
  dealers: number;
  seconds: number;
}

/**
 * Dealers (the first few suspended) with the demo catalog's listings for each (~140 per dealer),
 * until `LISTINGS` visible listings exist; every 10th listing is paused or removed instead.
 */
async function seedCatalog(ownerUrl: string, passwordHash: string): Promise<Seeded> {
  const t0 = Date.now();
  const perDealer = demoListingsFor(0).length;
  // Over-provisioned (demo dealers' catalogs vary in size; 10 % of listings are paused or removed);
  // dealers left without listings are deleted afterwards.
  const dealerCount = SUSPENDED_DEALERS + Math.ceil(LISTINGS / (perDealer * 0.75)) + 1;
  return withClient(ownerUrl, async (c) => {
    const { rows: dealers } = await c.query<{ id: string; status: string }>(DEALER_SQL, [
      dealerCount,
      SUSPENDED_DEALERS,
      passwordHash,
      Array.from({ length: dealerCount }, () => testGstin()),
    ]);
    let visible = 0;
    let active = 0;
    let hidden = 0;
    let n = 0;
    let batch: object[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      await c.query(LISTING_SQL, [JSON.stringify(batch)]);
      batch = [];
    };
    for (let d = 0; d < dealers.length && visible < LISTINGS; d += 1) {
      const dealer = dealers[d]!;
      for (const l of demoListingsFor(d)) {
        n += 1;
        const status = n % 20 === 0 ? 'paused' : n % 20 === 10 ? 'removed' : 'active';
        if (status === 'active' && dealer.status === 'approved') {
          if (visible >= LISTINGS) continue;
          visible += 1;
        } else hidden += 1;
        if (status === 'active') active += 1;
        batch.push({
          dealer_id: dealer.id,
          sku: l.sku,
          name: l.name,
          category: l.category,
          brand: l.brand,
          compatible_models: l.compatibleModels,
          condition: l.condition,
          hsn_code: l.hsnCode,
          gst_rate_bps: l.gstRateBps,
          mrp_paise: Number(l.mrpPaise),
          b2c_price_paise: Number(l.b2cPricePaise),
          b2b_price_paise: Number(l.b2bPricePaise),
          b2b_min_qty: l.b2bMinQty,
          b2b_tiers: l.b2bTiers.map((t) => ({
            minQty: t.minQty,
            pricePaise: Number(t.pricePaise),
          })),
          stock_on_hand: l.stockOnHand,
          status,
          paused_by: status === 'paused' ? 'dealer' : null,
          search_text: searchTextOf(l),
          // Deterministic spread over a year.
          age_s: (n * 7919) % (365 * 86400),
        });
        if (batch.length >= 5000) await flush();
      }
    }
    await flush();
    const { rowCount: unused } = await c.query(
      `DELETE FROM users u WHERE u.role = 'dealer'
          AND NOT EXISTS (SELECT 1 FROM listings l WHERE l.dealer_id = u.id)`,
    );
    await c.query('VACUUM ANALYZE listings');
    await c.query('VACUUM ANALYZE users');
    // The lexicon the triggers filled (typo search's corrections read it).
    await c.query('VACUUM ANALYZE catalog_words');
    return {
      active,
      visible,
      hidden,
      dealers: dealers.length - (unused ?? 0),
      seconds: (Date.now() - t0) / 1000,
    };
  });
}

/**
 * Waits until no query of the bench database is running: autocannon abandons requests in flight at
 * the end of a run (or on timeout), and their queries must not load the next measurement.
 */
async function drain(ownerUrl: string): Promise<void> {
  await withClient(ownerUrl, async (c) => {
    for (let i = 0; i < 600; i += 1) {
      const { rows } = await c.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()`,
      );
      if (rows[0]!.n === 0) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('the bench database did not go idle within 120 s');
  });
}

/** Warm-up (2 s), drain, `seconds` of load, drain; prints one line. Non-2xx answers are errors. */
async function measure(
  name: string,
  ownerUrl: string,
  options: autocannon.Options,
): Promise<Figures> {
  const opts = { connections: CONNECTIONS, timeout: 60, ...options };
  await autocannon({ ...opts, duration: 2 });
  await drain(ownerUrl);
  const r = await autocannon({ ...opts, duration: seconds });
  await drain(ownerUrl);
  const f = {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.non2xx,
  };
  console.log(
    `${name.padEnd(26)} ${f.rps.toFixed(0).padStart(8)} req/s  p50 ${f.p50} ms  p99 ${f.p99} ms  errors ${f.errors}`,
  );
  return f;
}

// ---------------------------------------------------------------------------------------------
// Phases
// ---------------------------------------------------------------------------------------------

interface Row extends Figures {
  name: string;
}

/** Phase 1: search. Returns the rows of the table (and the baseline). */
async function searchPhase(
  base: string,
  ownerUrl: string,
  businessToken: string,
): Promise<{
  live: Figures;
  rows: Row[];
  overall: Figures;
}> {
  const channels = [
    { label: 'anon', headers: {} as Record<string, string> },
    { label: 'b2b', headers: { authorization: `Bearer ${businessToken}` } },
  ];
  // Sanity: every query answers 200 with the expected channel; collect page-2 cursors.
  const page2: Record<string, string[]> = {};
  for (const ch of channels) {
    page2[ch.label] = [];
    for (const q of [...MIXES.flatMap((m) => m.queries), ...PAGE2]) {
      const res = await fetch(base + path(q), { headers: ch.headers });
      const body = (await res.json()) as {
        channel?: string;
        items?: unknown[];
        nextCursor?: string;
        correctedQuery?: string;
      };
      const want = ch.label === 'b2b' ? 'b2b' : 'b2c';
      if (res.status !== 200 || body.channel !== want || !body.items?.length)
        throw new Error(
          `${ch.label} ${q}: ${res.status} ${JSON.stringify(body).slice(0, 300)} (expected hits, channel ${want})`,
        );
      // The typo mix must go through the typo tier (its words corrected), the others must not.
      if (TYPO_QUERIES.has(q) !== (body.correctedQuery !== undefined))
        throw new Error(`${ch.label} ${q}: correctedQuery ${String(body.correctedQuery)}`);
      if (PAGE2.includes(q)) {
        if (!body.nextCursor) throw new Error(`${ch.label} ${q}: no second page`);
        page2[ch.label]!.push(`${q}&cursor=${body.nextCursor}`);
      }
    }
  }

  const opts = (queries: string[], headers: Record<string, string>) => ({
    url: base,
    requests: queries.map((q) => ({ method: 'GET' as const, path: path(q), headers })),
  });
  const live = await measure('GET /health/live', ownerUrl, { url: `${base}/health/live` });
  const rows: Row[] = [];
  const mixes = [
    ...MIXES,
    { name: 'page 2 (cursor)', queries: [] as string[] }, // per channel, below
  ];
  for (const mix of mixes) {
    for (const ch of channels) {
      const queries = mix.queries.length ? mix.queries : page2[ch.label]!;
      const name = `${mix.name} ${ch.label}`;
      rows.push({ name, ...(await measure(name, ownerUrl, opts(queries, ch.headers))) });
    }
  }
  // Everything at once, both channels interleaved: the overall figure.
  const all = channels.flatMap((ch) =>
    [...MIXES.flatMap((m) => m.queries), ...page2[ch.label]!].map((q) => ({
      method: 'GET' as const,
      path: path(q),
      headers: ch.headers,
    })),
  );
  const overall = await measure('all mixes', ownerUrl, { url: base, requests: all });
  return { live, rows, overall };
}

// Phase 2 (not built yet): checkout under contention — 32 buyers on 10 hot products, orders/s,
// stock and ledger exactness checked afterwards. Needs carts and checkout (issue #5).

async function main(): Promise<void> {
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  const db = await createBenchDatabase({ prefix: DB_PREFIX });
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let failed = false;
  try {
    const hash = await argon2.hash(PASSWORD, {
      type: argon2.argon2id,
      memoryCost: 8192,
      timeCost: 1,
    });
    const seeded = await seedCatalog(db.config.database.ownerUrl, hash);
    const buyerEmail = 'bench-business@bench.fixbazaar.in';
    await withClient(db.config.database.ownerUrl, (c) =>
      c.query(
        `INSERT INTO users (role, status, email, password_hash, display_name, business_name, gstin)
         VALUES ('business', 'approved', $1, $2, 'Bench buyer', 'Bench Repairs', $3)`,
        [buyerEmail, hash, testGstin()],
      ),
    );
    const size = await withClient(db.config.database.ownerUrl, async (c) => {
      const { rows } = await c.query<{
        table: string;
        indexes: string;
        version: string;
        words: number;
        lexicon: string;
      }>(
        `SELECT pg_size_pretty(pg_table_size('listings')) AS table,
                pg_size_pretty(pg_indexes_size('listings')) AS indexes,
                current_setting('server_version') AS version,
                (SELECT count(*)::int FROM catalog_words) AS words,
                pg_size_pretty(pg_total_relation_size('catalog_words')) AS lexicon`,
      );
      return rows[0]!;
    });
    console.log(
      `bench:catalog — phases ${[...PHASES].join(', ')}; ` +
        `${CONNECTIONS} connections, ${seconds} s per mix after a 2 s warm-up; ${cpus().length} cpus, ` +
        `load average at start ${load}; node ${process.version}, PostgreSQL ${size.version}, database ${db.name}`,
    );
    console.log(
      `catalog: ${seeded.visible} visible listings (${seeded.active} active incl. ${seeded.active - seeded.visible} ` +
        `of ${SUSPENDED_DEALERS} suspended dealers; ${seeded.hidden - (seeded.active - seeded.visible)} paused/removed), ` +
        `${seeded.dealers} dealers; listings table ${size.table}, indexes ${size.indexes}; ` +
        `lexicon ${size.words} words (${size.lexicon}); seeded in ${seeded.seconds.toFixed(1)} s`,
    );

    server = await startServer(join(benchRoot, 'dist', 'src', 'main.js'), {
      DATABASE_URL: db.config.database.url,
      DATABASE_OWNER_URL: db.config.database.ownerUrl,
      RATE_LIMIT_POLICY,
      ABUSE_PENALTY_THRESHOLD: '1000000000',
    });
    const res = await fetch(`${server.base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identifier: buyerEmail, password: PASSWORD }),
    });
    if (res.status !== 200) throw new Error(`business buyer sign-in: ${res.status}`);
    const { accessToken } = (await res.json()) as { accessToken: string };

    if (PHASES.has('search')) {
      const { live, rows, overall } = await searchPhase(
        server.base,
        db.config.database.ownerUrl,
        accessToken,
      );

      console.log('');
      console.log(`| mix | req/s | p50 ms | p99 ms | × live req/s |`);
      console.log(`|---|---:|---:|---:|---:|`);
      for (const r of [...rows, { ...overall, name: 'all mixes (both channels)' }])
        console.log(
          `| ${r.name} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${(r.rps / live.rps).toFixed(3)} |`,
        );
      console.log(
        `| GET /health/live (floor) | ${live.rps.toFixed(0)} | ${live.p50} | ${live.p99} | 1 |`,
      );
      console.log('');
      const slug = (s: string) =>
        s
          .replace(/[^a-z0-9]+/gi, '_')
          .replace(/^_|_$/g, '')
          .toLowerCase();
      for (const r of rows) {
        console.log(`RESULT catalog.search.${slug(r.name)}.rps ${r.rps.toFixed(0)} 1/s`);
        console.log(`RESULT catalog.search.${slug(r.name)}.p50 ${r.p50} ms`);
        console.log(`RESULT catalog.search.${slug(r.name)}.p99 ${r.p99} ms`);
      }
      console.log(`RESULT catalog.search.rps ${overall.rps.toFixed(0)} 1/s`);
      console.log(`RESULT catalog.search.p50 ${overall.p50} ms`);
      console.log(`RESULT catalog.search.p99 ${overall.p99} ms`);
      console.log(`RESULT catalog.live.rps ${live.rps.toFixed(0)} 1/s`);
      console.log(`RESULT catalog.search.ratio_to_live ${(overall.rps / live.rps).toFixed(3)} x`);
      console.log(`RESULT catalog.listings ${seeded.visible} listings`);
      const slow = rows.filter((r) => r.p99 > TARGET_P99_MS);
      if (slow.length)
        console.log(`p99 above ${TARGET_P99_MS} ms: ${slow.map((r) => r.name).join(', ')}`);
      // Errors, or a mix of which no request completed within the window (all slower than it).
      failed = [...rows, overall, live].some((r) => r.errors > 0 || r.rps === 0);
    }
    if (PHASES.has('checkout')) {
      const c = await checkoutPhase(
        server.base,
        db.config.database.ownerUrl,
        hash,
        PASSWORD,
        seconds,
      );
      console.log('');
      console.log(
        `checkout: ${BUYERS} buyers, ${seconds} s per run, cart put + POST /checkout per attempt`,
      );
      console.log(
        `| run | orders/s | orders | out of stock (409) | checkout p50 ms | p99 ms | × baseline |`,
      );
      console.log(`|---|---:|---:|---:|---:|---:|---:|`);
      for (const r of [c.baseline, c.contended])
        console.log(
          `| ${r.name} | ${r.ordersPerSecond.toFixed(1)} | ${r.orders} | ${r.outOfStock} | ${r.p50} | ${r.p99} | ${(r.ordersPerSecond / c.baseline.ordersPerSecond).toFixed(3)} |`,
        );
      console.log(`exactness: ${c.exact ? 'ok' : c.problems.join('; ')}`);
      console.log('');
      console.log(
        `RESULT catalog.checkout.orders_per_s ${c.contended.ordersPerSecond.toFixed(1)} 1/s`,
      );
      console.log(`RESULT catalog.checkout.p50 ${c.contended.p50} ms`);
      console.log(`RESULT catalog.checkout.p99 ${c.contended.p99} ms`);
      console.log(
        `RESULT catalog.checkout.baseline_orders_per_s ${c.baseline.ordersPerSecond.toFixed(1)} 1/s`,
      );
      console.log(
        `RESULT catalog.checkout.ratio_to_uncontended ${(c.contended.ordersPerSecond / c.baseline.ordersPerSecond).toFixed(3)} x`,
      );
      console.log(`RESULT catalog.checkout.exact ${c.exact ? 1 : 0} bool`);
      if (!c.exact) failed = true;
    }
  } finally {
    await server?.stop();
    if (KEEP_DATABASE)
      console.log(`kept database ${db.name} (BENCH_KEEP_DATABASE=1): drop it yourself`);
    else await db.drop();
  }
  if (failed) process.exitCode = 1;
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
