// Entry point of dist/server.js: a stdio (`--stdio`) or node-ipc (`--node-ipc`, vscode-languageclient)
// connection to the DB Engineer language server. Without a transport flag, stdio is used.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './start';

const TRANSPORTS = ['--stdio', '--node-ipc', '--socket', '--pipe'];
const explicit = process.argv.some((a) => TRANSPORTS.some((t) => a === t || a.startsWith(t + '=')));
const connection = explicit ? createConnection(ProposedFeatures.all) : createConnection(ProposedFeatures.all, process.stdin, process.stdout);

process.on('unhandledRejection', (e) => { try { connection.console.error(`unhandled rejection: ${String((e as Error)?.stack ?? e)}`); } catch { /* ignore */ } });
process.on('uncaughtException', (e) => { try { connection.console.error(`uncaught exception: ${String(e?.stack ?? e)}`); } catch { /* ignore */ } });

startServer(connection);
