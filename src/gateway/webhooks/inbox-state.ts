import { defineStateMachine, type TransitionRule } from '../../common/state-machine.js';

export const INBOX_STATUSES = ['received', 'deferred', 'processed', 'failed', 'rejected'] as const;
export type InboxStatus = (typeof INBOX_STATUSES)[number];

export const INBOX_EVENTS = ['process', 'defer', 'fail', 'reject'] as const;
export type InboxEvent = (typeof INBOX_EVENTS)[number];

/** The inbox processor (the webhook job) is the only actor. */
export type InboxActor = 'processor';

const PENDING = ['received', 'deferred'] as const;

/**
 * A webhook inbox row's machine: every status change goes through the common `transition()`, which
 * writes a `webhook_inbox_history` row (the attempt and why). A row still to process is processed
 * (its handler applied, or no handler: ignored), deferred (the handler asked to wait, or an error to
 * retry), failed (errors or waiting ran out) or rejected (the gateway contradicted it). The handler
 * runs in a savepoint before the row moves; the row's own transition is outside that savepoint.
 */
export const INBOX_MACHINE = defineStateMachine({
  noun: 'webhook inbox row',
  codePrefix: 'webhook-inbox',
  states: INBOX_STATUSES,
  events: INBOX_EVENTS,
  transitions: [
    { event: 'process', actors: ['processor'], from: PENDING, to: ['processed'], reasonFrom: [] },
    { event: 'defer', actors: ['processor'], from: PENDING, to: ['deferred'], reasonFrom: [] },
    { event: 'fail', actors: ['processor'], from: PENDING, to: ['failed'], reasonFrom: [] },
    { event: 'reject', actors: ['processor'], from: PENDING, to: ['rejected'], reasonFrom: [] },
  ] satisfies TransitionRule<InboxStatus, InboxEvent, InboxActor>[],
  key: (s) => s,
  describe: (s) => s,
  past: { process: 'processed', defer: 'deferred', fail: 'failed', reject: 'rejected' },
});
