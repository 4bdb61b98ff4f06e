import { randomBytes } from 'node:crypto';
import { TicketError, Tickets } from './tickets.js';

describe('resume tickets', () => {
  const tickets = new Tickets(randomBytes(32), 60_000);

  it('open to the token inside until they expire', () => {
    const ticket = tickets.issue('fbt1.token', 1_000);
    expect(tickets.open(ticket, 60_999)).toBe('fbt1.token');
    expect(() => tickets.open(ticket, 61_000)).toThrow(new TicketError('ticket_expired'));
  });

  it('are refused when altered or made with another secret', () => {
    const ticket = tickets.issue('fbt1.token', 1_000);
    const [p, , mac] = ticket.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ tok: 'fbt1.other', exp: 9e15 })).toString(
      'base64url',
    );
    expect(() => tickets.open(`${p}.${forgedPayload}.${mac}`, 2_000)).toThrow('bad_ticket');
    const other = new Tickets(randomBytes(32), 60_000).issue('fbt1.token', 1_000);
    expect(() => tickets.open(other, 2_000)).toThrow('bad_ticket');
    expect(() => tickets.open('nonsense', 2_000)).toThrow('malformed');
  });
});
