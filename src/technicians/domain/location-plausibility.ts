/**
 * Location-spoofing protection (README "Technician location"): every fix a technician sends gets a
 * suspicion score from 0 (plausible) to 100 from the rules below, judged against the fixes before
 * it; the technician's rolling score (`rollingScore`) decays by half with every fix and adds the new
 * one, and reaching the configured threshold (TECHNICIAN_SPOOF_FLAG_THRESHOLD, 100) flags the
 * technician. Pure: no clock, no database.
 */

/** A fix as the rules see it: coordinates in integer 1e-7 degrees (the precision the replay rule compares). */
export interface LocationFix {
  readonly latE7: number;
  readonly lngE7: number;
  readonly accuracyM: number;
  /** When the device says it took the fix (epoch milliseconds). */
  readonly recordedAtMs: number;
  /** The OS said the location is mocked (Android `isMock`, iOS `isSimulatedBySoftware`). */
  readonly mock: boolean;
}

export const SPOOF_REASONS = [
  'impossible_speed',
  'mock_location',
  'replayed_coordinates',
  'repeated_coordinates',
  'clock_skew',
  'stale_fix',
  'weak_accuracy',
] as const;
export type SpoofReason = (typeof SPOOF_REASONS)[number];

/**
 * Why a location review opened: the fix rules' reasons of the technician's last fixes, and
 * `teleport_before_accept` when an offer's acceptance was refused for a jump just before it
 * (`teleportBeforeAccept`, the offer code).
 */
export const REVIEW_REASONS = [...SPOOF_REASONS, 'teleport_before_accept'] as const;
export type ReviewReason = (typeof REVIEW_REASONS)[number];

/** The rules' thresholds and weights (points added to a fix's score, capped at 100). */
export const SPOOF_RULES = {
  /** Faster than this between two fixes is impossible in a city (200 km/h). */
  maxSpeedMps: 200 / 3.6,
  /**
   * GPS jitter allowance: the distance between two fixes counts only beyond both fixes' accuracy
   * radii, and a jump of less than this beyond them never counts as impossible (multipath jumps).
   */
  jitterAllowanceM: 100,
  /** Accuracy worse than this is weak. */
  weakAccuracyM: 100,
  /** A fix recorded more than this in the future of the server's clock. */
  maxFutureSkewSeconds: 30,
  /** A fix recorded more than this before it reached the server (phones batch offline fixes, so a weak signal). */
  maxAgeSeconds: 300,
  points: {
    impossible_speed: 100,
    mock_location: 100,
    /** Identical to the 7th decimal to an earlier fix other than the last one: a replayed track. */
    replayed_coordinates: 60,
    clock_skew: 40,
    stale_fix: 20,
    /** Identical to the last fix: a stationary phone's provider may repeat it, so a weak signal. */
    repeated_coordinates: 20,
    weak_accuracy: 15,
  } satisfies Record<SpoofReason, number>,
  /** The rolling score keeps this share of itself with every new fix. */
  rollingDecay: 0.5,
  /** A fix scoring at or above this is not trusted as the current position (history only). */
  untrustedFromScore: 50,
} as const;

export interface FixScore {
  /** 0 (plausible) … 100. */
  score: number;
  reasons: SpoofReason[];
}

const EARTH_RADIUS_M = 6_371_008.8;

