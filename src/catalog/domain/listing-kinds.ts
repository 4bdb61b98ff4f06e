/** What a listing can be: categories and conditions (the `listings` CHECKs) and GST rates. */
export const LISTING_CATEGORIES = [
  'display',
  'battery',
  'charging_port',
  'camera',
  'back_panel',
  'speaker',
  'microphone',
  'ic',
  'flex_cable',
  'housing',
  'button',
  'sim_tray',
  'vibrator',
  'tool',
  'other',
] as const;
export type ListingCategory = (typeof LISTING_CATEGORIES)[number];

export const LISTING_CONDITIONS = ['new', 'oem', 'refurbished'] as const;
export type ListingCondition = (typeof LISTING_CONDITIONS)[number];

/** GST rates in basis points (0 %, 5 %, 12 %, 18 %, 28 %). */
export const GST_RATES_BPS = [0, 500, 1200, 1800, 2800] as const;
