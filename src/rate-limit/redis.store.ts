import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  type AbuseBlock,
  type BlockKind,
  type BlockPosition,
  type BlockTarget,
  type BucketRequest,
  type PenaltyResult,
  type PenaltyRule,
  type RateLimitStore,
  type TakeResult,
} from './rate-limit.store.js';

const PREFIX = 'fixbazaar:';
const bucketKey = (key: string): string => `${PREFIX}rl:${key}`;
const member = (t: BlockTarget): string => `${t.kind}:${t.value}`;
const blockKey = (m: string): string => `${PREFIX}abuse:block:${m}`;
const penaltyKey = (m: string): string => `${PREFIX}abuse:penalty:${m}`;
/** Sorted set of blocked `kind:value` members scored by `until`, so blocks can be listed without SCAN. */
const BLOCK_INDEX = `${PREFIX}abuse:blocks`;

/**
 * Token buckets, all-or-nothing: token-bucket.ts `takeAll`, in Lua so that check and take are one atomic
 * step across every instance, on the Redis server's clock (instances' clocks may disagree).
 * KEYS: bucket hashes. ARGV: perMinute, burst for each key. Returns {allowed, retryAfterMs, remaining...}.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tokens, retry = {}, 0
for i = 1, #KEYS do
  local rate, burst = tonumber(ARGV[2 * i - 1]) / 60000, tonumber(ARGV[2 * i])
  local s = redis.call('HMGET', KEYS[i], 'tokens', 'at')
  local tk, at = tonumber(s[1]), tonumber(s[2])
  if tk == nil or at == nil then tk = burst else tk = math.min(burst, tk + math.max(0, now - at) * rate) end
  if tk < 1 then retry = math.max(retry, math.ceil((1 - tk) / rate)) end
  tokens[i] = tk
end
local out = {retry == 0 and 1 or 0, retry}
for i = 1, #KEYS do
  local rate, burst = tonumber(ARGV[2 * i - 1]) / 60000, tonumber(ARGV[2 * i])
  local tk = tokens[i]
  if retry == 0 then
    tk = tk - 1
    redis.call('HSET', KEYS[i], 'tokens', tostring(tk), 'at', now)
    redis.call('PEXPIRE', KEYS[i], math.ceil((burst - tk) / rate) + 1000)
  end
  out[i + 2] = math.max(0, math.floor(tk))
end
return out
`;

/**
 * Decaying penalty and block: token-bucket.ts `penaltyAt` and `reachesThreshold`, atomic so that of
 * several instances seeing the threshold crossed exactly one imposes (and audits) the block.
 * KEYS: penalty hash, block key, block index. ARGV: points, threshold, decayMs, blockMs, member.
 * Returns {state, penalty (string), blockedAt, until}: state 0 = counted, 1 = already blocked, 2 = blocked now.
 */
const PENALIZE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('PTTL', KEYS[2]) > 0 then return {1, '0', 0, 0} end
local points, threshold = tonumber(ARGV[1]), tonumber(ARGV[2])
local decay, block = tonumber(ARGV[3]), tonumber(ARGV[4])
local s = redis.call('HMGET', KEYS[1], 'points', 'at')
local p, at = tonumber(s[1]) or 0, tonumber(s[2]) or now
p = math.max(0, p - math.max(0, now - at) * threshold / decay) + points
if math.ceil(p) >= threshold then
  local untilMs = now + block
  redis.call('SET', KEYS[2], cjson.encode({blockedAt = now, ['until'] = untilMs, penalty = p}), 'PX', block)
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  redis.call('ZADD', KEYS[3], untilMs, ARGV[5])
  redis.call('DEL', KEYS[1])
  return {2, tostring(p), now, untilMs}
