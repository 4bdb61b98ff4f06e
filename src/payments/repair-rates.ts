import type { RateSelection } from '../ledger/domain/recipes.js';

/** The rate schedules of a repair job released to its technician (ledger-spec/recipes.md §10). */
export const REPAIR_RATES: RateSelection = {
  commission: 'commission.repairs',
  gstOnCommission: 'gst.commission',
  supplyGst: 'gst.supply.repair_services',
  tcs: 'tcs.section_52',
  tds: 'tds.section_194o',
  tdsWithoutPan: 'tds.section_194o.without_pan',
};
