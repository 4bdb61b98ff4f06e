import { AppProblem } from './problem.js';

describe('AppProblem', () => {
  it('keeps extensions that do not clash with the members of every problem', () => {
    const p = new AppProblem(409, 'x/y', 'Conflict', undefined, { entryId: 'e1' });
    expect(p.extensions).toEqual({ entryId: 'e1' });
  });

  it.each(['status', 'code', 'type', 'title', 'detail', 'instance', 'requestId'])(
    'refuses an extension named %s (it would overwrite the problem itself)',
    (name) => {
      expect(() => new AppProblem(409, 'x/y', 'Conflict', undefined, { [name]: 1 })).toThrow(
        /reserved member/,
      );
    },
  );
});
