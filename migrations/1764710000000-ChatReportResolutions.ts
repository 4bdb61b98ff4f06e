import type { MigrationInterface, QueryRunner } from 'typeorm';
import { makeAppendOnly } from './support/append-only.js';

/**
 * Staff resolve reported chat messages (src/chat/, README "Chat"): a report is open until it has a
 * row here, once (the primary key), saying whether staff dismissed it or hid the message, why, who
 * and when (append-only, like the reports). `chat_reports_queue_idx` serves the queue (oldest
 * first, keyset on `created_at, id`).
 */
export class ChatReportResolutions1764710000000 implements MigrationInterface {
  name = 'ChatReportResolutions1764710000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE chat_report_resolutions (
        report_id uuid PRIMARY KEY REFERENCES chat_reports(id),
        action text NOT NULL CHECK (action IN ('dismiss','hide')),
        reason text NOT NULL CHECK (length(reason) BETWEEN 3 AND 1000),
        resolved_by uuid NOT NULL REFERENCES users(id),
        resolved_at timestamptz NOT NULL DEFAULT now()
      )`);
    await makeAppendOnly(q, 'chat_report_resolutions');
    await q.query(`CREATE INDEX chat_reports_queue_idx ON chat_reports (created_at, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX chat_reports_queue_idx`);
    await q.query(`DROP TABLE chat_report_resolutions`);
  }
}
