import type { RateSelection } from '../ledger/domain/recipes.js';

/** The rate schedules of a parts sale (ledger-spec/rates.json). */
export const PARTS_RATES: RateSelection = {
  commission: 'commission.parts',
  gstOnCommission: 'gst.commission',
  supplyGst: 'gst.supply.mobile_parts',
  tcs: 'tcs.section_52',
  tds: 'tds.section_194o',
  tdsWithoutPan: 'tds.section_194o.without_pan',
};
