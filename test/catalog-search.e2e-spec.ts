/**
 * The public catalog over HTTP (typed client): visibility (active listings of approved dealers only),
 * full-text and typo-tolerant search, every filter, every sort with cursor pagination, and the price
 * channel of each kind of caller, checked on the raw JSON so no other channel's price leaks.
 *
 * Listings are inserted with SQL as the database owner, so this file does not depend on the
 * management API.
 */
import { randomUUID } from 'node:crypto';
import type { QueryRunner } from 'typeorm';
import { SearchLexicon1764220000000 } from '../migrations/1764220000000-SearchLexicon.js';
import { QUIET_ENV, createAccount, signInAs, type SignedIn } from './support/accounts.js';
import type { components } from './support/api-types.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

type Listing = components['schemas']['CatalogListingDto'];
type Page = components['schemas']['CatalogListingPageDto'];

interface Fixture {
  id: string;
  dealer: 'sharma' | 'chennai' | 'suspended' | 'pending';
  status: 'draft' | 'in_review' | 'active' | 'paused' | 'removed';
  name: string;
  category: string;
  brand: string;
  models: string[];
  condition: 'new' | 'oem' | 'refurbished';
  sku: string;
  mrp: number;
  b2c: number;
  b2b: number;
  minQty: number | null;
  tiers: { minQty: number; pricePaise: number }[];
  onHand: number;
  reserved: number;
  createdAt: string;
}

const MAKERS: Record<string, string> = {
  'iPhone 13': 'Apple',
  'iPhone 13 Pro': 'Apple',
  'iPhone 12': 'Apple',
  'Galaxy M31': 'Samsung',
  'Redmi Note 10': 'Xiaomi',
  'Vivo Y20': 'Vivo',
};
const PARTS: Record<string, string> = {
  display: 'Display with touch (combo)',
  battery: 'Battery',
  charging_port: 'Charging port flex',
  camera: 'Rear camera module',
};

const T0 = Date.parse('2026-11-01T10:00:00.000Z');

/** The catalog: two approved dealers, one suspended, one pending; some listings not active. */
function fixtures(): Fixture[] {
  const out: Fixture[] = [];
  let n = 0;
  const add = (
    dealer: Fixture['dealer'],
    model: string,
    category: string,
    over: Partial<Fixture> = {},
  ): void => {
    n++;
    const condition: Fixture['condition'] = (['oem', 'new', 'refurbished'] as const)[n % 3]!;
    // B2C whole rupees; B2B ends in 37 paise, tiers in 41/43 paise: values that cannot collide.
    const b2c = (400 + ((n * 137) % 2400)) * 100;
    const b2b = Math.floor((b2c * 0.85) / 100) * 100 + 37;
    const bulk = category === 'display' || category === 'battery';
    out.push({
      id: randomUUID(),
      dealer,
      status: 'active',
      name: `${model} ${PARTS[category]}`,
      category,
      brand: condition === 'oem' ? MAKERS[model]! : n % 2 ? 'FixPro' : 'Spareking',
      models: [model],
      condition,
      sku: `${dealer.slice(0, 3).toUpperCase()}-${n}`,
      mrp: b2c + 20000,
      b2c,
      b2b,
      minQty: bulk ? 5 : null,
      tiers: bulk
        ? [
            { minQty: 50, pricePaise: b2b - 2596 },
            { minQty: 10, pricePaise: b2b - 1294 },
          ]
        : [],
      onHand: n % 5 === 0 ? 0 : 3 + (n % 7),
      reserved: 0,
      // Pairs of listings share a creation time: ties broken by id.
      createdAt: new Date(T0 + Math.floor(n / 2) * 60_000).toISOString(),
      ...over,
    });
  };
  for (const model of [
    'iPhone 13',
    'iPhone 13 Pro',
    'iPhone 12',
    'Galaxy M31',
    'Redmi Note 10',
    'Vivo Y20',
  ])
    for (const category of ['display', 'battery']) add('sharma', model, category);
  for (const model of ['iPhone 13', 'iPhone 12', 'Galaxy M31', 'Redmi Note 10', 'Vivo Y20'])
    for (const category of ['display', 'charging_port', 'camera']) add('chennai', model, category);
  // Shared by two models; out of stock because all of it is reserved; a huge stock (display cap).
  add('chennai', 'Redmi Note 10', 'battery', {
    models: ['Redmi Note 10', 'Redmi  Note 10S'],
    name: 'Redmi Note 10 / 10S Battery',
  });
  add('chennai', 'Galaxy M31', 'battery', { onHand: 4, reserved: 4 });
  add('sharma', 'Vivo Y20', 'charging_port', { onHand: 500, reserved: 10 });
  // Never visible: not active, or of a dealer that is not approved.
  add('sharma', 'iPhone 13', 'display', { status: 'draft', sku: 'SHA-DRAFT' });
  add('sharma', 'iPhone 13', 'display', { status: 'in_review', sku: 'SHA-REVIEW' });
  add('chennai', 'iPhone 13', 'display', { status: 'paused', sku: 'CHE-PAUSED' });
  add('chennai', 'Galaxy M31', 'display', { status: 'removed', sku: 'CHE-REMOVED' });
  add('suspended', 'iPhone 13', 'display');
  add('suspended', 'Galaxy M31', 'battery');
  add('pending', 'iPhone 13', 'display');
  add('pending', 'Vivo Y20', 'battery');
  return out;
}

