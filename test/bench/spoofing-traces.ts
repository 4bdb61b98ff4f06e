/**
 * Synthetic location traces for measuring the location-spoofing rules
 * (src/technicians/domain/location-plausibility.ts): a realistic city drive (GPS noise, weak fixes,
 * multipath jumps, stops, upload latency), a teleport, a mock-flagged stream and a replayed track.
 * `evaluate` runs a trace through the rules as the service does (previous = the last five fixes
 * plus the latest earlier one with the same coordinates; rolling score; flag at the threshold) and
 * counts what was caught. Seeded, so every run measures the same traces.
 */
import {
  rollingScore,
  scoreFix,
  SPOOF_RULES,
  toE7,
  type LocationFix,
} from '../../src/technicians/domain/location-plausibility.js';

/** A fix as sent, when the server got it, and whether it is genuine. */
export interface TraceFix {
  fix: LocationFix;
  serverNowMs: number;
  spoofed: boolean;
}

/** mulberry32: a small seeded PRNG. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const gaussian = (rnd: () => number) =>
  Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());

const M_PER_DEG_LAT = 111_320;
const BENGALURU = { lat: 12.9716, lng: 77.5946 };
const START_MS = Date.parse('2026-12-01T09:00:00Z');

/**
 * A technician's motorbike ride across a city: fixes every 4–8 s, speeds 0–60 km/h with stops,
 * turns; GPS noise of about half the reported accuracy (5–25 m, 6 % of fixes 30–90 m, 2 % over
 * 100 m as in underpasses), 2 % multipath jumps of 40–120 m, upload latency 0.2–3 s.
 */
export function cityDrive(
  seed: number,
  fixes = 600,
  start = BENGALURU,
  startMs = START_MS,
): TraceFix[] {
  const rnd = seededRandom(seed);
  let lat = start.lat;
  let lng = start.lng;
  let heading = rnd() * 2 * Math.PI;
  let speed = 8;
  let t = startMs;
  const out: TraceFix[] = [];
  for (let i = 0; i < fixes; i++) {
    const dt = 4 + rnd() * 4;
    t += dt * 1000;
    if (rnd() < 0.05)
      speed = 0; // a signal or a stop
    else speed = Math.min(16.7, Math.max(0, speed + gaussian(rnd) * 1.5 + (speed < 3 ? 2 : 0)));
    if (rnd() < 0.08) heading += (rnd() < 0.5 ? -1 : 1) * (Math.PI / 2); // a turn
    lat += (Math.cos(heading) * speed * dt) / M_PER_DEG_LAT;
    lng += (Math.sin(heading) * speed * dt) / (M_PER_DEG_LAT * Math.cos((lat * Math.PI) / 180));
    const r = rnd();
    const accuracyM = r < 0.02 ? 100 + rnd() * 150 : r < 0.08 ? 30 + rnd() * 60 : 5 + rnd() * 20;
    let noiseM = (accuracyM / 2) * Math.abs(gaussian(rnd));
    if (rnd() < 0.02) noiseM += 40 + rnd() * 80; // multipath
    const bearing = rnd() * 2 * Math.PI;
    const fixLat = lat + (Math.cos(bearing) * noiseM) / M_PER_DEG_LAT;
    const fixLng =
      lng + (Math.sin(bearing) * noiseM) / (M_PER_DEG_LAT * Math.cos((lat * Math.PI) / 180));
    out.push({
      fix: {
        latE7: toE7(fixLat),
        lngE7: toE7(fixLng),
        accuracyM: Math.round(accuracyM * 10) / 10,
        recordedAtMs: Math.round(t),
        mock: false,
      },
      serverNowMs: Math.round(t + 200 + rnd() * 2800),
      spoofed: false,
    });
  }
  return out;
}

/** A drive, then one jump of `jumpKm` (the spoofed fix), then the drive goes on from there. */
export function teleport(seed: number, jumpKm = 15): TraceFix[] {
  const before = cityDrive(seed, 100);
  const last = before.at(-1)!;
  const landing = {
    lat: last.fix.latE7 / 1e7 + (jumpKm * 1000) / M_PER_DEG_LAT,
    lng: last.fix.lngE7 / 1e7,
  };
  const after = cityDrive(seed + 1, 100, landing, last.fix.recordedAtMs + 5000);
  return [...before, { ...after[0]!, spoofed: true }, ...after.slice(1)];
}

/** A mock-location app's stream the OS flags (`mock: true`): a plausible drive, every fix spoofed. */
export function mockStream(seed: number, fixes = 100): TraceFix[] {
  return cityDrive(seed, fixes).map((f) => ({
    ...f,
    fix: { ...f.fix, mock: true },
    spoofed: true,
  }));
}

