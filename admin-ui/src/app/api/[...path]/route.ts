import type { NextRequest } from 'next/server';
import { proxy } from '../../../server/proxy';

type Context = { params: Promise<{ path: string[] }> };

async function handle(req: NextRequest, ctx: Context) {
  return proxy(req, (await ctx.params).path);
}

export const GET = handle;
export const POST = handle;
export const PUT = handle;
export const PATCH = handle;
export const DELETE = handle;
