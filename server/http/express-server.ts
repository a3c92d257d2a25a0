/**
 * The HTTP server for Vigil's express app, whose requests and responses are born with the app's
 * own prototypes (node:http's IncomingMessage and ServerResponse options).
 *
 * Why: express re-prototypes both objects of every request on entry (Object.setPrototypeOf to
 * app.request and app.response). V8 then keeps much of each request's garbage alive through the
 * next young-generation GC: measured on Vigil, about a fifth of all a request allocates was copied
 * and promoted to the old generation, so scavenges took 3–8 ms instead of well under one and were
 * what a few requests in every hundred waited on (the p99). When the prototype is already the one
 * express sets, its Object.setPrototypeOf changes nothing.
 */
import { createServer, IncomingMessage, ServerResponse, type Server } from 'node:http';
import type express from 'express';

export interface ExpressServer {
  readonly server: Server;
  /** Serves `app`; call once, before the server listens. */
  serve(app: express.Express): void;
}

const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export function createExpressServer(): ExpressServer {
  // Plain constructors whose prototype can be replaced (a class's cannot), each running node's own
  // (plain functions too) on the new object with every argument node passes. Not
  // Reflect.construct with a new.target: objects made that way were still copied through
  // young-generation GCs.
  function ExpressRequest(this: IncomingMessage, ...args: unknown[]) {
    Reflect.apply(IncomingMessage, this, args);
  }
  function ExpressResponse(this: ServerResponse, ...args: unknown[]) {
    Reflect.apply(ServerResponse, this, args);
  }
  const server = createServer({
    IncomingMessage: ExpressRequest as unknown as typeof IncomingMessage,
    ServerResponse: ExpressResponse as unknown as typeof ServerResponse,
  });
  // Idle keep-alive connections outlive a load balancer's (60 s on the common ones) and a client's
  // own retirement of them: with node's 5 s, a client reusing a connection just as Vigil closed it
  // gets a reset instead of an answer. Headers must be allowed longer than that.
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1000;
  let isServing = false;
  return {
    server,
    serve(app) {
      if (isServing) throw new Error('The HTTP server already serves an app');
      isServing = true;
      // app.request and app.response inherit from IncomingMessage and ServerResponse (through
      // express's own request and response), so everything node and express expect is there.
      ExpressRequest.prototype = app.request;
      ExpressResponse.prototype = app.response;
      server.on('request', app);
    },
  };
}
