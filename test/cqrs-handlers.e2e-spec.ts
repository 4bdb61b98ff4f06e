import { globSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Query } from '@nestjs/cqrs';
import { projectRoot } from '../src/common/project-root.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * Commands and queries (`src/<module>/commands/`, `queries/`) reach their handler through the
 * CommandBus and QueryBus, which only refuse a message without a handler when it is dispatched. Here
 * every command and query class has exactly one handler, and every handler is a provider of the
 * running app (so the buses registered it).
 */

/** The metadata @nestjs/cqrs's `@CommandHandler(C)` / `@QueryHandler(Q)` put on the handler class. */
const HANDLED = { command: '__commandHandler__', query: '__queryHandler__' } as const;

type Class = abstract new (...args: never[]) => unknown;

const isClass = (v: unknown): v is Class =>
  typeof v === 'function' && /^class\b/.test(Function.prototype.toString.call(v));

describe('command and query handlers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('gives every command and query exactly one handler, provided by the app', async () => {
    const root = projectRoot();
    const files = globSync('src/**/{commands,queries}/*.ts', { cwd: root }).filter(
      (f) => !f.endsWith('.spec.ts'),
    );
    const classes = (
      await Promise.all(files.map((f) => import(join(root, f)) as Promise<object>))
    ).flatMap((m) => Object.values(m).filter(isClass));
    const messages = classes.filter(
      (c) => c.prototype instanceof Command || c.prototype instanceof Query,
    );
    const handlerOf = (c: Class, kind: keyof typeof HANDLED) =>
      Reflect.getMetadata(HANDLED[kind], c) as Class | undefined;
    const handlers = classes.filter((c) => handlerOf(c, 'command') ?? handlerOf(c, 'query'));

    expect(messages.map((m) => m.name)).toEqual(
      expect.arrayContaining(['PlaceOrderCommand', 'ListBuyerOrdersQuery', 'GetAdminOrderQuery']),
    );
    const handlerCounts = messages.map((m) => [
      m.name,
      handlers.filter((h) => handlerOf(h, 'command') === m || handlerOf(h, 'query') === m).length,
    ]);
    expect(handlerCounts).toEqual(messages.map((m) => [m.name, 1]));
    const notProvided = handlers
      .filter((h) => {
        try {
          t.app.get(h, { strict: false });
          return false;
        } catch {
          return true;
        }
      })
      .map((h) => h.name);
    expect(notProvided).toEqual([]);
  });
});