end
redis.call('HSET', KEYS[1], 'points', tostring(p), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(p * decay / threshold) + 1000)
return {0, tostring(p), 0, 0}
`;

class LuaScript {
  readonly sha: string;
  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }
}
const TAKE_SCRIPT = new LuaScript(TAKE);
const PENALIZE_SCRIPT = new LuaScript(PENALIZE);

function parseBlock(m: string, json: string | null): AbuseBlock | null {
  if (!json) return null;
  const sep = m.indexOf(':');
  const stored = JSON.parse(json) as { blockedAt: number; until: number; penalty: number };
  return {
    kind: m.slice(0, sep) as BlockKind,
    value: m.slice(sep + 1),
    blockedAt: stored.blockedAt,
    until: stored.until,
    penalty: stored.penalty,
  };
}

const asNumbers = (reply: unknown): number[] => (reply as (number | string)[]).map(Number);

/**
 * Shared storage for several instances (Redis 6.2+). Keys expire by themselves (buckets once full again,
 * penalties once decayed, blocks when they end), so Redis holds only live state. Commands fail fast while
 * Redis is unreachable (no offline queue) so the callers' fail-open path answers at once instead of
 * requests hanging on a reconnect.
 */
export class RedisRateLimitStore implements RateLimitStore {
  readonly kind = 'redis';
  readonly redis: Redis;

  constructor(url: string, onError: (err: Error) => void) {
    this.redis = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      commandTimeout: 1000,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
    this.redis.on('error', onError);
  }

  /** Connects once at start; when Redis is down the client keeps reconnecting in the background. */
  async connect(): Promise<void> {
    await this.redis.connect();
  }

  /** EVALSHA, loading the script on first use (or after a Redis restart wiped the script cache). */
  private async eval(
    script: LuaScript,
    keys: string[],
    args: (string | number)[],
  ): Promise<unknown> {
    try {
      return await this.redis.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return this.redis.eval(script.source, keys.length, ...keys, ...args);
    }
  }

  async take(requests: BucketRequest[]): Promise<TakeResult> {
    const reply = asNumbers(
      await this.eval(
        TAKE_SCRIPT,
        requests.map((r) => bucketKey(r.key)),
        requests.flatMap((r) => [r.limit.perMinute, r.limit.burst]),
      ),
    );
    return { allowed: reply[0] === 1, retryAfterMs: reply[1]!, remaining: reply.slice(2) };
  }

  async addPenalty(target: BlockTarget, points: number, rule: PenaltyRule): Promise<PenaltyResult> {
    const m = member(target);
    const [state, penalty, blockedAt, until] = asNumbers(
      await this.eval(
        PENALIZE_SCRIPT,
        [penaltyKey(m), blockKey(m), BLOCK_INDEX],
        [points, rule.threshold, rule.decayMs, rule.blockMs, m],
      ),
    ) as [number, number, number, number];
    if (state !== 2) return { penalty, blocked: null };
    return { penalty: 0, blocked: { ...target, blockedAt, until, penalty } };
  }

  async blockedFor(targets: BlockTarget[]): Promise<number> {
    if (targets.length === 0) return 0;
    const pipeline = this.redis.pipeline();
    for (const t of targets) pipeline.pttl(blockKey(member(t)));
    const replies = (await pipeline.exec()) ?? [];
    let ms = 0;
    for (const [err, ttl] of replies) {
      if (err) throw err;
      ms = Math.max(ms, Number(ttl));
    }
    return ms;
  }

  async getBlock(target: BlockTarget): Promise<AbuseBlock | null> {
    const m = member(target);
    return parseBlock(m, await this.redis.get(blockKey(m)));
  }

  async listBlocks(limit: number, after?: BlockPosition): Promise<AbuseBlock[]> {
    const out: AbuseBlock[] = [];
    const stale: string[] = [];
    const afterMember = after && member(after);
    const batchSize = 100;
    for (let offset = 0; out.length < limit; offset += batchSize) {
      // Latest-ending first; ties come in reverse member order, which compareBlocks mirrors.
      const batch = (await this.redis.call(
        'ZRANGE',
        BLOCK_INDEX,
        after ? String(after.until) : '+inf',
        '-inf',
        'BYSCORE',
        'REV',
        'LIMIT',
        offset,
        batchSize,
        'WITHSCORES',
      )) as string[];
      if (batch.length === 0) break;
      const members: string[] = [];
      for (let i = 0; i < batch.length; i += 2) {
        const m = batch[i]!;
        const until = Number(batch[i + 1]);
        if (after && afterMember && until === after.until && m >= afterMember) continue;
        members.push(m);
      }
      const values = members.length ? await this.redis.mget(members.map(blockKey)) : [];
      members.forEach((m, i) => {
        const block = parseBlock(m, values[i] ?? null);
        if (!block) stale.push(m);
        else if (out.length < limit) out.push(block);
      });
      if (batch.length < batchSize * 2) break;
    }
    if (stale.length) await this.redis.zrem(BLOCK_INDEX, ...stale); // ended blocks still indexed
    return out;
  }

  async removeBlock(target: BlockTarget): Promise<AbuseBlock | null> {
    const m = member(target);
    const replies = await this.redis
      .multi()
      .get(blockKey(m))
      .del(blockKey(m))
      .zrem(BLOCK_INDEX, m)
      .del(penaltyKey(m))
      .exec();
    const [err, json] = replies?.[0] ?? [null, null];
    if (err) throw err;
    return parseBlock(m, json as string | null);
  }

  /** QUIT when connected; otherwise just stop reconnecting. */
  async close(): Promise<void> {
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }
}
