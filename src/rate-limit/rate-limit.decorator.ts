import { SetMetadata } from '@nestjs/common';
import type { RateLimitCategory as Category } from '../config/rate-limit-policy.js';

export const RATE_LIMIT_CATEGORY_KEY = 'fixbazaar:rate-limit-category';

/**
 * The API category a route (or every route of a controller) counts against; the limit per role comes from
 * the policy (`RATE_LIMIT_POLICY`). Routes without one count against their role's `default`.
 */
export const RateLimitCategory = (
  category: Exclude<Category, 'default'>,
): MethodDecorator & ClassDecorator => SetMetadata(RATE_LIMIT_CATEGORY_KEY, category);
