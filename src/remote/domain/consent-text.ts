/**
 * The consent notice a customer reads before a technician may see the phone's IMEI or reach it
 * remotely (DPDP-style: purpose, data, who, how long, how to withdraw). Versioned: the apps render
 * this data, the customer accepts the version they saw, and its SHA-256 (over the canonical JSON of
 * the rendered notice) is stored with the consent so what was shown can be proven later. A change of
 * wording is a new version.
 */
import { createHash } from 'node:crypto';
import { auditCanonicalJson } from '../../common/canonical-json.js';

export const CONSENT_TEXT_VERSION = 'remote-consent/2026-12-07.1';

export const CONSENT_PERMISSIONS = ['imei_reveal', 'remote_session'] as const;
export type ConsentPermission = (typeof CONSENT_PERMISSIONS)[number];

export interface ConsentNotice {
  version: string;
  title: string;
  purpose: string;
  technician: { id: string; name: string };
  permissions: { permission: ConsentPermission; title: string; description: string }[];
  duration: { consentHours: number; sessionMaxMinutes: number; text: string };
  dataProcessed: string[];
  howToRevoke: string;
  yourRights: string;
}

export function consentNotice(input: {
  technician: { id: string; name: string };
  target: string;
  consentHours: number;
  sessionMaxMinutes: number;
}): ConsentNotice {
  const { technician, target, consentHours, sessionMaxMinutes } = input;
  return {
    version: CONSENT_TEXT_VERSION,
    title: 'Allow remote repair of your phone',
    purpose:
      'To diagnose and repair the software of your phone for this repair job only, the technician ' +
      'assigned to it needs your permission. Nothing is done to your phone without it.',
    technician,
    permissions: [
      {
        permission: 'imei_reveal',
        title: 'See your phone’s IMEI',
        description:
          `${technician.name} may see the IMEI you gave for this job (to check the device, its ` +
          'warranty or blacklist status). It is stored encrypted and every view is logged.',
      },
      {
        permission: 'remote_session',
        title: 'Connect to your phone remotely',
        description:
          `${technician.name} may open remote sessions, each approved by you, to one service on ` +
          `the computer your phone is attached to: ${target} (Android Debug Bridge). The connection ` +
          'is encrypted end to end between your agent and the technician’s; your agent records ' +
          'what is opened on your phone and shows it to you.',
      },
    ],
    duration: {
      consentHours,
      sessionMaxMinutes,
      text:
        `This permission lasts ${consentHours} hours unless you withdraw it sooner. Each remote ` +
        `session ends after ${sessionMaxMinutes} minutes at most, and when the job is closed.`,
    },
    dataProcessed: [
      'the IMEI you entered (encrypted)',
      'when each session started and ended, the amount of data each way, reconnections',
      'the services opened on your phone during a session (for example shell, file transfer, app install)',
      'the time, IP address and device from which you gave or withdrew this permission',
    ],
    howToRevoke:
      'Withdraw at any time from this screen (or end a session from your agent). Withdrawal stops ' +
      'IMEI access and ends any live session within a second.',
    yourRights:
      'Under the Digital Personal Data Protection Act, 2023 you may withdraw consent as easily as ' +
      'you gave it, ask what was processed, and complain to the Data Protection Board of India. ' +
      'Withdrawing does not affect what was done before.',
  };
}

/** SHA-256 (hex) of the notice's canonical JSON: what the stored consent points to. */
export function noticeSha256(notice: ConsentNotice): string {
  return createHash('sha256').update(auditCanonicalJson(notice)).digest('hex');
}
