// Format Document and Format Selection: engine/format.ts statement by statement, with its safety net
// (a statement whose formatted text would parse differently, lose a comment, or that has a syntax
// error or a template is left exactly as written). One TextEdit per changed statement.
import type { CancellationToken, DocumentFormattingParams, DocumentRangeFormattingParams, FormattingOptions, Range, TextEdit } from 'vscode-languageserver';
import type { Config } from '../../config';
import { APPLIED_MIGRATION, formatSteps, LEFT_REASONS, type FormatOptions } from '../../engine/format';
import { isAppliedMigration, neverEdited } from '../../engine/placement';
import { outsideRefusal } from '../outside-set';
import type { Settings } from '../settings';
import { guard, type DbeServer } from '../server';
import { runSliced } from '../slices';

/** Files already told about (once per session each, so format-on-save does not repeat it). */
const toldApplied = new Set<string>();

export function register(server: DbeServer): void {
  const c = server.connection;
  c.onDocumentFormatting(guard(server, 'formatting', null as TextEdit[] | null,
    (p: DocumentFormattingParams, token: CancellationToken) => formatEdits(server, p.textDocument.uri, p.options, undefined, token)));
  c.onDocumentRangeFormatting(guard(server, 'rangeFormatting', null as TextEdit[] | null,
    (p: DocumentRangeFormattingParams, token: CancellationToken) => formatEdits(server, p.textDocument.uri, p.options, p.range, token)));
}

/**
 * The options a folder formats with: keyword case from the setting (or .dbe.json when the setting says
 * "project"); indentation from .dbe.json when it sets one (the project's convention, as `dbe format`
 * uses), else the editor's.
 */
export function formatOptionsFor(config: Config, settings: Settings, editor: FormattingOptions): FormatOptions {
  const f = config.format;
  return {
    tabSize: f.tabSize ?? (Number.isFinite(editor.tabSize) && editor.tabSize > 0 ? editor.tabSize : 2),
    insertSpaces: f.useTabs !== undefined ? !f.useTabs : editor.insertSpaces !== false,
    keywordCase: settings.format.keywordCase === 'project' ? f.keywordCase : settings.format.keywordCase,
  };
}

/**
 * The edits, computed a statement at a time between other requests (a large file takes a while); a
 * document edited meanwhile, or a cancelled request, gets no edits (they would be for older text).
 */
async function formatEdits(server: DbeServer, uri: string, editor: FormattingOptions, range?: Range, token?: CancellationToken): Promise<TextEdit[] | null> {
  if (!server.settings.enable) return null;
  if (!server.ready) {
    // which migrations have already run is known only once every file is read
    server.connection.console.info('Format: not yet: the workspace is still being indexed');
    return null;
  }
  const found = server.fileFor(uri);
  if (!found) return null;
  const { folder, file } = found;
  if (file.skipped) {
    server.connection.console.info(`Format: ${uri} left as written: ${file.skipped}`);
    return [];
  }
  // opened from outside every workspace folder: judged by its own folder's migration set on disk
  const outside = outsideRefusal(folder, found.key);
  if (outside) {
    const message = `DB Engineer does not format ${folder.relPath(file.path)}, ${outside}: ${APPLIED_MIGRATION}.`;
    server.connection.console.info(`Format: ${message}`);
    if (!toldApplied.has(found.key)) { toldApplied.add(found.key); void server.connection.window.showInformationMessage(message); }
    return [];
  }
  const never = neverEdited(file);
  if (never) {
    const message = `DB Engineer does not format ${folder.relPath(file.path)}, ${never}.`;
    server.connection.console.info(`Format: ${message}`);
    if (!toldApplied.has(found.key)) { toldApplied.add(found.key); void server.connection.window.showInformationMessage(message); }
    return [];
  }
  if (isAppliedMigration(folder.project.order(), file)) {
    const message = `DB Engineer does not format ${folder.relPath(file.path)}, a migration that has already run: ${APPLIED_MIGRATION}.`;
    server.connection.console.info(`Format: ${message}`);
    if (!toldApplied.has(found.key)) { toldApplied.add(found.key); void server.connection.window.showInformationMessage(message); }
    return [];
  }
  const options: FormatOptions = { ...formatOptionsFor(folder.project.config, server.settings, editor), dialect: file.dialect.id };
  const span = range ? { start: file.lines.offset(range.start), end: file.lines.offset(range.end) } : undefined;
  const doc = server.document(found.key);
  const version = doc?.version;
  const alive = () => !token?.isCancellationRequested && server.document(found.key)?.version === version;
  const r = await runSliced(formatSteps(file.text, options, span, file.split), alive);
  if (!r) return null;
  if (r.left.length) {
    const first = r.left[0];
    const more = r.left.length > 1 ? ` (and ${r.left.length - 1} more)` : '';
    server.connection.console.info(`Format: ${r.left.length} statement${r.left.length === 1 ? '' : 's'} left as written; line ${file.lines.position(first.start).line + 1}: ${LEFT_REASONS[first.reason]}${more}`);
  }
  return r.edits.map((e) => ({ range: file.lines.range(e.start, e.end), newText: e.newText }));
}
