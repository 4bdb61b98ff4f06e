import { entryHash, sealHash, type SealMember } from '../domain/entry-hash.js';
import {
  checkAnchor,
  checkEntryContent,
  checkMember,
  checkSealLink,
  GENESIS_CHAIN,
  type JoinedMember,
  ProblemLog,
  SealHasher,
  type StoredEntryRow,
  type StoredLineRow,
  type StoredSeal,
} from './verify.js';

const members = (n: number): SealMember[] =>
  Array.from({ length: n }, (_, i) => ({
    entryId: `order:${i}:"quoted"`,
    entrySeq: BigInt(10 + i * 3),
    entryHash: (i % 16).toString(16).repeat(64),
  }));

describe('SealHasher', () => {
  it.each([0, 1, 3, 257])('equals sealHash() over %i members', (n) => {
    const header = { sealNo: 42n, prevHash: 'ab'.repeat(32), xidFrom: '780', xidTo: '1031' };
    const hasher = new SealHasher(header);
    for (const m of members(n)) hasher.add(m);
    expect(hasher.members).toBe(n);
    expect(hasher.digest()).toBe(sealHash({ ...header, members: members(n) }));
  });

  it('differs when any header field or member differs', () => {
    const header = { sealNo: 1n, prevHash: '0'.repeat(64), xidFrom: '0', xidTo: '9' };
    const digest = (h = header, ms = members(2)) => {
      const hasher = new SealHasher(h);
      ms.forEach((m) => hasher.add(m));
      return hasher.digest();
    };
    const base = digest();
    expect(digest({ ...header, sealNo: 2n })).not.toBe(base);
    expect(digest({ ...header, xidTo: '10' })).not.toBe(base);
    expect(digest(header, [...members(2)].reverse())).not.toBe(base);
    expect(digest(header, [{ ...members(1)[0], entrySeq: 11n }, members(2)[1]])).not.toBe(base);
  });
});

describe('checkEntryContent', () => {
  const lines: StoredLineRow[] = [
    {
      lineNo: 0,
      entrySeq: '7',
      account: 'asset:gateway_receivable',
      side: 'debit',
      amountPaise: 500n,
    },
    {
      lineNo: 1,
      entrySeq: '7',
      account: 'liability:escrow:order:o1',
      side: 'credit',
      amountPaise: 500n,
    },
  ];
  const effectiveAtMs = Date.parse('2026-11-20T10:00:00.123Z');
  const content = {
    id: 'hold:o1',
    kind: 'pending',
    eventType: 'order_paid',
    reference: 'order:o1',
    actor: 'system',
    metadata: { b: '2', a: '1' },
    pendingId: null,
    reversalOf: null,
    inputHash: 'c'.repeat(64),
    result: { code: 'ok', entryKey: 'hold:o1' },
  };
  const row: StoredEntryRow = {
    ...content,
    seq: '7',
    effectiveAtUs: `${effectiveAtMs}000`,
    timeoutSeconds: 60,
    timeoutAtUs: `${effectiveAtMs + 60_000}000`,
    hash: entryHash({ ...content, effectiveAtMs, timeoutAtMs: effectiveAtMs + 60_000, lines }),
  };

  it('accepts an entry whose content matches its hash', () => {
    expect(checkEntryContent(row, lines)).toBeUndefined();
    // jsonb reorders keys: the canonical form does not care.
    expect(checkEntryContent({ ...row, metadata: { a: '1', b: '2' } }, lines)).toBeUndefined();
  });

  it.each<[string, Partial<StoredEntryRow>, StoredLineRow[] | undefined]>([
    ['reference', { reference: 'order:o2' }, undefined],
    ['metadata', { metadata: { a: '1', b: '3' } }, undefined],
    ['result', { result: { code: 'ok', entryKey: 'hold:o2' } }, undefined],
    ['a sub-millisecond time', { effectiveAtUs: `${effectiveAtMs}001` }, undefined],
    ['a line amount', {}, [lines[0], { ...lines[1], amountPaise: 501n }]],
    ['line order', {}, [lines[1], lines[0]].map((l, i) => ({ ...l, lineNo: i }))],
    ['a deleted line', {}, [lines[0]]],
  ])('names the entry when %s changed', (_what, change, changedLines) => {
    expect(checkEntryContent({ ...row, ...change }, changedLines ?? lines)).toEqual({
      kind: 'entry_content',
      entryId: 'hold:o1',
      seq: '7',
      message: 'entry hold:o1 (seq 7): content does not match its hash',
    });
  });

  it('checks what the hash does not cover: line seq and numbering, timeout_seconds', () => {
    expect(checkEntryContent(row, [lines[0], { ...lines[1], entrySeq: '8' }])?.message).toBe(
      'entry hold:o1 (seq 7): a line carries another seq',
    );
    expect(checkEntryContent(row, [lines[0], { ...lines[1], lineNo: 2 }])?.message).toBe(
      'entry hold:o1 (seq 7): lines are not numbered 0..n-1',
    );
    expect(checkEntryContent({ ...row, timeoutSeconds: 61 }, lines)?.message).toBe(
      'entry hold:o1 (seq 7): timeout_seconds does not match timeout_at',
    );
  });
});

