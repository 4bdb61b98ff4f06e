/**
 * The location-spoofing rules on synthetic traces (test/bench/spoofing-traces.ts; the same figures
 * `npm run eval:spoofing` prints for the README): genuine city drives are not flagged, and a
 * teleport, a mock-flagged stream and a replayed track are.
 */
import { cityDrive, evaluate, replayedTrack, spoofingReport } from './bench/spoofing-traces.js';

describe('location spoofing rules on synthetic traces', () => {
  it('detects every attack trace and flags no genuine drive', () => {
    const report = spoofingReport(20);
    expect(report.drivesFlagged).toBe(0);
    expect(report.genuineFixesUntrusted / report.genuineFixes).toBeLessThan(0.005);
    for (const attack of Object.values(report.attacks)) {
      expect(attack.flagged).toBe(attack.traces);
      expect(attack.caught / attack.spoofedFixes).toBeGreaterThan(0.95);
      expect(attack.medianSpoofedToFlag).toBeLessThanOrEqual(3);
    }
  });

  it('a genuine drive carries weak and noisy fixes (the traces are not trivially clean)', () => {
    const drive = evaluate(cityDrive(1));
    expect(drive.reasons.weak_accuracy).toBeGreaterThan(0);
    expect(drive.flagged).toBe(false);
    // Every replayed fix repeats an earlier fix's coordinates to the 7th decimal.
    const replay = evaluate(replayedTrack(3, 100, 100));
    expect(replay.reasons.replayed_coordinates).toBe(100);
    expect(replay.spoofedCaught).toBe(100);
  });
});
