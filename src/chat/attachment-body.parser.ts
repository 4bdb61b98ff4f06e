import type { Readable } from 'node:stream';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import busboy from 'busboy';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { BodyDone } from '../common/bounded-body.js';
import { AppProblem } from '../common/errors/problem.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

/** The one route that takes multipart bodies (Fastify's form of the path). */
export const ATTACHMENT_UPLOAD_ROUTE = {
  method: 'POST',
  url: '/chat/rooms/:kind/:subjectId/attachments',
};

/** What the upload's form carried: the `file` part and the `clientMessageId` and `caption` fields. */
export interface AttachmentForm {
  clientMessageId?: string;
  caption?: string;
  file?: Buffer;
}

export const attachmentTooLarge = (maxBytes: number, kind: 'image' | 'video' | 'file') =>
  new AppProblem(
    413,
    'chat-attachment/too-large',
    'Attachment too large',
    `A chat ${kind} may have at most ${maxBytes} bytes`,
    { maxBytes },
  );

const badForm = (detail: string) =>
  new AppProblem(400, 'chat-attachment/bad-form', 'Bad upload', detail);

/**
 * Reads a `multipart/form-data` body for the attachment route only (415 elsewhere, unread): one
 * `file` part of at most `maxBytes` (the larger of the image and video limits; 413 at once beyond
 * it, the rest unread), and the `clientMessageId` and `caption` fields. The exact limit for the
 * file's type is checked once its bytes say what it is.
 */
export function attachmentBodyParser(maxBytes: number) {
  return (request: FastifyRequest, payload: Readable, done: BodyDone): void => {
    if (request.is404) return done(null, undefined);
    if (
      request.method !== ATTACHMENT_UPLOAD_ROUTE.method ||
      request.routeOptions.url !== ATTACHMENT_UPLOAD_ROUTE.url
    )
      return done(
        new AppProblem(
          415,
          'request/unsupported-media-type',
          'Unsupported media type',
          `Unsupported Media Type: ${request.headers['content-type'] ?? ''}`,
        ),
      );
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes + 64 * 1024)
      return done(attachmentTooLarge(maxBytes, 'file'));
    let form: busboy.Busboy;
    try {
      form = busboy({
        headers: request.headers,
        limits: { files: 1, fields: 2, fileSize: maxBytes, fieldSize: 100_000, parts: 4 },
      });
    } catch {
      return done(badForm('The multipart body has no boundary'));
    }
    const result: AttachmentForm = {};
    let settled = false;
    const settle = (err: Error | null) => {
      if (settled) return;
      settled = true;
      if (err) {
        payload.unpipe(form);
        payload.resume();
      }
      done(err, err ? undefined : result);
    };
    form.on('field', (name, value) => {
      if (name === 'clientMessageId' || name === 'caption') result[name] = value;
    });
    form.on('file', (name, stream) => {
      if (name !== 'file') return stream.resume();
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => settle(attachmentTooLarge(maxBytes, 'file')));
      stream.on('end', () => {
        result.file = Buffer.concat(chunks);
      });
    });
    form.on('close', () => settle(null));
    form.on('error', (err: Error) =>
      settle(badForm(`The multipart body is malformed: ${err.message}`)),
    );
    payload.pipe(form);
  };
}

/** Registers the attachment body parser when the module starts (nothing to do in a preview build). */
@Injectable()
export class AttachmentBodyParser implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify || fastify.hasContentTypeParser('multipart/form-data')) return;
    const { imageMaxBytes, videoMaxBytes } = this.config.chat;
    fastify.addContentTypeParser(
      'multipart/form-data',
      attachmentBodyParser(Math.max(imageMaxBytes, videoMaxBytes)),
    );
  }
}
