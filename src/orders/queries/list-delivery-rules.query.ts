import { Query } from '@nestjs/cqrs';
import type { DeliveryRuleDto } from '../dto/order.dto.js';

/** The delivery-charge rule of each channel (`ListDeliveryRulesHandler`). */
export class ListDeliveryRulesQuery extends Query<DeliveryRuleDto[]> {}
