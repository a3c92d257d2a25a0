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
  return { requestId, clientIp: clientIp ?? undefined, userAgent: userAgent?.slice(0, 512) };
}