/** Great-circle distance in metres (haversine on the mean Earth radius). */
export function distanceM(
  a: Pick<LocationFix, 'latE7' | 'lngE7'>,
  b: Pick<LocationFix, 'latE7' | 'lngE7'>,
): number {
  const rad = (e7: number) => (e7 / 1e7) * (Math.PI / 180);
  const dLat = rad(b.latE7 - a.latE7);
  const dLng = rad(b.lngE7 - a.lngE7);
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(rad(a.latE7)) * Math.cos(rad(b.latE7)) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * The jump from `from` to `to` beyond both accuracy radii and its implied speed (m/s; Infinity for
 * a jump at the same instant).
 */
export function impliedMove(
  from: LocationFix,
  to: LocationFix,
): { beyondAccuracyM: number; speedMps: number } {
  const beyondAccuracyM = Math.max(0, distanceM(from, to) - from.accuracyM - to.accuracyM);
  const seconds = Math.abs(to.recordedAtMs - from.recordedAtMs) / 1000;
  const speedMps = beyondAccuracyM === 0 ? 0 : seconds === 0 ? Infinity : beyondAccuracyM / seconds;
  return { beyondAccuracyM, speedMps };
}

const sameCoordinates = (a: LocationFix, b: LocationFix) =>
  a.latE7 === b.latE7 && a.lngE7 === b.lngE7;

/**
 * Scores `fix` against `previous` (newest first: `previous[0]` is the technician's last fix; later
 * entries are earlier fixes, e.g. the last few and any earlier one with the same coordinates) at
 * server time `serverNowMs`. A retry of the very same fix (same coordinates and time) is not a replay.
 */
export function scoreFix(
  fix: LocationFix,
  previous: readonly LocationFix[],
  serverNowMs: number,
): FixScore {
  const reasons: SpoofReason[] = [];
  const last = previous[0];
  if (last) {
    const move = impliedMove(last, fix);
    if (
      move.beyondAccuracyM > SPOOF_RULES.jitterAllowanceM &&
      move.speedMps > SPOOF_RULES.maxSpeedMps
    )
      reasons.push('impossible_speed');
  }
  if (fix.mock) reasons.push('mock_location');
  const replays = previous.filter(
    (p) => sameCoordinates(p, fix) && p.recordedAtMs !== fix.recordedAtMs,
  );
  if (replays.some((p) => p !== last)) reasons.push('replayed_coordinates');
  else if (replays.length > 0) reasons.push('repeated_coordinates');
  const skewSeconds = (fix.recordedAtMs - serverNowMs) / 1000;
  if (skewSeconds > SPOOF_RULES.maxFutureSkewSeconds) reasons.push('clock_skew');
  else if (-skewSeconds > SPOOF_RULES.maxAgeSeconds) reasons.push('stale_fix');
  if (fix.accuracyM > SPOOF_RULES.weakAccuracyM) reasons.push('weak_accuracy');
  const score = Math.min(
    100,
    reasons.reduce((sum, r) => sum + SPOOF_RULES.points[r], 0),
  );
  return { score, reasons };
}

/** The technician's rolling score after a fix scoring `fixScore`. */
export function rollingScore(previousRolling: number, fixScore: number): number {
  return previousRolling * SPOOF_RULES.rollingDecay + fixScore;
}

export interface TeleportCheck {
  suspicious: boolean;
  /** The biggest qualifying jump within the window (metres beyond accuracy), 0 when none. */
  jumpM: number;
  /** How long before the acceptance that jump landed, when there is one. */
  secondsBeforeAccept?: number;
}

/**
 * Teleport-then-accept, for the offer code: did the technician jump at least `jumpM` (beyond the
 * fixes' accuracy) faster than `minSpeedMps` — default 2 km at more than 100 km/h — with the jump
 * landing within `windowSeconds` (default 120) before accepting at `acceptedAtMs`? `fixes` in any
 * order; only those recorded before the acceptance count.
 */
export function teleportBeforeAccept(
  fixes: readonly LocationFix[],
  acceptedAtMs: number,
  opts: { windowSeconds?: number; jumpM?: number; minSpeedMps?: number } = {},
): TeleportCheck {
  const windowMs = (opts.windowSeconds ?? 120) * 1000;
  const jumpM = opts.jumpM ?? 2000;
  const minSpeedMps = opts.minSpeedMps ?? 100 / 3.6;
  const ordered = fixes
    .filter((f) => f.recordedAtMs <= acceptedAtMs)
    .sort((a, b) => a.recordedAtMs - b.recordedAtMs);
  let worst: TeleportCheck = { suspicious: false, jumpM: 0 };
  for (let i = 1; i < ordered.length; i++) {
    const to = ordered[i]!;
    if (acceptedAtMs - to.recordedAtMs > windowMs) continue;
    const move = impliedMove(ordered[i - 1]!, to);
    if (
      move.beyondAccuracyM >= jumpM &&
      move.speedMps > minSpeedMps &&
      move.beyondAccuracyM > worst.jumpM
    )
      worst = {
        suspicious: true,
        jumpM: Math.round(move.beyondAccuracyM),
        secondsBeforeAccept: Math.round((acceptedAtMs - to.recordedAtMs) / 1000),
      };
  }
  return worst;
}

/** Degrees → integer 1e-7 degrees (the stored and compared precision). */
export const toE7 = (degrees: number): number => Math.round(degrees * 1e7);
