import { isStaff, type Principal } from '../../common/roles.js';
import type { PriceChannel } from '../dto/catalog-search.dto.js';

/**
 * The prices a caller sees. Only an approved business buyer buys at B2B prices; only approved staff
 * see both prices; everyone else (anonymous visitors, consumers, pending or suspended business
 * buyers, dealers and technicians shopping for parts) sees B2C prices.
 */
export function priceChannelOf(principal: Principal | null): PriceChannel {
  if (!principal || principal.status !== 'approved') return 'b2c';
  if (isStaff(principal.role)) return 'staff';
  if (principal.role === 'business') return 'b2b';
  return 'b2c';
}

/** Buyers see available quantities up to this many ("100 or more"); staff see exact counts. */
export const AVAILABLE_DISPLAY_CAP = 100;