const seal = (over: Partial<StoredSeal> = {}): StoredSeal => ({
  sealNo: '1',
  xidFrom: '0',
  xidTo: '900',
  entriesCount: 2,
  prevHash: '0'.repeat(64),
  hash: 'a'.repeat(64),
  signature: '',
  keyId: '',
  publicKey: '',
  ...over,
});

describe('checkSealLink', () => {
  it('accepts the first seal after genesis and a seal that follows its predecessor', () => {
    expect(checkSealLink(GENESIS_CHAIN, seal())).toEqual([]);
    const prev = { sealNo: 1n, hash: 'a'.repeat(64), xidTo: '900' };
    expect(
      checkSealLink(
        prev,
        seal({ sealNo: '2', prevHash: 'a'.repeat(64), xidFrom: '900', xidTo: '950' }),
      ),
    ).toEqual([]);
  });

  it('names a deleted seal, a broken previous hash, a range gap and an empty range', () => {
    const prev = { sealNo: 1n, hash: 'a'.repeat(64), xidTo: '900' };
    const problems = checkSealLink(
      prev,
      seal({ sealNo: '4', prevHash: 'b'.repeat(64), xidFrom: '950', xidTo: '950' }),
    );
    expect(problems.map((p) => [p.kind, p.message])).toEqual([
      ['seal_missing', 'seals 2..3 are missing (deleted)'],
      ['seal_chain', 'seal 4: previous hash does not match seal 1'],
      ['seal_chain', 'seal 4: range starts at transaction 950, the previous seal ended at 900'],
      ['seal_chain', 'seal 4: empty or inverted range 950..950'],
    ]);
    expect(checkSealLink(GENESIS_CHAIN, seal({ prevHash: 'f'.repeat(64) }))[0].message).toBe(
      'seal 1: previous hash is not the genesis hash',
    );
  });
});

describe('checkMember', () => {
  const m: JoinedMember = {
    position: 3,
    entryId: 'e1',
    entrySeq: '12',
    entryHash: 'd'.repeat(64),
    found: { seq: '12', hash: 'd'.repeat(64), xid: '100' },
  };

  it('accepts a member whose entry is where and what the seal recorded', () => {
    expect(checkMember(seal(), m)).toBeUndefined();
  });

  it('names a deleted, reordered, re-hashed or moved entry', () => {
    const kind = (found: JoinedMember['found']) => checkMember(seal(), { ...m, found });
    expect(kind(null)).toMatchObject({
      kind: 'entry_missing',
      entryId: 'e1',
      message: 'entry e1 (seq 12) sealed in seal 1 at position 3 is missing (deleted)',
    });
    expect(kind({ ...m.found!, seq: '13' })).toMatchObject({
      kind: 'entry_reordered',
      message: 'entry e1 sealed in seal 1 at position 3 has seq 13, sealed as seq 12 (reordered)',
    });
    expect(kind({ ...m.found!, hash: 'e'.repeat(64) })?.kind).toBe('entry_hash_changed');
    expect(kind({ ...m.found!, xid: '900' })?.kind).toBe('entry_moved');
  });
});

describe('ProblemLog', () => {
  it('keeps the first problems up to its cap and counts them all', () => {
    const log = new ProblemLog(2);
    expect(log.first).toBeNull();
    for (const i of [1, 2, 3]) log.add({ kind: 'seal_hash', message: `p${i}` });
    expect(log.problems.map((p) => p.message)).toEqual(['p1', 'p2']);
    expect(log.first?.message).toBe('p1');
    expect(log.total).toBe(3);
    expect(log.truncated).toBe(true);
  });
});

describe('checkAnchor', () => {
  it('accepts the saved seal, names a cut or rewritten chain', () => {
    const anchor = { sealNo: '1', hash: 'a'.repeat(64) };
    expect(checkAnchor(anchor, seal())).toBeUndefined();
    expect(checkAnchor(anchor, undefined)?.message).toBe(
      'seal 1, saved earlier, no longer exists (the chain was cut)',
    );
    expect(checkAnchor(anchor, seal({ hash: 'b'.repeat(64) }))?.message).toBe(
      `seal 1 has hash ${'b'.repeat(64)}, saved earlier as ${'a'.repeat(64)} (rewritten)`,
    );
  });
});
