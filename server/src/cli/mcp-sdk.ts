// The MCP SDK, loaded only by `dbe mcp`. In dist/cli.js it is not inlined (with zod and ajv, 650 KB
// that every `dbe lint` start would parse; decision 0043): it is its own bundle, dist/mcp-sdk.js,
// required on first use. From sources (tsx) it is node_modules'.
import * as fs from 'node:fs';
import * as path from 'node:path';

export type McpSdk = typeof import('./mcp-sdk-bundle');

export function loadMcpSdk(): Promise<McpSdk> {
  const beside = path.join(__dirname, 'mcp-sdk.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return fs.existsSync(beside) ? Promise.resolve(require(beside) as McpSdk) : fromPackage();
}

// The same names as mcp-sdk-bundle.ts, from the package (external to the bundles: scripts/build.mjs).
async function fromPackage(): Promise<McpSdk> {
  const [server, stdio, types] = await Promise.all([
    import('@modelcontextprotocol/sdk/server/index.js'),
    import('@modelcontextprotocol/sdk/server/stdio.js'),
    import('@modelcontextprotocol/sdk/types.js'),
  ]);
  return { Server: server.Server, StdioServerTransport: stdio.StdioServerTransport, CallToolRequestSchema: types.CallToolRequestSchema, ListToolsRequestSchema: types.ListToolsRequestSchema };
}
