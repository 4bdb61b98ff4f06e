/**
 * How to reach an account (its e-mail and phone on file), for what another module sends it through
 * a third party (a Payment Link Razorpay texts and e-mails): read through this function, never by
 * joining `users`.
 */
import type { EntityManager } from 'typeorm';
import { execute } from '../database/sql.js';

export interface Contact {
  readonly name: string | null;
  readonly email: string | null;
  readonly phone: string | null;
}

/** The account's display name, e-mail and phone, in the caller's transaction; an unknown account is an error. */
export async function contactIn(tx: EntityManager, userId: string): Promise<Contact> {
  const { rows } = await execute<Contact>(
    tx,
    `SELECT display_name AS name, email, phone FROM users WHERE id = $1`,
    [userId],
  );
  if (rows[0] === undefined) throw new Error(`no account ${userId}`);
  return rows[0];
}
