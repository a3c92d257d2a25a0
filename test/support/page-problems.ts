/**
 * Everything a page does that a browser test of Vigil's own pages refuses (console errors, a CSP
 * violation among them, page errors, failed or refused requests, requests to another host),
 * collected from before the first navigation, and the requests for the file the page plays (a
 * .cast, a .webm) as the browser sent them.
 */
import type { Page } from 'playwright-core';

export interface PageProblems {
  consoleErrors: string[];
  pageErrors: string[];
  failedRequests: string[];
  errorResponses: string[];
  foreignRequests: string[];
  requests: string[];
  /** Requests for the played file, as sent. */
  fileRequests: { url: URL; authorization?: string; range?: string }[];
}

export function watchPage(page: Page, origin: string, playedFile: (path: string) => boolean): PageProblems {
  const problems: PageProblems = {
    consoleErrors: [],
    pageErrors: [],
    failedRequests: [],
    errorResponses: [],
    foreignRequests: [],
    requests: [],
    fileRequests: [],
  };
  page.on('console', (message) => {
    if (message.type() !== 'error' && message.type() !== 'warning') return;
    const source = message.location().url;
    problems.consoleErrors.push(`${message.type()}: ${message.text()}${source ? ` (${source})` : ''}`);
  });
  page.on('pageerror', (error) => problems.pageErrors.push(String(error)));
  page.on('requestfailed', (request) => problems.failedRequests.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.errorResponses.push(`${response.status()} ${response.url()}`);
  });
  page.on('request', (request) => {
    const url = new URL(request.url());
    problems.requests.push(`${request.method()} ${url.pathname}`);
    if (playedFile(url.pathname)) problems.fileRequests.push({ url, authorization: request.headers().authorization, range: request.headers().range });
    if (url.protocol === 'data:' || url.protocol === 'blob:') return;
    if (url.origin !== origin) problems.foreignRequests.push(request.url());
  });
  return problems;
}

/** What must be empty after a page did its work: everything but the request lists. */
export function refusedOf(problems: PageProblems): Omit<PageProblems, 'requests' | 'fileRequests'> {
  const { requests: _requests, fileRequests: _fileRequests, ...refused } = problems;
  return refused;
}
