/**
 * A call's domain events, published after commit, each with the call, its repair job and whom to
 * tell (the chat socket forwards them to those users; the ringing also goes out as a push).
 */
abstract class CallEvent {
  constructor(
    readonly callId: string,
    readonly repairJobId: string,
    readonly recipientIds: readonly string[],
  ) {}
}

/** The callee is being called. */
export class CallRinging extends CallEvent {
  constructor(
    callId: string,
    repairJobId: string,
    recipientIds: readonly string[],
    readonly kind: 'audio' | 'video',
    readonly callerName: string,
  ) {
    super(callId, repairJobId, recipientIds);
  }
}

/** The callee answered (told to the caller). */
export class CallAccepted extends CallEvent {}

/** The callee declined (told to the caller). */
export class CallDeclined extends CallEvent {}

/** Nobody answered within the ring time (told to both). */
export class CallMissed extends CallEvent {}

/** The call ended: hung up, cancelled while ringing, its room finished, or a right was lost (told to both). */
export class CallEnded extends CallEvent {
  constructor(
    callId: string,
    repairJobId: string,
    recipientIds: readonly string[],
    readonly endedBy: string | null,
    readonly reason: string,
  ) {
    super(callId, repairJobId, recipientIds);
  }
}
