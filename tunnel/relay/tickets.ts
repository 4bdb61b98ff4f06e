/**
 * Resume tickets: `fbk1.<payload>.<hmac>`, the payload holding the agent's join token and an expiry.
 * A relay hands a fresh one with every PING (valid 60 s), so an agent that lost its connection can
 * come back within a minute without a new token; relays that share the ticket secret accept each
 * other's tickets (a drain sends agents to another relay, or to this one after its restart). The
 * token inside is verified again on resume (signature, hard stop, revocations), never trusted as is.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'fbk1';

export class TicketError extends Error {}

export class Tickets {
  constructor(
    private readonly secret: Buffer,
    readonly validMs: number,
  ) {}

  issue(token: string, nowMs: number): string {
    const payload = Buffer.from(JSON.stringify({ tok: token, exp: nowMs + this.validMs })).toString(
      'base64url',
    );
    return `${PREFIX}.${payload}.${this.mac(payload)}`;
  }

  /** The join token inside a valid, unexpired ticket. */
  open(ticket: string, nowMs: number): string {
    const [prefix, payload, mac] = typeof ticket === 'string' ? ticket.split('.') : [];
    if (prefix !== PREFIX || !payload || !mac || ticket.length > 8192) {
      throw new TicketError('malformed');
    }
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new TicketError('bad_ticket');
    }
    const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      tok: string;
      exp: number;
    };
    if (!(body.exp > nowMs)) throw new TicketError('ticket_expired');
    return body.tok;
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.secret).update(`${PREFIX}.${payload}`).digest('base64url');
  }
}
