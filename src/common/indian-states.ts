/**
 * States and union territories of India with their GST state codes (the first two digits of a
 * GSTIN). Addresses name their state: a dealer's pickup address and a business buyer's billing
 * address must be in the GSTIN's state; the place of supply (the delivery state, or a business
 * buyer's billing state) against the dealer's GSTIN state decides CGST + SGST or IGST.
 */
export const INDIAN_STATES = {
  'Jammu and Kashmir': '01',
  'Himachal Pradesh': '02',
  Punjab: '03',
  Chandigarh: '04',
  Uttarakhand: '05',
  Haryana: '06',
  Delhi: '07',
  Rajasthan: '08',
  'Uttar Pradesh': '09',
  Bihar: '10',
  Sikkim: '11',
  'Arunachal Pradesh': '12',
  Nagaland: '13',
  Manipur: '14',
  Mizoram: '15',
  Tripura: '16',
  Meghalaya: '17',
  Assam: '18',
  'West Bengal': '19',
  Jharkhand: '20',
  Odisha: '21',
  Chhattisgarh: '22',
  'Madhya Pradesh': '23',
  Gujarat: '24',
  'Dadra and Nagar Haveli and Daman and Diu': '26',
  Maharashtra: '27',
  Karnataka: '29',
  Goa: '30',
  Lakshadweep: '31',
  Kerala: '32',
  'Tamil Nadu': '33',
  Puducherry: '34',
  'Andaman and Nicobar Islands': '35',
  Telangana: '36',
  'Andhra Pradesh': '37',
  Ladakh: '38',
} as const;

export type IndianState = keyof typeof INDIAN_STATES;
export const INDIAN_STATE_NAMES = Object.keys(INDIAN_STATES) as IndianState[];

export function gstStateCodeOf(state: IndianState): string {
  return INDIAN_STATES[state];
}
