// `@dbe` in VS Code's own chat view, where that API exists (VS Code 1.90+; feature-detected, so older
// editors simply do not get it). Same persona, context request, client and slash commands as the panel.
import * as vscode from 'vscode';
import { askStream, ChatError, type HistoryTurn } from '../../../server/src/chat/client';
import { expandSlash } from '../../../server/src/chat/commands';
import { FALLBACK_PERSONA, withDialect } from '../../../server/src/chat/persona-source';
import type { EditorChatHost } from './host';

export const PARTICIPANT_ID = 'dbEngineer.dbe';

export function registerParticipant(context: vscode.ExtensionContext, host: EditorChatHost): void {
  const chat = (vscode as any).chat;
  if (!chat || typeof chat.createChatParticipant !== 'function') return;
  const handler = async (request: any, chatContext: any, stream: any, token: vscode.CancellationToken) => {
    const typed = request.command ? `/${request.command} ${request.prompt ?? ''}` : String(request.prompt ?? '');
    const expanded = expandSlash(typed);
    if ('error' in expanded) { stream.markdown(expanded.error); return {}; }
    const ctl = new AbortController();
    const sub = token.onCancellationRequested(() => ctl.abort());
    try {
      stream.progress('Reading the schema and findings…');
      const ctx = await host.context();
      const s = host.settings();
      const persona = host.personas()[0]?.body ?? FALLBACK_PERSONA;
      const result = await askStream({
        apiKey: await host.apiKey(), baseURL: s.baseURL, model: s.model, maxTokens: s.maxTokens,
        system: withDialect(persona, ctx.dialect), context: ctx.text, question: expanded.question, history: historyOf(chatContext), signal: ctl.signal,
        onText: (t) => stream.markdown(t),
        onRetry: (r) => stream.progress(r.message),
      });
      const u = result.usage;
      return { metadata: { usage: { input: u.input_tokens, output: u.output_tokens, cacheRead: u.cache_read_input_tokens } } };
    } catch (e) {
      const err = e instanceof ChatError ? e : new ChatError('other', String((e as Error)?.message ?? e));
      if (err.kind === 'cancelled') return {};
      if (err.kind === 'no-key' || err.kind === 'auth') stream.button({ command: 'dbEngineer.setApiKey', title: 'Set API key' });
      return { errorDetails: { message: err.message } };
    } finally {
      sub.dispose();
    }
  };
  const participant = chat.createChatParticipant(PARTICIPANT_ID, handler);
  participant.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'icon.svg');
  context.subscriptions.push(participant);
}

/** Earlier @dbe turns of this chat, as plain text. */
function historyOf(chatContext: any): HistoryTurn[] {
  const out: HistoryTurn[] = [];
  for (const h of chatContext?.history ?? []) {
    if (typeof h?.prompt === 'string') out.push({ role: 'user', content: h.prompt });
    else if (Array.isArray(h?.response)) {
      const text = h.response.map((p: any) => (typeof p?.value?.value === 'string' ? p.value.value : '')).join('');
      if (text) out.push({ role: 'assistant', content: text });
    }
  }
  return out;
}
