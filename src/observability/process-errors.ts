import { Logger } from '@nestjs/common';

/**
 * Logs an unhandled rejection or uncaught exception through the application's logger — so through the
 * one error serializer (no query parameters, personal data scrubbed) instead of Node's own dump of the
 * error and every field it carries — then exits with 1, as Node would have.
 */
export function installProcessErrorHandlers(
  target: NodeJS.EventEmitter = process,
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  const logger = new Logger('Process');
  target.on('unhandledRejection', (reason: unknown) => {
    logger.fatal({ err: reason }, 'unhandled rejection');
    exit(1);
  });
  target.on('uncaughtException', (err: Error) => {
    logger.fatal({ err }, 'uncaught exception');
    exit(1);
  });
}
