/**
 * The GraphQL explorer in the browser: GraphiQL, with a token field whose token goes on every
 * HTTP request (`Authorization: Bearer …`) and in graphql-ws's connection_init, where Vigil's
 * WebSocket reads it. Queries and mutations go over HTTP, subscriptions over WebSocket, both to
 * the page's own origin.
 *
 * Bundled by server/explorer/explorer-bundle.ts (esbuild, from the installed npm packages): plain
 * JavaScript with no JSX, since the project's TypeScript settings are for Node, not the DOM.
 */
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { setNonce } from 'get-nonce';
import { GraphiQL } from 'graphiql';
import { parse } from 'graphql';
import { createClient } from 'graphql-ws';
import { createElement as h, useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import 'graphiql/style.css';
import './explorer.css';

// sessionStorage, not localStorage: a Vigil token is a bearer credential that often lasts for
// months (an admin's, printed at first start). sessionStorage keeps it for this tab while it is
// open, across reloads, and forgets it when the tab closes; localStorage would leave it on disk in
// the browser profile for anyone who opens the page later on a shared machine.
const TOKEN_KEY = 'vigil.explorer.token';

// GraphiQL's dialogs (Radix) lock the page's scrolling with a <style> element they add, which the
// page's CSP blocks unless it carries the nonce the server gave the page's stylesheet link.
// react-style-singleton reads it from get-nonce.
const styleNonce = document.querySelector('link[rel="stylesheet"][nonce]')?.nonce;
if (styleNonce) setNonce(styleNonce);

const DEFAULT_QUERY = `# Vigil's GraphQL API. Paste a token above (the admin's is printed at first start),
# then run this with Ctrl-Enter. The Docs button on the left lists every type and field.
{
  me { email role permissions }
}
`;

const GRAPHQL_URL = new URL('/graphql', window.location.href).href;
const WEBSOCKET_URL = GRAPHQL_URL.replace(/^http/, 'ws');

function storedToken() {
  try {
    return window.sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return ''; // storage disabled: the token lasts as long as the page
  }
}

function storeToken(token) {
  try {
    if (token) window.sessionStorage.setItem(TOKEN_KEY, token);
    else window.sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // storage disabled: nothing to keep
  }
}

/**
 * A fetcher acting with `token`. A WebSocket authenticates once, at connection_init, so a new
 * token needs a new graphql-ws client (the old one is closed by the caller).
 */
function explorerFetcher(token) {
  const authorization = token ? `Bearer ${token}` : undefined;
  const wsClient = createClient({
    url: WEBSOCKET_URL,
    lazy: true,
    connectionParams: authorization ? { authorization } : {},
    // A refused token closes the socket with 4401: say so rather than retry in silence.
    retryAttempts: 0,
  });
  const send = createGraphiQLFetcher({
    url: GRAPHQL_URL,
    headers: authorization ? { Authorization: authorization } : {},
    wsClient,
    // Vigil answers with one JSON response; no multipart (@defer/@stream) responses to read.
    enableIncrementalDelivery: false,
  });
  // The toolkit sends an operation over WebSocket when the parsed document GraphiQL hands it says
  // it is a subscription; GraphiQL parses 100 ms after the last keystroke, so an operation run
  // sooner (Ctrl-Enter right after typing) came with the previous one's. Parse what is sent.
  const fetcher = (params, options) => send(params, { ...options, documentAST: parsed(params.query) ?? options?.documentAST });
  return { fetcher, wsClient };
}

function parsed(query) {
  try {
    return parse(query);
  } catch {
    return undefined; // the server names the syntax error
  }
}

function TokenForm({ token, onToken }) {
  const [draft, setDraft] = useState(token);
  const submit = (event) => {
    event.preventDefault();
    onToken(draft.trim());
  };
  const clear = () => {
    setDraft('');
    onToken('');
  };
  return h(
    'form',
    { className: 'vigil-token', onSubmit: submit, 'aria-label': 'Token' },
    h('strong', { className: 'vigil-title' }, 'Vigil GraphQL explorer'),
    h('label', { htmlFor: 'vigil-token-input' }, 'Token'),
    h('input', {
      id: 'vigil-token-input',
      name: 'token',
      type: 'password',
      autoComplete: 'off',
      spellCheck: false,
      placeholder: 'vigil_user_… (sent as Authorization: Bearer)',
      value: draft,
      onChange: (event) => setDraft(event.target.value),
    }),
    h('button', { type: 'submit' }, 'Use token'),
    h('button', { type: 'button', onClick: clear, disabled: !token && !draft }, 'Forget'),
    h(
      'span',
      { className: 'vigil-token-state', role: 'status' },
      token ? 'Requests carry your token (kept in this tab only).' : 'Anonymous: paste a token to read the schema and run operations.',
    ),
  );
}

function Explorer() {
  const [token, setToken] = useState(storedToken);
  const { fetcher, wsClient } = useMemo(() => explorerFetcher(token), [token]);
  useEffect(() => () => void wsClient.dispose(), [wsClient]);
  const applyToken = (next) => {
    storeToken(next);
    setToken(next);
  };
  return h(
    'div',
    { className: 'vigil-explorer' },
    h(TokenForm, { token, onToken: applyToken }),
    // Without a token GraphiQL asks for no schema (null): Vigil would refuse an anonymous caller
    // (VIGIL_GRAPHQL_INTROSPECTION), and anonymous callers may run nothing anyway.
    h(
      'div',
      { className: 'vigil-graphiql' },
      h(GraphiQL, { fetcher, schema: token ? undefined : null, defaultQuery: DEFAULT_QUERY, defaultEditorToolsVisibility: true }),
    ),
  );
}

createRoot(document.getElementById('explorer')).render(h(Explorer));
