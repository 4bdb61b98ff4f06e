import type { INestApplication } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { RequestMethod } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { POLICY_KEY, type RoutePolicy } from './policy.decorator.js';

export interface RouteInfo {
  method: string;
  /** In OpenAPI form: `/admin/users/{id}`. */
  path: string;
  policy: RoutePolicy | undefined;
  controller: string;
  handler: string;
}

function join(...parts: (string | undefined)[]): string {
  const p = parts
    .flatMap((x) => (x ?? '').split('/'))
    .filter(Boolean)
    .map((s) => (s.startsWith(':') ? `{${s.slice(1)}}` : s))
    .join('/');
  return `/${p}`;
}

/** Every route the application's controllers declare, with the policy the guards will apply. */
export function listRoutes(app: INestApplication): RouteInfo[] {
  const routes: RouteInfo[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
      if (!controller) continue;
      const base = Reflect.getMetadata(PATH_METADATA, controller) as string | undefined;
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (path === undefined || method === undefined) continue;
        const policy = (Reflect.getMetadata(POLICY_KEY, handler) ??
          Reflect.getMetadata(POLICY_KEY, controller)) as RoutePolicy | undefined;
        routes.push({
          method: RequestMethod[method],
          path: join(base, path),
          policy,
          controller: controller.name,
          handler: name,
        });
      }
    }
  }
  return routes;
}