/**
 * A genuine drive, then an earlier stretch of it sent again with fresh timestamps (a recorded track
 * replayed): the replayed fixes are spoofed.
 */
export function replayedTrack(seed: number, genuine = 200, replayed = 100): TraceFix[] {
  const drive = cityDrive(seed, genuine);
  let t = drive.at(-1)!.fix.recordedAtMs;
  const replay = drive.slice(0, replayed).map((f) => {
    t += 5000;
    return {
      fix: { ...f.fix, recordedAtMs: t },
      serverNowMs: t + 800,
      spoofed: true,
    };
  });
  return [...drive, ...replay];
}

export interface TraceResult {
  fixes: number;
  spoofedFixes: number;
  /** Spoofed fixes scored untrusted (≥ SPOOF_RULES.untrustedFromScore). */
  spoofedCaught: number;
  /** Genuine fixes scored untrusted. */
  genuineFlaggedFixes: number;
  /** The technician's rolling score reached the threshold. */
  flagged: boolean;
  /** Fixes sent before the flag (undefined when never flagged). */
  flaggedAtFix?: number;
  /** Spoofed fixes sent before the flag (the first spoofed fix counts as 1). */
  spoofedBeforeFlag?: number;
  reasons: Record<string, number>;
}

/** Runs a trace through the rules as the service does. */
export function evaluate(trace: readonly TraceFix[], threshold = 100): TraceResult {
  const history: LocationFix[] = [];
  let rolling = 0;
  const result: TraceResult = {
    fixes: trace.length,
    spoofedFixes: 0,
    spoofedCaught: 0,
    genuineFlaggedFixes: 0,
    flagged: false,
    reasons: {},
  };
  let spoofedSeen = 0;
  trace.forEach((t, i) => {
    const recent = history.slice(-5).reverse();
    const same = [...history]
      .reverse()
      .find((h) => h.latE7 === t.fix.latE7 && h.lngE7 === t.fix.lngE7 && !recent.includes(h));
    const { score, reasons } = scoreFix(t.fix, same ? [...recent, same] : recent, t.serverNowMs);
    history.push(t.fix);
    for (const r of reasons) result.reasons[r] = (result.reasons[r] ?? 0) + 1;
    const untrusted = score >= SPOOF_RULES.untrustedFromScore;
    if (t.spoofed) {
      spoofedSeen++;
      result.spoofedFixes++;
      if (untrusted) result.spoofedCaught++;
    } else if (untrusted) result.genuineFlaggedFixes++;
    rolling = rollingScore(rolling, score);
    if (!result.flagged && rolling >= threshold) {
      result.flagged = true;
      result.flaggedAtFix = i + 1;
      result.spoofedBeforeFlag = spoofedSeen;
    }
  });
  return result;
}

export interface SpoofingReport {
  /** Genuine drives, and how many of them were flagged (false positives). */
  drives: number;
  drivesFlagged: number;
  /** Genuine fixes over all drives, and how many scored untrusted. */
  genuineFixes: number;
  genuineFixesUntrusted: number;
  /** Per attack: traces, traces flagged, spoofed fixes, spoofed fixes caught. */
  attacks: Record<
    'teleport' | 'mock' | 'replay',
    {
      traces: number;
      flagged: number;
      spoofedFixes: number;
      caught: number;
      medianSpoofedToFlag: number;
    }
  >;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor((s.length - 1) / 2)]!;
};

/** The figures the README reports: `runs` seeds of each trace. */
export function spoofingReport(runs = 50): SpoofingReport {
  const drives = Array.from({ length: runs }, (_, i) => evaluate(cityDrive(1000 + i)));
  const attack = (make: (seed: number) => TraceFix[]) => {
    const results = Array.from({ length: runs }, (_, i) => evaluate(make(5000 + i * 7)));
    return {
      traces: runs,
      flagged: results.filter((r) => r.flagged).length,
      spoofedFixes: results.reduce((s, r) => s + r.spoofedFixes, 0),
      caught: results.reduce((s, r) => s + r.spoofedCaught, 0),
      medianSpoofedToFlag: median(
        results.filter((r) => r.flagged).map((r) => r.spoofedBeforeFlag!),
      ),
    };
  };
  return {
    drives: runs,
    drivesFlagged: drives.filter((r) => r.flagged).length,
    genuineFixes: drives.reduce((s, r) => s + r.fixes, 0),
    genuineFixesUntrusted: drives.reduce((s, r) => s + r.genuineFlaggedFixes, 0),
    attacks: {
      teleport: attack((s) => teleport(s)),
      mock: attack((s) => mockStream(s)),
      replay: attack((s) => replayedTrack(s)),
    },
  };
}
