/**
 * `npm run eval:spoofing`: the location-spoofing rules measured on synthetic traces (50 seeds of a
 * city drive, a teleport, a mock-flagged stream and a replayed track; test/bench/spoofing-traces.ts).
 * Prints the report and one RESULT line per figure (README "Technician location").
 */
import { spoofingReport } from './spoofing-traces.js';

const report = spoofingReport(50);
const pct = (n: number, d: number) => ((100 * n) / d).toFixed(1);
console.log(JSON.stringify(report, null, 2));
console.log(
  `RESULT spoofing.drive_false_positive_rate ${pct(report.drivesFlagged, report.drives)} %`,
);
console.log(
  `RESULT spoofing.genuine_fix_untrusted_rate ${pct(report.genuineFixesUntrusted, report.genuineFixes)} %`,
);
for (const [name, a] of Object.entries(report.attacks)) {
  console.log(`RESULT spoofing.${name}.trace_detection_rate ${pct(a.flagged, a.traces)} %`);
  console.log(`RESULT spoofing.${name}.fix_detection_rate ${pct(a.caught, a.spoofedFixes)} %`);
  console.log(`RESULT spoofing.${name}.spoofed_fixes_to_flag ${a.medianSpoofedToFlag} fixes`);
}
