/** The step of opening a payment (`OpenPaymentHandler`) that runs in the payable's locked transaction. */
import type { EntityManager } from 'typeorm';
import { AppProblem } from '../../common/errors/problem.js';
import { execute } from '../../database/sql.js';
import type { Payable, PayableRef } from '../payable.js';
import { movePayment, PAYABLE_COLUMN, PAYMENT_COLUMNS, type PaymentRow } from '../payment-store.js';

/** The open payment of the (locked) payable when it is for `duePaise`, else a new intent (superseding it). */
export async function openIntentIn(
  tx: EntityManager,
  payable: Payable,
  ref: PayableRef,
  buyerId: string,
  duePaise: number,
): Promise<PaymentRow> {
  const column = PAYABLE_COLUMN[ref.type];
  const { rows: open } = await execute<PaymentRow>(
    tx,
    `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE ${column} = $1 AND status IN ('creating','created','authorized')`,
    [ref.id],
  );
  const current = open[0];
  if (current !== undefined && Number(current.amount_paise) === duePaise) return current;
  if (current !== undefined) {
    if (current.status === 'authorized')
      throw new AppProblem(
        409,
        'payment/in-progress',
        'Payment in progress',
        `A payment for this ${payable.noun} is being captured`,
      );
    const reason = 'superseded: the payable amount changed';
    await movePayment(tx, current.id, current.status, 'supersede', reason, {
      set: 'failure_reason = $4',
      params: [reason],
    });
  }
  const { rows } = await execute<PaymentRow>(
    tx,
    `INSERT INTO payments (${column}, buyer_id, amount_paise) VALUES ($1, $2, $3) RETURNING ${PAYMENT_COLUMNS}`,
    [ref.id, buyerId, duePaise],
  );
  return rows[0]!;
}
