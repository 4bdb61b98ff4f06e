/**
 * Declared state machines: one transition table per object type and one pure gate (`decide`) that
 * every status change of that object passes. Pure (no Nest, no TypeORM) so domain folders declare
 * their tables with it; `state-transition.ts` applies a decision in a transaction (history row,
 * event after commit).
 *
 * A table row says: `event`, done by one of `actors`, leaves one of `from` for one of `to` (the first
 * is the default target); the actors in `reasonFrom` must give a reason. An event + actor pair names
 * at most one row, so a refusal is never ambiguous. `defineStateMachine` checks this and the rest of
 * the table when the module loads.
 */

export interface TransitionRule<S, E extends string, A extends string> {
  event: E;
  actors: readonly A[];
  from: readonly S[];
  /** Possible targets; the first is the default. */
  to: readonly S[];
  /** Actors who must give a reason. */
  reasonFrom: readonly A[];
}

export interface StateMachineSpec<
  S,
  E extends string,
  A extends string,
  P extends string = string,
> {
  /** What the object is called in messages ("sub-order"). */
  noun: string;
  /** Prefix of the stable problem codes: `<prefix>/invalid-transition`, `<prefix>/reason-required`. */
  codePrefix: P;
  states: readonly S[];
  events: readonly E[];
  transitions: readonly TransitionRule<S, E, A>[];
  /** A state as one string (identity for plain string states). */
  key: (s: S) => string;
  /** A state for people ("awaiting payment", "paused by dealer"). */
  describe: (s: S) => string;
  /** The event as a past participle ("cancelled"), for "A sub-order that is shipped cannot be cancelled". */
  past: Record<E, string>;
  /** Who refused it, appended to that sentence (" by staff"); none by default. */
  by?: Partial<Record<A, string>>;
}

export type StateMachine<
  S,
  E extends string,
  A extends string,
  P extends string = string,
> = Readonly<StateMachineSpec<S, E, A, P>>;

export type TransitionDecision<S, P extends string = string> =
  | { ok: true; from: S; to: S }
  | { ok: false; code: `${P}/invalid-transition` | `${P}/reason-required`; detail: string };

/** Checks the table (every state, event and reason-giver declared; one row per event + actor) and returns it. */
export function defineStateMachine<S, E extends string, A extends string, P extends string>(
  spec: StateMachineSpec<S, E, A, P>,
): StateMachine<S, E, A, P> {
  const fail = (what: string) => {
    throw new Error(`state machine "${spec.noun}": ${what}`);
  };
  const states = new Set(spec.states.map(spec.key));
  if (states.size !== spec.states.length) fail('a state is declared twice');
  const seen = new Set<string>();
  for (const t of spec.transitions) {
    if (!spec.events.includes(t.event)) fail(`undeclared event ${t.event}`);
    if (t.actors.length === 0 || t.from.length === 0 || t.to.length === 0)
      fail(`${t.event} needs actors, sources and targets`);
    for (const s of [...t.from, ...t.to])
      if (!states.has(spec.key(s))) fail(`${t.event} uses undeclared state ${spec.key(s)}`);
    for (const a of t.reasonFrom)
      if (!t.actors.includes(a)) fail(`${t.event}: ${a} gives a reason but may not act`);
    for (const a of t.actors) {
      if (seen.has(`${t.event}/${a}`)) fail(`${t.event} by ${a} is declared twice`);
      seen.add(`${t.event}/${a}`);
    }
  }
  return Object.freeze({ ...spec });
}

/** Whether the table has a row letting `actor` do `event` from `from` (reasons and targets aside). */
export function allows<S, E extends string, A extends string>(
  machine: StateMachine<S, E, A>,
  from: NoInfer<S>,
  event: NoInfer<E>,
  actor: NoInfer<A>,
): boolean {
  const t = machine.transitions.find((x) => x.event === event && x.actors.includes(actor));
  return t !== undefined && t.from.some((s) => machine.key(s) === machine.key(from));
}

/**
 * Validates `event` by `actor` from `from` (to `options.to`, default the row's first target): the
 * one gate of every status change of the machine's object.
 */
export function decide<S, E extends string, A extends string, P extends string>(
  machine: StateMachine<S, E, A, P>,
  from: NoInfer<S>,
  event: NoInfer<E>,
  actor: NoInfer<A>,
  options: { to?: NoInfer<S>; reason?: string | null } = {},
): TransitionDecision<S, P> {
  const { key, describe, codePrefix } = machine;
  const refused = (reason: 'invalid-transition' | 'reason-required', detail: string) => ({
    ok: false as const,
    code: `${codePrefix}/${reason}` as const,
    detail,
  });
  const t = machine.transitions.find((x) => x.event === event && x.actors.includes(actor));
  if (t === undefined || !allows(machine, from, event, actor))
    return refused(
      'invalid-transition',
      `A ${machine.noun} that is ${describe(from)} cannot be ${machine.past[event]}${machine.by?.[actor] ?? ''}`,
    );
  const to = options.to ?? t.to[0]!;
  if (!t.to.some((s) => key(s) === key(to)))
    return refused('invalid-transition', `${event} cannot lead to ${describe(to)}`);
  if (t.reasonFrom.includes(actor) && !options.reason?.trim())
    return refused('reason-required', `${event} needs a reason`);
  return { ok: true, from, to };
}