const INSERT_LISTING = `
  INSERT INTO listings (id, dealer_id, sku, name, category, brand, compatible_models, condition,
    hsn_code, gst_rate_bps, mrp_paise, b2c_price_paise, b2b_price_paise, b2b_min_qty, b2b_tiers,
    stock_on_hand, stock_reserved, status, paused_by, search_text, created_at, updated_at)
  VALUES ($1,$2,$3,$4,$5,$6,$7,$8,'85177990',1800,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$19)`;

/** `search_text` as the application writes it (searchTextOf). */
const searchTextOf = (f: Pick<Fixture, 'name' | 'brand' | 'models' | 'category' | 'sku'>) =>
  [f.name, f.brand, ...f.models, f.category, f.sku]
    .map((s) => s.trim().replace(/\s+/g, ' ').toLowerCase())
    .join(' ');

const listingParams = (f: Fixture, dealerId: string): unknown[] => [
  f.id,
  dealerId,
  f.sku,
  f.name,
  f.category,
  f.brand,
  f.models,
  f.condition,
  f.mrp,
  f.b2c,
  f.b2b,
  f.minQty,
  JSON.stringify(f.tiers),
  f.onHand,
  f.reserved,
  f.status,
  f.status === 'paused' ? 'admin' : null,
  searchTextOf(f),
  f.createdAt,
];

const visible = (f: Fixture): boolean =>
  f.status === 'active' && (f.dealer === 'sharma' || f.dealer === 'chennai');

