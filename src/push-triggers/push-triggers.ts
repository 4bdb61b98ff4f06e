/**
 * Which domain events become push notifications (README "Calls and push"), besides the incoming
 * call (src/calls/) and chat messages (the chat module calls `Push.notify`):
 *
 * | event                                  | to                | category   |
 * | -------------------------------------- | ----------------- | ---------- |
 * | RepairOfferMade                        | the technician    | job_offers |
 * | SubOrderTransitioned `pay`             | the dealer        | orders     |
 * | SubOrderTransitioned `pay`             | the buyer         | payments   |
 * | SubOrderTransitioned `payment_failed`  | the buyer         | payments   |
 * | SubOrderTransitioned `ship`, `deliver` | the buyer         | orders     |
 * | SubOrderTransitioned `cancel`          | buyer and dealer  | orders     |
 * | RepairJobTransitioned `pay`            | the technician    | payments   |
 *
 * Pushes carry ids only (what the app opens), never amounts or personal data.
 */
import { EventsHandler, type IEventHandler } from '@nestjs/cqrs';
import { RepairOfferMade } from '../matching/offer-events.js';
import { Push } from '../notifications/push.service.js';
import { SubOrderTransitioned } from '../orders/events/order-events.js';
import { RepairJobTransitioned } from '../repairs/repair-job-events.js';

@EventsHandler(RepairOfferMade)
export class PushRepairOffer implements IEventHandler<RepairOfferMade> {
  constructor(private readonly push: Push) {}

  handle(e: RepairOfferMade): Promise<void> {
    return this.push.notify([e.technicianId], 'job_offers', {
      title: 'New repair job nearby',
      body: 'Accept it before the offer expires',
      data: {
        type: 'repair_offer',
        offerId: e.offerId,
        repairJobId: e.repairJobId,
        expiresAt: e.expiresAt.toISOString(),
      },
    });
  }
}

@EventsHandler(SubOrderTransitioned)
export class PushOrderProgress implements IEventHandler<SubOrderTransitioned> {
  constructor(private readonly push: Push) {}

  async handle(e: SubOrderTransitioned): Promise<void> {
    const data = { type: 'sub_order', orderId: e.orderId, subOrderId: e.subOrderId };
    switch (e.event) {
      case 'pay':
        await this.push.notify([e.dealerId], 'orders', {
          title: 'New paid order',
          body: 'Accept and pack it',
          data,
        });
        await this.push.notify([e.buyerId], 'payments', {
          title: 'Payment received',
          body: 'Your order is paid',
          data,
        });
        return;
      case 'payment_failed':
        await this.push.notify([e.buyerId], 'payments', {
          title: 'Payment failed',
          body: 'Your order’s payment did not go through',
          data,
        });
        return;
      case 'ship':
        await this.push.notify([e.buyerId], 'orders', {
          title: 'Order shipped',
          body: 'Your order is on its way',
          data,
        });
        return;
      case 'deliver':
        await this.push.notify([e.buyerId], 'orders', {
          title: 'Order delivered',
          body: 'Your order was delivered',
          data,
        });
        return;
      case 'cancel':
        await this.push.notify([e.buyerId, e.dealerId], 'orders', {
          title: 'Order cancelled',
          body: 'An order was cancelled',
          data,
        });
        return;
      default:
        return;
    }
  }
}

@EventsHandler(RepairJobTransitioned)
export class PushRepairPaid implements IEventHandler<RepairJobTransitioned> {
  constructor(private readonly push: Push) {}

  async handle(e: RepairJobTransitioned): Promise<void> {
    if (e.event !== 'pay' || e.technicianId === null) return;
    await this.push.notify([e.technicianId], 'payments', {
      title: 'Repair paid',
      body: 'The customer paid: you can start the work',
      data: { type: 'repair_job', repairJobId: e.repairJobId },
    });
  }
}
