// Entry point of dist/server.js: a stdio (`--stdio`) or node-ipc (`--node-ipc`, vscode-languageclient)
// connection to the DB Engineer language server. Without a transport flag, stdio is used. Both are
// guarded (./transport.ts): a broken frame ends the process with a reason, requests before
// `initialize` get ServerNotInitialized.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './start';
import { guardedTransport } from './transport';

const transport = guardedTransport(process.argv.slice(2));
const connection = transport ? createConnection(ProposedFeatures.all, transport.reader, transport.writer) : createConnection(ProposedFeatures.all);

process.on('unhandledRejection', (e) => { try { connection.console.error(`unhandled rejection: ${String((e as Error)?.stack ?? e)}`); } catch { /* ignore */ } });
process.on('uncaughtException', (e) => { try { connection.console.error(`uncaught exception: ${String(e?.stack ?? e)}`); } catch { /* ignore */ } });

startServer(connection);
