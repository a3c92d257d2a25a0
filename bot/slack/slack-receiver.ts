/**
 * Bolt's ExpressReceiver with Slack's request rules held in full. Bolt checks the v0 signature
 * and refuses timestamps more than five minutes old; this also refuses those more than five
 * minutes ahead (a captured request cannot be held back and replayed later), drops Slack's
 * retried deliveries (a retry never acts twice; Vigil serves no Events API event that would need
 * one), and answers at once every signed request no handler acknowledged (an unknown action or
 * command, a payload Vigil does not serve) instead of Bolt's 404 after 3 s, past Slack's limit,
 * which shows users a warning. What went unhandled is logged.
 */
import { ExpressReceiver, type ExpressReceiverOptions } from '@slack/bolt';
import type { Request, Response } from 'express';
import type { Logger } from '../../server/logger.js';

/** Slack's window for a request's timestamp, both ways. */
const SLACK_TIMESTAMP_WINDOW_MS = 5 * 60_000;

/** What a Slack request asked for, to name it in the log (never its text or user data). */
export function requestShape(body: unknown): Record<string, unknown> {
  const payload = (body ?? {}) as { type?: string; command?: string; actions?: { action_id?: string }[]; view?: { callback_id?: string } };
  return {
    type: payload.type ?? (payload.command ? 'slash_command' : 'unknown'),
    command: payload.command,
    actionIds: payload.actions?.map((action) => action.action_id),
    callbackId: payload.view?.callback_id,
  };
}

const answerEmpty = (res: Response, status = 200) => {
  res.writeHead(status);
  res.end();
};

export class SlackReceiver extends ExpressReceiver {
  private readonly vigilLogger: Logger;

  constructor(options: ExpressReceiverOptions & { readonly vigilLogger: Logger }) {
    const { vigilLogger, ...receiverOptions } = options;
    super({
      ...receiverOptions,
      // Bolt's timer still runs for requests answered below; by then there is nothing left to say.
      unhandledRequestHandler: ({ response }) => {
        if (response.headersSent) return;
        vigilLogger.warn('slack request not answered within 3 s');
        answerEmpty(response as Response);
      },
    });
    this.vigilLogger = vigilLogger;
  }

  // Runs after Bolt's middleware verified the signature and the timestamp's age.
  override async requestHandler(req: Request, res: Response): Promise<void> {
    const sentAt = Number(req.header('x-slack-request-timestamp')) * 1000;
    if (!Number.isFinite(sentAt) || sentAt > Date.now() + SLACK_TIMESTAMP_WINDOW_MS) {
      this.vigilLogger.warn({ sentAt: req.header('x-slack-request-timestamp') }, 'slack request dated in the future: refused');
      return answerEmpty(res, 401);
    }
    if (req.header('x-slack-retry-num') !== undefined) {
      this.vigilLogger.info(
        { retry: req.header('x-slack-retry-num'), reason: req.header('x-slack-retry-reason'), ...requestShape(req.body) },
        'slack retry dropped',
      );
      return answerEmpty(res);
    }
    await super.requestHandler(req, res);
    if (res.headersSent) return;
    this.vigilLogger.warn(requestShape(req.body), 'slack request with no handler: answered empty');
    answerEmpty(res);
  }
}
