import { createHash } from 'node:crypto';
import type { TunnelRelay } from '../config/remote-config.js';

/**
 * The relay for a new session: rendezvous (highest random weight) hashing of the session id over
 * the relays' ids. Sessions spread evenly, and adding or removing a relay moves only the sessions
 * that must move (those of a removed relay, or a fair share to a new one). A session keeps the relay
 * it was given while that relay stays configured (`remote_sessions.relay_id`).
 */
export function relayFor(
  sessionId: string,
  relays: readonly TunnelRelay[],
  current: string | null,
): TunnelRelay {
  const kept = current === null ? undefined : relays.find((r) => r.id === current);
  if (kept) return kept;
  let best: { relay: TunnelRelay; weight: Buffer } | undefined;
  for (const relay of relays) {
    const weight = createHash('sha256').update(`${sessionId}\u0000${relay.id}`).digest();
    if (!best || Buffer.compare(weight, best.weight) > 0) best = { relay, weight };
  }
  if (!best) throw new Error('no tunnel relay configured');
  return best.relay;
}
