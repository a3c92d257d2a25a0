/**
 * `vigil-agent register --admin-token <token>`: enrols this machine with Vigil in one step, with an
 * admin's token used once and not kept: registers the server (or finds it by name), makes its agent
 * token, and writes the agent's settings file (the token beside it, readable by its owner only),
 * mapping the Unix user who ran it to the admin's email so that their shells are recorded as theirs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { agentEnvFile, type AgentConfig } from './agent-config.js';
import { VigilClient } from './vigil-client.js';

const FIND = `query Find($name: String!) { me { email } servers(first: 50, filter: { search: $name }) { nodes { id name } } }`;
const REGISTER = `mutation Register($input: RegisterServerInput!) { registerServer(input: $input) { id name } }`;
const TOKEN = `mutation Token($input: CreateAgentTokenInput!) { createAgentToken(input: $input) { token apiToken { id } } }`;

function primaryAddress(): string | undefined {
  for (const addresses of Object.values(os.networkInterfaces())) {
    const found = addresses?.find((address) => !address.internal && address.family === 'IPv4');
    if (found) return found.address;
  }
  return undefined;
}

export async function register(config: AgentConfig, options: { adminToken: string; name?: string }): Promise<{ envFile: string; serverId: string }> {
  const client = new VigilClient(config.vigilUrl, options.adminToken);
  const name = options.name ?? config.serverName;
  const found = await client.graphql<{ me: { email: string }; servers: { nodes: { id: string; name: string }[] } }>(FIND, { name });
  let server = found.servers.nodes.find((node) => node.name === name);
  if (!server) {
    const input = { name, hostname: os.hostname(), os: `${os.type()} ${os.release()}`, ipAddress: primaryAddress() ?? null };
    server = (await client.graphql<{ registerServer: { id: string; name: string } }>(REGISTER, { input })).registerServer;
  }
  const made = await client.graphql<{ createAgentToken: { token: string } }>(TOKEN, {
    input: { serverId: server.id, name: `vigil-agent on ${os.hostname()}` },
  });

  const envFile = agentEnvFile();
  mkdirSync(path.dirname(envFile), { recursive: true, mode: 0o700 });
  const tokenFile = path.join(path.dirname(envFile), 'token');
  writeFileSync(tokenFile, `${made.createAgentToken.token}\n`, { mode: 0o600 });
  const user = os.userInfo().username;
  const lines = [
    '# Written by `vigil-agent register`; the environment overrides these (except under sudo).',
    `VIGIL_URL=${config.vigilUrl.origin}`,
    `VIGIL_AGENT_TOKEN_FILE=${tokenFile}`,
    `VIGIL_AGENT_SERVER_NAME=${name}`,
    `VIGIL_AGENT_USERS=${user}=${found.me.email}`,
  ];
  writeFileSync(envFile, `${lines.join('\n')}\n`, { mode: 0o600 });
  return { envFile, serverId: server.id };
}
