/**
 * Calls' live signals over the chat socket: each call event (src/calls/call-events.ts, published
 * after commit) reaches every `/chat` socket of its recipients as one `call` event,
 * `{ state, callId, repairJobId, … }` — `ringing` (with `kind` and `callerName`) to the callee,
 * `accepted` / `declined` to the caller, `missed` and `ended` (with `endedBy`, `reason`) to both.
 * A recipient with no socket open learns of a ringing call by push (src/calls/) and of the rest
 * from `GET /calls/{id}` when the app opens.
 */
import { EventsHandler, type IEventHandler } from '@nestjs/cqrs';
import {
  CallAccepted,
  CallDeclined,
  CallEnded,
  CallMissed,
  CallRinging,
} from '../calls/call-events.js';
import { ChatPush } from './chat-push.js';

type AnyCallEvent = CallRinging | CallAccepted | CallDeclined | CallMissed | CallEnded;

export const CALL_SOCKET_EVENT = 'call';

function signalOf(e: AnyCallEvent): Record<string, unknown> {
  const base = { callId: e.callId, repairJobId: e.repairJobId };
  if (e instanceof CallRinging)
    return { state: 'ringing', ...base, kind: e.kind, callerName: e.callerName };
  if (e instanceof CallAccepted) return { state: 'accepted', ...base };
  if (e instanceof CallDeclined) return { state: 'declined', ...base };
  if (e instanceof CallMissed) return { state: 'missed', ...base };
  return { state: 'ended', ...base, endedBy: e.endedBy, reason: e.reason };
}

@EventsHandler(CallRinging, CallAccepted, CallDeclined, CallMissed, CallEnded)
export class CallSignals implements IEventHandler<AnyCallEvent> {
  constructor(private readonly push: ChatPush) {}

  handle(e: AnyCallEvent): void {
    const signal = signalOf(e);
    for (const userId of e.recipientIds) this.push.toUser(userId, CALL_SOCKET_EVENT, signal);
  }
}
