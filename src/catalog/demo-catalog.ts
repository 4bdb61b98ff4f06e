/**
 * The demo catalog `npm run up` seeds: a few hundred spare parts for phone models popular in India,
 * spread over the demo dealers, with believable GST-inclusive prices. Deterministic (seeded PRNG),
 * so every machine gets the same catalog. Pure: the seeding command writes it.
 */

export interface DemoListing {
  readonly sku: string;
  readonly name: string;
  readonly category: string;
  readonly brand: string;
  readonly compatibleModels: readonly string[];
  readonly condition: 'new' | 'oem' | 'refurbished';
  readonly hsnCode: string;
  readonly gstRateBps: number;
  readonly mrpPaise: bigint;
  readonly b2cPricePaise: bigint;
  readonly b2bPricePaise: bigint;
  readonly b2bMinQty: number | null;
  readonly b2bTiers: readonly { minQty: number; pricePaise: bigint }[];
  readonly stockOnHand: number;
}

const PHONES: readonly { maker: string; models: readonly string[]; tier: number }[] = [
  {
    maker: 'Apple',
    models: ['iPhone 11', 'iPhone 12', 'iPhone 13', 'iPhone 14', 'iPhone 15'],
    tier: 3,
  },
  {
    maker: 'Samsung',
    models: ['Galaxy M31', 'Galaxy M32', 'Galaxy A14', 'Galaxy A52', 'Galaxy S21 FE'],
    tier: 2,
  },
  {
    maker: 'Xiaomi',
    models: ['Redmi Note 10', 'Redmi Note 11', 'Redmi Note 12', 'Redmi 9A', 'Poco X3'],
    tier: 1,
  },
  { maker: 'Vivo', models: ['Vivo Y20', 'Vivo Y21', 'Vivo V25'], tier: 1 },
  { maker: 'Oppo', models: ['Oppo A15', 'Oppo A54', 'Oppo F19'], tier: 1 },
  { maker: 'Realme', models: ['Realme 8', 'Realme 9', 'Realme Narzo 50'], tier: 1 },
  { maker: 'OnePlus', models: ['OnePlus Nord CE 2', 'OnePlus 9R', 'OnePlus 10R'], tier: 2 },
  { maker: 'Motorola', models: ['Moto G32', 'Moto G62'], tier: 1 },
];

/** Part kinds: category, display name, HSN code, B2C price range in rupees for a tier-1 phone. */
const PARTS: readonly {
  category: string;
  label: string;
  hsn: string;
  rupees: readonly [number, number];
  conditions: readonly DemoListing['condition'][];
}[] = [
  {
    category: 'display',
    label: 'Display with touch (combo)',
    hsn: '85177990',
    rupees: [1100, 2600],
    conditions: ['oem', 'new', 'refurbished'],
  },
  {
    category: 'battery',
    label: 'Battery',
    hsn: '85076000',
    rupees: [450, 900],
    conditions: ['oem', 'new'],
  },
  {
    category: 'charging_port',
    label: 'Charging port flex',
    hsn: '85177990',
    rupees: [150, 380],
    conditions: ['new', 'oem'],
  },
  {
    category: 'camera',
    label: 'Rear camera module',
    hsn: '85258900',
    rupees: [600, 1800],
    conditions: ['oem', 'refurbished'],
  },
  {
    category: 'back_panel',
    label: 'Back panel glass',
    hsn: '85177990',
    rupees: [220, 650],
    conditions: ['new'],
  },
  {
    category: 'speaker',
    label: 'Loudspeaker',
    hsn: '85182900',
    rupees: [120, 320],
    conditions: ['new', 'oem'],
  },
  {
    category: 'ic',
    label: 'Charging IC',
    hsn: '85423900',
    rupees: [180, 520],
    conditions: ['new'],
  },
];

const TIER_FACTOR = [0, 1, 2.2, 4.5];

/** mulberry32: a tiny deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rounds rupees to a price ending in 9 (₹1,249), in paise. */
function retail(rupees: number): bigint {
  return BigInt(Math.max(9, Math.round(rupees / 10) * 10 - 1)) * 100n;
}

/**
 * Listings for one dealer (by index): every phone model × a dealer-specific subset of part kinds,
 * about 90 per dealer. The SKU encodes the dealer, so SKUs are unique per dealer.
 */
export function demoListingsFor(dealerIndex: number): DemoListing[] {
  const random = prng(2026 + dealerIndex * 7919);
  const out: DemoListing[] = [];
  for (const phone of PHONES) {
    for (const model of phone.models) {
      for (const part of PARTS) {
        if (random() < 0.35) continue; // not every dealer stocks every part
        const condition = part.conditions[Math.floor(random() * part.conditions.length)];
        const [lo, hi] = part.rupees;
        const base = (lo + random() * (hi - lo)) * TIER_FACTOR[phone.tier];
        const factor = condition === 'refurbished' ? 0.7 : condition === 'oem' ? 1.15 : 1;
        const b2c = retail(base * factor);
        const mrp = retail(Number(b2c / 100n) * (1.15 + random() * 0.25));
        const b2b = (b2c * 85n) / 100n;
        const bulk = part.category === 'display' || part.category === 'battery';
        out.push({
          sku: `D${dealerIndex}-${part.category.toUpperCase().replace('_', '')}-${model.replace(/[^A-Za-z0-9]/g, '').toUpperCase()}-${condition.toUpperCase()}`,
          name: `${model} ${part.label}${condition === 'refurbished' ? ' (refurbished)' : ''}`,
          category: part.category,
          brand: condition === 'oem' ? phone.maker : random() < 0.5 ? 'FixPro' : 'Spareking',
          compatibleModels: [model],
          condition,
          hsnCode: part.hsn,
          gstRateBps: 1800,
          mrpPaise: mrp > b2c ? mrp : b2c,
          b2cPricePaise: b2c,
          b2bPricePaise: b2b,
          b2bMinQty: bulk ? 5 : null,
          b2bTiers: bulk
            ? [
                { minQty: 10, pricePaise: (b2c * 80n) / 100n },
                { minQty: 50, pricePaise: (b2c * 75n) / 100n },
              ]
            : [],
          stockOnHand: Math.floor(random() * 60),
        });
      }
    }
  }
  return out;
}
