import {
  allows,
  decide,
  defineStateMachine,
  type StateMachineSpec,
  type TransitionRule,
} from './state-machine.js';

type Door = 'closed' | 'open' | 'locked';
type DoorEvent = 'open' | 'close' | 'lock' | 'force';
type Person = 'resident' | 'guard';

const RULES: TransitionRule<Door, DoorEvent, Person>[] = [
  { event: 'open', actors: ['resident', 'guard'], from: ['closed'], to: ['open'], reasonFrom: [] },
  {
    event: 'close',
    actors: ['resident'],
    from: ['open'],
    to: ['closed', 'locked'],
    reasonFrom: [],
  },
  { event: 'lock', actors: ['resident'], from: ['closed'], to: ['locked'], reasonFrom: [] },
  { event: 'force', actors: ['guard'], from: ['locked'], to: ['open'], reasonFrom: ['guard'] },
];

const spec = (
  transitions: TransitionRule<Door, DoorEvent, Person>[],
): StateMachineSpec<Door, DoorEvent, Person> => ({
  noun: 'door',
  codePrefix: 'door',
  states: ['closed', 'open', 'locked'],
  events: ['open', 'close', 'lock', 'force'],
  transitions,
  key: (s) => s,
  describe: (s) => s,
  past: { open: 'opened', close: 'closed', lock: 'locked', force: 'forced' },
  by: { guard: ' by the guard' },
});

const DOOR = defineStateMachine(spec(RULES));

describe('defineStateMachine', () => {
  it('accepts a consistent table', () => {
    expect(DOOR.transitions).toHaveLength(4);
  });

  it.each<[string, TransitionRule<Door, DoorEvent, Person>, RegExp]>([
    [
      'an undeclared state',
      { event: 'lock', actors: ['guard'], from: ['ajar' as Door], to: ['locked'], reasonFrom: [] },
      /undeclared state ajar/,
    ],
    [
      'an undeclared event',
      {
        event: 'kick' as DoorEvent,
        actors: ['guard'],
        from: ['open'],
        to: ['closed'],
        reasonFrom: [],
      },
      /undeclared event kick/,
    ],
    [
      'a second row for the same event and actor',
      { event: 'open', actors: ['guard'], from: ['locked'], to: ['open'], reasonFrom: [] },
      /open by guard is declared twice/,
    ],
    [
      'a reason asked of someone who may not act',
      {
        event: 'lock',
        actors: ['guard'],
        from: ['closed'],
        to: ['locked'],
        reasonFrom: ['resident'],
      },
      /resident gives a reason but may not act/,
    ],
    [
      'a row without targets',
      { event: 'lock', actors: ['guard'], from: ['closed'], to: [], reasonFrom: [] },
      /needs actors, sources and targets/,
    ],
  ])('refuses %s', (_what, rule, message) => {
    expect(() => defineStateMachine(spec([...RULES, rule]))).toThrow(message);
  });

  it('refuses a state declared twice', () => {
    expect(() => defineStateMachine({ ...spec(RULES), states: ['open', 'open'] })).toThrow(
      /declared twice/,
    );
  });
});

describe('decide', () => {
  it('allows a declared move to the default or a chosen target', () => {
    expect(decide(DOOR, 'closed', 'open', 'guard')).toEqual({
      ok: true,
      from: 'closed',
      to: 'open',
    });
    expect(decide(DOOR, 'open', 'close', 'resident')).toEqual({
      ok: true,
      from: 'open',
      to: 'closed',
    });
    expect(decide(DOOR, 'open', 'close', 'resident', { to: 'locked' })).toEqual({
      ok: true,
      from: 'open',
      to: 'locked',
    });
  });

  it('refuses a move from the wrong state or by the wrong actor, naming both', () => {
    expect(decide(DOOR, 'open', 'lock', 'resident')).toEqual({
      ok: false,
      code: 'door/invalid-transition',
      detail: 'A door that is open cannot be locked',
    });
    expect(decide(DOOR, 'closed', 'lock', 'guard')).toEqual({
      ok: false,
      code: 'door/invalid-transition',
      detail: 'A door that is closed cannot be locked by the guard',
    });
    expect(allows(DOOR, 'closed', 'lock', 'guard')).toBe(false);
    expect(allows(DOOR, 'closed', 'lock', 'resident')).toBe(true);
  });

  it('refuses a target the row does not list', () => {
    expect(decide(DOOR, 'closed', 'open', 'resident', { to: 'locked' })).toEqual({
      ok: false,
      code: 'door/invalid-transition',
      detail: 'open cannot lead to locked',
    });
  });

  it('asks the actors named in reasonFrom for a reason (blank is none)', () => {
    expect(decide(DOOR, 'locked', 'force', 'guard', { reason: '  ' })).toEqual({
      ok: false,
      code: 'door/reason-required',
      detail: 'force needs a reason',
    });
    expect(decide(DOOR, 'locked', 'force', 'guard', { reason: 'fire' })).toMatchObject({
      ok: true,
      to: 'open',
    });
  });
});