describe('catalog search', () => {
  let t: TestApp;
  const all = fixtures();
  const shown = all.filter(visible);
  const byId = new Map(all.map((f) => [f.id, f]));
  const dealerIds = new Map<Fixture['dealer'], string>();
  const dealerEmails: string[] = [];
  /** The dealers' GSTINs and the PANs inside them: never shown to buyers. */
  const dealerGstins: string[] = [];
  let customer: SignedIn;
  let business: SignedIn;
  let pendingBusiness: SignedIn;
  let admin: SignedIn;
  let finance: SignedIn;

  beforeAll(async () => {
    t = await startTestApp({ env: QUIET_ENV });
    const names: Record<Fixture['dealer'], [string, 'approved' | 'suspended' | 'pending']> = {
      sharma: ['Sharma Mobile Spares', 'approved'],
      chennai: ['Chennai Cell Parts', 'approved'],
      suspended: ['Suspended Spares', 'suspended'],
      pending: ['Pending Parts', 'pending'],
    };
    for (const [dealer, [name, status]] of Object.entries(names) as [
      Fixture['dealer'],
      [string, 'approved' | 'suspended' | 'pending'],
    ][]) {
      const a = await createAccount(t, 'dealer', { status });
      dealerIds.set(dealer, a.userId);
      dealerEmails.push(a.email);
      dealerGstins.push(a.gstin!);
      await withClient(t.db.ownerUrl, (c) =>
        c.query(`UPDATE users SET business_name = $2, phone = $3 WHERE id = $1`, [
          a.userId,
          name,
          `+9198${String(dealerEmails.length).padStart(8, '7')}`,
        ]),
      );
    }
    await withClient(t.db.ownerUrl, async (c) => {
      for (const f of all)
        await c.query(INSERT_LISTING, listingParams(f, dealerIds.get(f.dealer)!));
    });
    [customer, business, pendingBusiness, admin, finance] = await Promise.all([
      signInAs(t, 'customer'),
      signInAs(t, 'business'),
      signInAs(t, 'business', { status: 'pending' }),
      signInAs(t, 'admin'),
      signInAs(t, 'finance'),
    ]);
  });
  afterAll(async () => {
    await t?.close();
  });

  type Query = Record<string, string | number | boolean>;

  /** One page, raw: status, parsed body and the exact JSON text. */
  async function raw(path: string, query: Query = {}, who?: SignedIn) {
    const qs = new URLSearchParams(
      Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]),
    );
    const res = await fetch(`${t.baseUrl}${path}${qs.size ? `?${qs}` : ''}`, {
      headers: who ? who.headers : {},
    });
    const text = await res.text();
    return { status: res.status, text, body: JSON.parse(text) as unknown };
  }

  /** Every page of a search (through the typed client), in order. */
  async function everything(query: Query, who?: SignedIn, limit = 100): Promise<Listing[]> {
    const items: Listing[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const { data, response } = await t.api.GET('/catalog/listings', {
        params: { query: { ...query, limit, ...(cursor ? { cursor } : {}) } as never },
        headers: who?.headers,
      });
      expect(response.status).toBe(200);
      const page = data as Page;
      expect(page.items.length).toBeLessThanOrEqual(limit);
      items.push(...page.items);
      if (!page.nextCursor) return items;
      expect(page.items).toHaveLength(limit);
      cursor = page.nextCursor;
    }
    throw new Error('more than 100 pages');
  }

  /** The JSON text holds this number as a member value. */
  const hasValue = (text: string, n: number) => new RegExp(`:${n}[,}\\]]`).test(text);
  const ids = (items: { id: string }[]) => items.map((i) => i.id);
  const sorted = (xs: string[]) => [...xs].sort();

  it('shows only active listings of approved dealers, in search and by id', async () => {
    for (const who of [undefined, customer, business, admin]) {
      expect(sorted(ids(await everything({}, who)))).toEqual(sorted(ids(shown)));
    }
    for (const f of all) {
      const res = await raw(`/catalog/listings/${f.id}`);
      expect([f.sku, res.status]).toEqual([f.sku, visible(f) ? 200 : 404]);
      if (!visible(f)) {
        expect(res.body).toMatchObject({ status: 404, code: 'catalog/listing-not-found' });
        expect(res.text).not.toContain(f.sku);
        // Staff browse the same shelf: moderation views are elsewhere.
        expect((await raw(`/catalog/listings/${f.id}`, {}, admin)).status).toBe(404);
      }
    }
    expect((await raw(`/catalog/listings/${randomUUID()}`)).status).toBe(404);

    // Suspending a dealer hides its listings at once; approving it again shows them again.
    const chennai = dealerIds.get('chennai')!;
    const oneOfChennai = shown.find((f) => f.dealer === 'chennai')!;
    await withClient(t.db.ownerUrl, (c) =>
      c.query(`UPDATE users SET status = 'suspended' WHERE id = $1`, [chennai]),
    );
    try {
      expect(sorted(ids(await everything({})))).toEqual(
        sorted(ids(shown.filter((f) => f.dealer !== 'chennai'))),
      );
      expect((await raw(`/catalog/listings/${oneOfChennai.id}`)).status).toBe(404);
    } finally {
      await withClient(t.db.ownerUrl, (c) =>
        c.query(`UPDATE users SET status = 'approved' WHERE id = $1`, [chennai]),
      );
    }
    expect((await raw(`/catalog/listings/${oneOfChennai.id}`)).status).toBe(200);
  });

  it('finds "iphone 13 displya" (a typo): the iPhone 13 displays first', async () => {
    const found = await everything({ q: 'iphone 13 displya' });
    const iphone13Displays = shown.filter(
      (f) => f.category === 'display' && f.models.includes('iPhone 13'),
    );
    expect(iphone13Displays.length).toBe(2);
    expect(sorted(ids(found.slice(0, iphone13Displays.length)))).toEqual(
      sorted(ids(iphone13Displays)),
    );
    // Then the other iPhone displays, then other iPhone 13 parts; nothing for other phones.
    for (const item of found) expect(item.compatibleModels.join(' ')).toMatch(/iPhone/);
    const categories = found.map((i) => i.category);
    expect(categories.lastIndexOf('display')).toBe(
      shown.filter((f) => f.category === 'display' && /iPhone/.test(f.models[0]!)).length - 1,
    );
    expect(categories.indexOf('display')).toBe(0);
    expect(found.length).toBeGreaterThan(categories.lastIndexOf('display') + 1);
    // The suspended and pending dealers' iPhone 13 displays are not among them.
    const hidden = all.filter((f) => !visible(f)).map((f) => f.id);
    expect(ids(found).filter((id) => hidden.includes(id))).toEqual([]);
  });

  it('matches every word by full text when it can, case-insensitively; typos otherwise', async () => {
    const found = await everything({ q: 'GALAXY m31 Battery' });
    const expected = shown.filter(
      (f) => f.category === 'battery' && f.models.includes('Galaxy M31'),
    );
    expect(expected.length).toBe(2);
    expect(sorted(ids(found.slice(0, 2)))).toEqual(sorted(ids(expected)));
    // Every word present: only listings with all of them (full text), no near misses.
    expect(sorted(ids(await everything({ q: 'iPhone 13 display' })))).toEqual(
      sorted(
        ids(shown.filter((f) => f.category === 'display' && f.models[0]!.startsWith('iPhone 13'))),
      ),
    );
    expect(sorted(ids(await everything({ q: '"iphone 13 pro" -battery' })))).toEqual(
      sorted(ids(shown.filter((f) => f.models[0] === 'iPhone 13 Pro' && f.category !== 'battery'))),
    );
    // A misspelt brand still finds its listings.
    const samsung = await everything({ q: 'samsng' });
    expect(samsung.length).toBeGreaterThan(0);
    expect(samsung.every((i) => i.brand === 'Samsung')).toBe(true);
    // Something no listing resembles finds nothing.
    expect(await everything({ q: 'washing machine drum' })).toEqual([]);
  });

  it('narrows by each filter, and by all of them together', async () => {
    const cases: [Query, (f: Fixture) => boolean][] = [
      [{ category: 'camera' }, (f) => f.category === 'camera'],
      [{ brand: 'aPPle' }, (f) => f.brand === 'Apple'],
      [{ brand: ' FixPro ' }, (f) => f.brand === 'FixPro'],
      [{ model: 'iphone 13' }, (f) => f.models.includes('iPhone 13')],
      [{ model: '  redmi   NOTE 10s ' }, (f) => f.models.includes('Redmi  Note 10S')],
      [{ model: 'Redmi Note 10' }, (f) => f.models.includes('Redmi Note 10')],
      [{ condition: 'refurbished' }, (f) => f.condition === 'refurbished'],
      [{ minPrice: 100000, maxPrice: 200000 }, (f) => f.b2c >= 100000 && f.b2c <= 200000],
      [{ minPrice: 150000 }, (f) => f.b2c >= 150000],
      [{ maxPrice: 150000 }, (f) => f.b2c <= 150000],
      [{ inStock: true }, (f) => f.onHand - f.reserved > 0],
      [{ inStock: false }, (f) => f.onHand - f.reserved <= 0],
      [
        { category: 'display', brand: 'apple', inStock: true, maxPrice: 250000 },
        (f) =>
          f.category === 'display' &&
          f.brand === 'Apple' &&
          f.onHand > f.reserved &&
          f.b2c <= 250000,
      ],
      [
        { q: 'display', model: 'Galaxy M31' },
        (f) => f.category === 'display' && f.models.includes('Galaxy M31'),
      ],
    ];
    for (const [query, predicate] of cases) {
      const expected = sorted(ids(shown.filter(predicate)));
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(shown.length);
      expect([query, sorted(ids(await everything(query)))]).toEqual([query, expected]);
    }
  });

  it('filters and sorts by the caller’s channel price', async () => {
    // A range that holds some listings' B2B price but not their B2C price, and the other way round.
    const lo = 150000;
    const hi = 220000;
    const b2cIn = (f: Fixture) => f.b2c >= lo && f.b2c <= hi;
    const b2bIn = (f: Fixture) => f.b2b >= lo && f.b2b <= hi;
    expect(shown.some((f) => b2cIn(f) !== b2bIn(f))).toBe(true);
    const range = { minPrice: lo, maxPrice: hi };
    expect(sorted(ids(await everything(range)))).toEqual(sorted(ids(shown.filter(b2cIn))));
    expect(sorted(ids(await everything(range, pendingBusiness)))).toEqual(
      sorted(ids(shown.filter(b2cIn))),
    );
    expect(sorted(ids(await everything(range, business)))).toEqual(
      sorted(ids(shown.filter(b2bIn))),
    );
    // Staff filter on the B2C (shelf) price.
    expect(sorted(ids(await everything(range, admin)))).toEqual(sorted(ids(shown.filter(b2cIn))));
  });

  it('pages through every sort with limit=3: each listing exactly once, in order', async () => {
    const byPrice =
      (price: (f: Fixture) => number, dir: 1 | -1) =>
      (a: Fixture, b: Fixture): number =>
        dir * (price(a) - price(b)) || dir * (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    const newest = (a: Fixture, b: Fixture): number =>
      Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
    const cases: [Query, SignedIn | undefined, Fixture[] | null][] = [
      [{}, undefined, [...shown].sort(newest)],
      [{ sort: 'newest' }, customer, [...shown].sort(newest)],
      [{ sort: 'price_asc' }, undefined, [...shown].sort(byPrice((f) => f.b2c, 1))],
      [{ sort: 'price_desc' }, undefined, [...shown].sort(byPrice((f) => f.b2c, -1))],
      [{ sort: 'price_asc' }, business, [...shown].sort(byPrice((f) => f.b2b, 1))],
      [{ sort: 'price_desc' }, business, [...shown].sort(byPrice((f) => f.b2b, -1))],
      [{ sort: 'price_asc' }, admin, [...shown].sort(byPrice((f) => f.b2c, 1))],
      // Relevance without q falls back to newest.
      [{ sort: 'relevance' }, undefined, [...shown].sort(newest)],
      // Relevance: checked against one big page (the ranking is the database's).
      [{ q: 'display' }, undefined, null],
      [{ q: 'iphone 13 displya', sort: 'relevance' }, business, null],
      // The typo tier by price: the same set as by relevance (listings with at least two of the
      // three words, "displya" read as "display"), in price order.
      [
        { q: 'iphone 13 displya', sort: 'price_asc' },
        undefined,
        shown
          .filter((f) => {
            const words = new Set(searchTextOf(f).split(/[^a-z0-9]+/));
            return ['iphone', '13', 'display'].filter((w) => words.has(w)).length >= 2;
          })
          .sort(byPrice((f) => f.b2c, 1)),
      ],
      [{ q: 'battery', sort: 'price_desc', inStock: true }, undefined, null],
    ];
    for (const [query, who, expected] of cases) {
      const paged = await everything(query, who, 3);
      const whole = await everything(query, who, 100);
      expect(new Set(ids(paged)).size).toBe(paged.length);
      expect([query, ids(paged)]).toEqual([query, ids(whole)]);
      if (expected) expect([query, ids(paged)]).toEqual([query, ids(expected)]);
      else expect(paged.length).toBeGreaterThan(3);
    }
  });

  it('refuses a cursor used with other criteria, sort or channel', async () => {
    const first = (await raw('/catalog/listings', { sort: 'price_asc', limit: 3 })).body as Page;
    expect(first.nextCursor).toBeDefined();
    const cursor = first.nextCursor!;
    expect((await raw('/catalog/listings', { sort: 'price_asc', limit: 3, cursor })).status).toBe(
      200,
    );
    for (const [query, who] of [
      [{ sort: 'price_desc' }, undefined],
      [{ sort: 'price_asc', category: 'display' }, undefined],
      [{ sort: 'price_asc' }, business],
    ] as [Query, SignedIn | undefined][]) {
      const res = await raw('/catalog/listings', { ...query, cursor }, who);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        code: 'request/invalid-cursor',
        errors: [expect.objectContaining({ field: 'cursor', in: 'query' })],
      });
    }
  });

  it('shows each caller the prices of its channel and nothing of the other', async () => {
    const callers: [string, SignedIn | undefined, 'b2c' | 'b2b' | 'staff'][] = [
      ['anonymous', undefined, 'b2c'],
      ['customer', customer, 'b2c'],
      ['pending business', pendingBusiness, 'b2c'],
      ['approved business', business, 'b2b'],
      ['admin', admin, 'staff'],
      ['finance', finance, 'staff'],
    ];
    const bulky = shown.find((f) => f.tiers.length > 0)!;
    for (const [label, who, channel] of callers) {
      const list = await raw('/catalog/listings', { limit: 100 }, who);
      expect([label, list.status]).toEqual([label, 200]);
      const page = list.body as Page & { items: Record<string, unknown>[] };
      expect([label, page.channel]).toEqual([label, channel]);
      expect(page.items).toHaveLength(shown.length);
      const detail = await raw(`/catalog/listings/${bulky.id}`, {}, who);
      expect(detail.status).toBe(200);
      const items = [...page.items, detail.body as Record<string, unknown>];
      for (const item of items) {
        const f = byId.get(item.id as string)!;
        const text = JSON.stringify(item);
        expect(item.channel).toBe(channel);
        expect(item.mrpPaise).toBe(f.mrp);
        const keys = Object.keys(item);
        if (channel === 'b2c') {
          expect(item.pricePaise).toBe(f.b2c);
          for (const k of ['b2bMinQty', 'tiers', 'b2cPricePaise', 'b2bPricePaise'])
            expect([label, keys]).not.toEqual([label, expect.arrayContaining([k])]);
          expect(hasValue(text, f.b2b)).toBe(false);
          for (const tier of f.tiers) expect(hasValue(text, tier.pricePaise)).toBe(false);
        } else if (channel === 'b2b') {
          expect(item.pricePaise).toBe(f.b2b);
          expect(item.b2bMinQty).toBe(f.minQty);
          expect(item.tiers).toEqual([...f.tiers].sort((a, b) => a.minQty - b.minQty));
          for (const k of ['b2cPricePaise', 'b2bPricePaise'])
            expect([label, keys]).not.toEqual([label, expect.arrayContaining([k])]);
          expect(hasValue(text, f.b2c)).toBe(false);
        } else {
          expect(item.b2cPricePaise).toBe(f.b2c);
          expect(item.b2bPricePaise).toBe(f.b2b);
          expect(item.b2bMinQty).toBe(f.minQty);
          expect(item.tiers).toEqual([...f.tiers].sort((a, b) => a.minQty - b.minQty));
          expect(keys).not.toContain('pricePaise');
        }
      }
      // The raw page as a whole: no other channel's member names anywhere.
      if (channel === 'b2c')
        expect(list.text).not.toMatch(/"(b2bMinQty|tiers|b2cPricePaise|b2bPricePaise)":/);
      if (channel === 'b2b') expect(list.text).not.toMatch(/"(b2cPricePaise|b2bPricePaise)":/);
    }
  });

  it('shows availability capped for buyers and exact for staff, the dealer’s trading name, no dealer PII', async () => {
    const huge = shown.find((f) => f.onHand === 500)!;
    const allReserved = shown.find((f) => f.onHand === 4 && f.reserved === 4)!;
    const buyer = (await raw(`/catalog/listings/${huge.id}`, {}, customer)).body as Listing;
    expect(buyer).toMatchObject({ inStock: true, available: 100 });
    const staff = (await raw(`/catalog/listings/${huge.id}`, {}, admin)).body as Listing;
    expect(staff).toMatchObject({ inStock: true, available: 490 });
    expect((await raw(`/catalog/listings/${allReserved.id}`)).body).toMatchObject({
      inStock: false,
      available: 0,
    });
    const some = shown.find((f) => f.onHand > 0 && f.onHand < 100)!;
    expect((await raw(`/catalog/listings/${some.id}`)).body).toMatchObject({
      inStock: true,
      available: some.onHand,
    });

    const list = await raw('/catalog/listings', { limit: 100 });
    const page = list.body as Page;
    for (const item of page.items) {
      const f = byId.get(item.id)!;
      expect(item.dealer).toEqual({
        id: dealerIds.get(f.dealer),
        businessName: f.dealer === 'sharma' ? 'Sharma Mobile Spares' : 'Chennai Cell Parts',
      });
      expect(item).toMatchObject({
        name: f.name,
        category: f.category,
        brand: f.brand,
        compatibleModels: f.models,
        condition: f.condition,
        sku: f.sku,
        createdAt: f.createdAt,
      });
    }
    const pans = dealerGstins.map((g) => g.slice(2, 12));
    for (const secret of [...dealerEmails, ...dealerGstins, ...pans, '+9198', 'MG Road'])
      expect(list.text).not.toContain(secret);
    const detail = await raw(`/catalog/listings/${huge.id}`);
    for (const secret of [...dealerEmails, ...dealerGstins, '+9198'])
      expect(detail.text).not.toContain(secret);
    expect(detail.body).toMatchObject({ description: '' });
  });

  it('refuses bad parameters with a problem naming the field', async () => {
    const cases: [Query, string][] = [
      [{ limit: 101 }, 'limit'],
      [{ limit: 0 }, 'limit'],
      [{ category: 'phones' }, 'category'],
      [{ condition: 'used' }, 'condition'],
      [{ sort: 'cheapest' }, 'sort'],
      [{ minPrice: -1 }, 'minPrice'],
      [{ minPrice: 'abc' }, 'minPrice'],
      [{ maxPrice: 10.5 }, 'maxPrice'],
      [{ minPrice: 5000, maxPrice: 4999 }, 'maxPrice'],
      [{ inStock: 'yes' }, 'inStock'],
      [{ q: 'x'.repeat(101) }, 'q'],
      [{ model: 'm'.repeat(101) }, 'model'],
      [{ cursor: 'not-a-cursor' }, 'cursor'],
      [
        { cursor: Buffer.from('{"s":"newest","h":"x","k":"1","i":"y"}').toString('base64url') },
        'cursor',
      ],
      [{ dealerId: randomUUID() }, 'dealerId'],
    ];
    for (const [query, field] of cases) {
      const res = await raw('/catalog/listings', query);
      expect([query, res.status]).toEqual([query, 400]);
      expect(res.body).toMatchObject({
        code: field === 'cursor' ? 'request/invalid-cursor' : 'request/validation-failed',
        errors: expect.arrayContaining([expect.objectContaining({ field })]),
      });
    }
    const badId = await raw('/catalog/listings/not-a-uuid');
    expect(badId.status).toBe(400);
    expect(badId.body).toMatchObject({
      errors: [expect.objectContaining({ field: 'id', in: 'path' })],
    });
    // A token that is not valid is refused even on a public route (refresh it, or send none).
    const forged = await fetch(`${t.baseUrl}/catalog/listings`, {
      headers: { authorization: 'Bearer not.a.token' },
    });
    expect(forged.status).toBe(401);
    // A blank search box counts as no search.
    expect(sorted(ids(await everything({ q: '   ' })))).toEqual(sorted(ids(shown)));
  });
  // -------------------------------------------------------------------------------------------
  // Typo tier: corrections against the catalog's words, and the lexicon behind them. These tests
  // add listings; each removes them before it ends, so the visible catalog stays `shown`.
  // -------------------------------------------------------------------------------------------

  /** An active listing of Sharma's outside the fixtures (not visible to earlier tests). */
  function extra(name: string, sku: string, over: Partial<Fixture> = {}): Fixture {
    return {
      id: randomUUID(),
      dealer: 'sharma',
      status: 'active',
      name,
      category: 'other',
      brand: 'Spareking',
      models: ['Vivo Y20'],
      condition: 'new',
      sku,
      mrp: 100000,
      b2c: 90000,
      b2b: 80037,
      minQty: null,
      tiers: [],
      onHand: 5,
      reserved: 0,
      createdAt: new Date(T0).toISOString(),
      ...over,
    };
  }

  const owner = <T>(fn: Parameters<typeof withClient<T>>[1]) => withClient<T>(t.db.ownerUrl, fn);

  /** Rows where catalog_words differs from the words of the active listings, recounted. */
  const lexiconDrift = () =>
    owner(
      async (c) =>
        (
          await c.query(`
            SELECT coalesce(w.word, e.word) AS word, w.listings AS stored, e.listings AS expected
              FROM catalog_words w
              FULL JOIN (SELECT x AS word, count(*)::int AS listings
                           FROM listings l, unnest(tsvector_to_array(l.search_vector)) x
                          WHERE l.status = 'active' GROUP BY x) e ON e.word = w.word
             WHERE w.listings IS DISTINCT FROM e.listings`)
        ).rows,
    );

  /** How many active listings have `word`, per the lexicon (null: not in it). */
  const lexicon = (word: string) =>
    owner(async (c) => {
      const { rows } = await c.query<{ listings: number }>(
        `SELECT listings FROM catalog_words WHERE word = $1`,
        [word],
      );
      return rows[0]?.listings ?? null;
    });

  const setStatus = (ids: string[], status: Fixture['status']) =>
    owner((c) =>
      c.query(
        `UPDATE listings SET status = $2, paused_by = CASE WHEN $2 = 'paused' THEN 'dealer' END
          WHERE id = ANY($1::uuid[])`,
        [ids, status],
      ),
    );

  it('corrects misspelt words to the catalog’s words, and says what it searched', async () => {
    const iphone13Displays = shown.filter(
      (f) => f.category === 'display' && f.models[0]!.startsWith('iPhone 13'),
    );
    expect(iphone13Displays.length).toBe(3);
    // One typo, and two (transposed letters in two words): first every listing with all the words.
    for (const q of ['iphone 13 displya', 'iphnoe 13 dispaly', 'IPHONE  13 Dispaly']) {
      const page = (await raw('/catalog/listings', { q, limit: 100 })).body as Page;
      expect([q, page.correctedQuery]).toEqual([q, 'iphone 13 display']);
      expect(sorted(ids(page.items.slice(0, 3)))).toEqual(sorted(ids(iphone13Displays)));
      // The iPhone 13 displays themselves before the iPhone 13 Pro's (closer words).
      expect(page.items[2]!.compatibleModels).toEqual(['iPhone 13 Pro']);
    }
    // Two misspelt words of two: only listings with both (no near misses for short queries).
    const galaxyBatteries = shown.filter(
      (f) => f.category === 'battery' && f.models.some((m) => m.startsWith('Galaxy')),
    );
    expect(galaxyBatteries.length).toBe(2);
    const two = (await raw('/catalog/listings', { q: 'galxy batery', limit: 100 })).body as Page;
    expect(two.correctedQuery).toBe('galaxy battery');
    expect(sorted(ids(two.items))).toEqual(sorted(ids(galaxyBatteries)));
    // Excluded words stay excluded.
    const noBattery = (await raw('/catalog/listings', { q: 'galxy -battery', limit: 100 }))
      .body as Page;
    expect(noBattery.correctedQuery).toBe('galaxy -battery');
    const galaxyOthers = shown.filter(
      (f) => f.category !== 'battery' && f.models.some((m) => m.startsWith('Galaxy')),
    );
    expect(galaxyOthers.length).toBeGreaterThan(0);
    expect(sorted(ids(noBattery.items))).toEqual(sorted(ids(galaxyOthers)));
    // Found as typed: nothing corrected, nothing said.
    const exact = await raw('/catalog/listings', { q: 'iphone 13 display' });
    expect(Object.keys(exact.body as object)).not.toContain('correctedQuery');
    // Every page of a corrected search says it.
    const first = (await raw('/catalog/listings', { q: 'iphone 13 displya', limit: 2 }))
      .body as Page;
    const second = (
      await raw('/catalog/listings', {
        q: 'iphone 13 displya',
        limit: 2,
        cursor: first.nextCursor!,
      })
    ).body as Page;
    expect(second.correctedQuery).toBe('iphone 13 display');
    expect(second.items).toHaveLength(2);
  });

  it('finds nothing for words nothing in the catalog resembles, and never corrects numbers', async () => {
    for (const q of [
      'xylophone',
      'refrigerator compressor',
      'iphone xylophone',
      'iphone xylophone trampoline',
      // "y21" is not "y20", "14" not "13", "m13" not "m31": model numbers match exactly.
      'vivo y21',
      'iphone 14',
      'galaxy m13',
      // Short words are not corrected either ("iphone" is found, "dsp" is not a display).
      'iphone dsp',
    ]) {
      const res = await raw('/catalog/listings', { q });
      expect([q, res.status]).toEqual([q, 200]);
      expect([q, (res.body as Page).items]).toEqual([q, []]);
      expect([q, Object.keys(res.body as object)]).toEqual([q, ['channel', 'items']]);
    }
  });

  it('keeps the lexicon exact as listings are created, edited, paused, resumed and removed', async () => {
    expect(await lexiconDrift()).toEqual([]);
    const sharma = dealerIds.get('sharma')!;
    const capacitor = extra('Quokka capacitor module', 'SHA-QUOKKA-1');
    const pack = extra('Quokka battery pack', 'SHA-QUOKKA-2');
    const search = async (q: string) => {
      const page = (await raw('/catalog/listings', { q, limit: 100 })).body as Page;
      return { ids: sorted(ids(page.items)), corrected: page.correctedQuery };
    };
    try {
      await owner((c) => c.query(INSERT_LISTING, listingParams(capacitor, sharma)));
      expect([await lexicon('quokka'), await lexicon('capacitor')]).toEqual([1, 1]);
      expect(await search('quokka capacitr')).toEqual({
        ids: [capacitor.id],
        corrected: 'quokka capacitor',
      });

      // Edited: its old word goes, its new one comes.
      const edited = { ...capacitor, name: 'Quokka condenser module' };
      await owner((c) =>
        c.query(`UPDATE listings SET name = $2, search_text = $3 WHERE id = $1`, [
          capacitor.id,
          edited.name,
          searchTextOf(edited),
        ]),
      );
      expect([await lexicon('capacitor'), await lexicon('condenser')]).toEqual([null, 1]);
      expect(await search('capacitr')).toEqual({ ids: [], corrected: undefined });
      expect(await search('condensr')).toEqual({ ids: [capacitor.id], corrected: 'condenser' });
      expect(await lexiconDrift()).toEqual([]);

      // Paused: none of its words is in an active listing any more; resumed: they are back.
      await setStatus([capacitor.id], 'paused');
      expect([await lexicon('quokka'), await lexicon('condenser')]).toEqual([null, null]);
      expect(await search('quokka condensr')).toEqual({ ids: [], corrected: undefined });
      expect(await lexiconDrift()).toEqual([]);
      await setStatus([capacitor.id], 'active');
      expect([await lexicon('quokka'), await lexicon('condenser')]).toEqual([1, 1]);

      // A word two listings share stays until neither is active.
      await owner((c) => c.query(INSERT_LISTING, listingParams(pack, sharma)));
      expect(await lexicon('quokka')).toBe(2);
      await setStatus([capacitor.id], 'removed');
      expect([await lexicon('quokka'), await lexicon('condenser')]).toEqual([1, null]);
      expect(await search('quoka')).toEqual({ ids: [pack.id], corrected: 'quokka' });
      expect(await lexiconDrift()).toEqual([]);

      // Deleted (a listing without history can be): its words go too.
      const gone = extra('Quokka speaker grille', 'SHA-QUOKKA-3');
      await owner((c) => c.query(INSERT_LISTING, listingParams(gone, sharma)));
      expect([await lexicon('quokka'), await lexicon('grille')]).toEqual([2, 1]);
      await owner((c) => c.query(`DELETE FROM listings WHERE id = $1`, [gone.id]));
      expect([await lexicon('quokka'), await lexicon('grille')]).toEqual([1, null]);
      // Stock and price changes leave the lexicon alone.
      await owner((c) =>
        c.query(`UPDATE listings SET stock_on_hand = stock_on_hand + 1 WHERE id = $1`, [pack.id]),
      );
      expect(await lexiconDrift()).toEqual([]);
    } finally {
      await setStatus([capacitor.id, pack.id], 'removed');
    }
    expect([await lexicon('quokka'), await lexicon('condenser')]).toEqual([null, null]);
    expect(await lexiconDrift()).toEqual([]);
  });

  it('counts concurrent listing writes that share words exactly, without deadlock', async () => {
    const sharma = dealerIds.get('sharma')!;
    const shared = ['wombat', 'platypus', 'echidna', 'dingo', 'kookaburra'];
    const writers = 6;
    // Writer w inserts three listings in ONE statement, the shared words rotated differently in each
    // row and for each writer, and holds its locks a while before committing.
    const batches = Array.from({ length: writers }, (_, w) =>
      Array.from({ length: 3 }, (_r, r) => {
        const k = (w + r * 2) % shared.length;
        const words = [...shared.slice(k), ...shared.slice(0, k)];
        return extra(`${words.join(' ')} part`, `SHA-ZOO-${w}-${r}`);
      }),
    );
    const insertMany = `
      INSERT INTO listings (id, dealer_id, sku, name, category, brand, compatible_models,
        condition, hsn_code, gst_rate_bps, mrp_paise, b2c_price_paise, b2b_price_paise,
        stock_on_hand, status, search_text)
      SELECT r.id, $2, r.sku, r.name, 'other', 'Spareking', ARRAY['Vivo Y20'], 'new', '85177990',
             1800, 100000, 90000, 80037, 5, 'active', r.search_text
        FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, sku text, name text, search_text text)`;
    /** Runs `work` in one transaction per writer, all at once, holding locks 100 ms. */
    const concurrently = (work: (w: number) => [string, unknown[]]) =>
      Promise.allSettled(
        Array.from({ length: writers }, (_, w) =>
          owner(async (c) => {
            await c.query('BEGIN');
            try {
              await c.query(...work(w));
              await c.query('SELECT pg_sleep(0.1)');
              await c.query('COMMIT');
            } catch (err) {
              await c.query('ROLLBACK');
              throw err;
            }
          }),
        ),
      );
    const all = batches.flat();
    try {
      const created = await concurrently((w) => [
        insertMany,
        [
          JSON.stringify(
            batches[w]!.map((f) => ({
              id: f.id,
              sku: f.sku,
              name: f.name,
              search_text: searchTextOf(f),
            })),
          ),
          sharma,
        ],
      ]);
      expect(created.filter((r) => r.status === 'rejected')).toEqual([]);
      for (const word of shared) expect([word, await lexicon(word)]).toEqual([word, all.length]);
      expect(await lexiconDrift()).toEqual([]);

      // Half the writers pause their listings while the other half edit theirs (a new word each).
      const paused = await concurrently((w) =>
        w % 2 === 0
          ? [
              `UPDATE listings SET status = 'paused', paused_by = 'dealer' WHERE id = ANY($1::uuid[])`,
              [ids(batches[w]!)],
            ]
          : [
              `UPDATE listings SET search_text = search_text || ' numbat' WHERE id = ANY($1::uuid[])`,
              [ids(batches[w]!)],
            ],
      );
      expect(paused.filter((r) => r.status === 'rejected')).toEqual([]);
      const stillActive = batches.filter((_, w) => w % 2 === 1).flat().length;
      for (const word of [...shared, 'numbat'])
        expect([word, await lexicon(word)]).toEqual([word, stillActive]);
      expect(await lexiconDrift()).toEqual([]);
      expect(sorted(ids(await everything({ q: 'wombat platypus numbat' })))).toEqual(
        sorted(ids(batches.filter((_, w) => w % 2 === 1).flat())),
      );
    } finally {
      await setStatus(ids(all), 'removed');
    }
    for (const word of [...shared, 'numbat'])
      expect([word, await lexicon(word)]).toEqual([word, null]);
    expect(await lexiconDrift()).toEqual([]);
  });

  it('refuses a typo-tier cursor once the catalog’s words give other corrections', async () => {
    const first = (await raw('/catalog/listings', { q: 'displya', limit: 2 })).body as Page;
    expect(first.correctedQuery).toBe('display');
    expect(first.nextCursor).toBeDefined();
    // A new word as close to "displya" as "display" is: the corrections, hence the ranking, change.
    const rival = extra('Displaya stand', 'SHA-DISPLAYA');
    await owner((c) => c.query(INSERT_LISTING, listingParams(rival, dealerIds.get('sharma')!)));
    try {
      const res = await raw('/catalog/listings', {
        q: 'displya',
        limit: 2,
        cursor: first.nextCursor!,
      });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        code: 'request/invalid-cursor',
        errors: [expect.objectContaining({ field: 'cursor', in: 'query' })],
      });
      // Started again, the search reads both words ("display" is the more common one).
      const again = await everything({ q: 'displya' });
      expect(ids(again)).toContain(rival.id);
    } finally {
      await setStatus([rival.id], 'removed');
    }
    // And the rebuilt lexicon (the migration's backfill) matches the triggers' one.
    await owner(async (c) => {
      await c.query('BEGIN');
      const migration = new SearchLexicon1764220000000();
      const runner = { query: (sql: string) => c.query(sql) } as unknown as QueryRunner;
      await migration.down(runner);
      await migration.up(runner);
      await c.query('COMMIT');
    });
    // Every active listing counts, visible or not (the lexicon is for spelling, not visibility).
    expect(await lexicon('display')).toBe(
      all.filter((f) => f.status === 'active' && f.category === 'display').length,
    );
    expect(await lexiconDrift()).toEqual([]);
  });
});
