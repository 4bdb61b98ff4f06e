import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { AppProblem, ValidationProblem } from './errors/problem.js';
import { periodOf, PeriodQueryDto } from './period.js';

const fieldsRefused = (query: Record<string, unknown>) =>
  validateSync(plainToInstance(PeriodQueryDto, query)).map((e) => e.property);

describe('PeriodQueryDto', () => {
  it('takes ISO-8601 instants with an offset (IST days included), both optional', () => {
    expect(fieldsRefused({})).toEqual([]);
    expect(
      fieldsRefused({ from: '2026-11-02T00:00:00+05:30', to: '2026-11-03T00:00:00+05:30' }),
    ).toEqual([]);
    expect(fieldsRefused({ from: 'yesterday', to: '2026-02-30T00:00:00Z' })).toEqual([
      'from',
      'to',
    ]);
  });
});

describe('periodOf', () => {
  it('reads the bounds as instants, an IST midnight as the UTC instant before it', () => {
    expect(
      periodOf({ from: '2026-11-02T00:00:00+05:30', to: '2026-11-03T00:00:00+05:30' }),
    ).toEqual({
      from: new Date('2026-11-01T18:30:00Z'),
      to: new Date('2026-11-02T18:30:00Z'),
    });
    expect(periodOf({})).toEqual({});
  });

  it('fills a missing bound from the defaults', () => {
    const today = { from: new Date('2026-11-01T18:30:00Z'), to: new Date('2026-11-02T18:30:00Z') };
    expect(periodOf({ from: '2026-10-01T00:00:00Z' }, today)).toEqual({
      from: new Date('2026-10-01T00:00:00Z'),
      to: today.to,
    });
    expect(periodOf({}, today)).toEqual(today);
  });

  it('allows an empty period and refuses `to` before `from` with 400 request/invalid-period', () => {
    const at = '2026-11-02T00:00:00Z';
    expect(periodOf({ from: at, to: at })).toEqual({ from: new Date(at), to: new Date(at) });
    let thrown: unknown;
    try {
      periodOf({ to: '2020-01-01T00:00:00Z' }, { from: new Date(at) });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(AppProblem);
    expect(thrown).toMatchObject({
      status: 400,
      code: 'request/invalid-period',
      extensions: { errors: [{ field: 'to', in: 'query' }] },
    });
  });

  it('refuses an instant JavaScript cannot represent, naming its field', () => {
    expect(() => periodOf({ from: '+275760-09-13T00:00:00.001Z' })).toThrow(ValidationProblem);
  });
});
