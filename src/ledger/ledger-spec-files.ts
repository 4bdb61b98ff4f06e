/**
 * Loads ledger-spec files (rates.json, vectors/*.json). Used by the spec tests and, later, by the
 * PostgreSQL vector replay and configuration loading. Thin: JSON shape checks, no logic.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { projectRoot } from '../common/project-root.js';
import { assert } from './domain/assert.js';
import type { RateBook } from './domain/rates.js';
import type { Scenario } from './domain/scenario.js';

export function ledgerSpecDir(): string {
  return join(projectRoot(), 'ledger-spec');
}

export function loadRateBook(path = join(ledgerSpecDir(), 'rates.json')): RateBook {
  const raw: unknown = JSON.parse(readFileSync(path, 'utf8'));
  assert(
    typeof raw === 'object' &&
      raw !== null &&
      Array.isArray((raw as { schedules?: unknown }).schedules),
    'rates.json: schedules[] expected',
  );
  return raw as RateBook;
}

export function vectorFiles(dir = join(ledgerSpecDir(), 'vectors')): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(dir, f));
}

export function loadScenario(path: string): Scenario {
  const raw: unknown = JSON.parse(readFileSync(path, 'utf8'));
  assert(typeof raw === 'object' && raw !== null, `${path}: object expected`);
  const s = raw as Partial<Scenario>;
  assert(
    typeof s.name === 'string' && Array.isArray(s.events) && typeof s.expected === 'object',
    `${path}: name, events, expected required`,
  );
  return raw as Scenario;
}
