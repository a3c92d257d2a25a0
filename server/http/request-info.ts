import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Request } from 'express';
import type { RequestInfo } from '../auth/actor.js';

const REQUEST_ID_PATTERN = /^[\w.:-]{1,128}$/;

/** The caller's X-Request-Id when it is sane (so a trace spans systems), else a new one. */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
}

export function requestInfoOf(request: Request | IncomingMessage, requestId: string): RequestInfo {
  const clientIp = 'ip' in request && typeof request.ip === 'string' ? request.ip : request.socket.remoteAddress;
  const userAgent = request.headers['user-agent'];
  // Only the web app can be claimed by a header; chat channels are set by the bots themselves.
  const channel = String(request.headers['vigil-client'] ?? '').toLowerCase() === 'web' ? 'web' : 'api';
  // An account admin's choice of workspace (server/auth/act-in-workspace.ts); anyone else's is refused there.
  const workspace = request.headers['vigil-workspace'];
  return {
    requestId,
    clientIp: clientIp ?? undefined,
    userAgent: userAgent?.slice(0, 512),
    channel,
    ...(typeof workspace === 'string' && workspace.trim() !== '' ? { workspace: workspace.trim() } : {}),
  };
}
