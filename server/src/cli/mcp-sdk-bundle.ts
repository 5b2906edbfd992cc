// Entry point of dist/mcp-sdk.js: the parts of the MCP SDK that `dbe mcp` uses, bundled on their own
// (see mcp-sdk.ts).
export { Server } from '@modelcontextprotocol/sdk/server/index.js';
export { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
export { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
