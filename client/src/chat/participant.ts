// `@dbe` in VS Code's own chat view, where that API exists (VS Code 1.90+; feature-detected, so older
// editors simply do not get it). Same persona, context request, client and slash commands as the panel.
// With an Anthropic key it answers through the Messages API; without one, with the model the user
// picked in Copilot Chat (request.model) and DB Engineer's Language Model tools (../agent/lm-chat.ts).
import * as vscode from 'vscode';
import { answerWithPickedModel, MAX_LM_TOOL_CALLS } from '../agent/lm-chat';
import { ChatError, type HistoryTurn } from '../../../server/src/chat/client';
import { runAgentTurn } from '../../../server/src/agent/loop';
import { invocationMessage, toolForChat, type LmToolsOptions } from '../agent/lm-tools';
import { expandSlash } from '../../../server/src/chat/commands';
import { FALLBACK_PERSONA, withDialect } from '../../../server/src/chat/persona-source';
import type { EditorChatHost } from './host';

export const PARTICIPANT_ID = 'dbEngineer.dbe';

export function registerParticipant(context: vscode.ExtensionContext, host: EditorChatHost, tools: LmToolsOptions): void {
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
      const apiKey = await host.apiKey();
      if (!apiKey && canUsePickedModel(request)) {
        const r = await answerWithPickedModel({
          model: request.model, system: withDialect(persona, ctx.dialect), context: ctx.text, question: expanded.question,
          history: historyOf(chatContext), toolInvocationToken: request.toolInvocationToken, stream, token,
        });
        if (r.cut === 'tool_limit' && !token.isCancellationRequested) stream.markdown(`\n\n_DB Engineer stopped the tool calls at the limit of ${MAX_LM_TOOL_CALLS} a turn; the answer uses what they found._`);
        return { metadata: { model: r.model, toolCalls: r.toolCalls.map((c) => c.name) } };
      }
      stream.progress(`Asking ${s.model} with your Anthropic API key and DB Engineer's tools…`);
      const result = await runAgentTurn({
        apiKey, baseURL: s.baseURL, model: s.model, maxTokens: s.maxTokens,
        system: withDialect(persona, ctx.dialect), context: ctx.text, question: expanded.question, history: historyOf(chatContext), signal: ctl.signal,
        callTool: (name, input) => toolForChat(name, input, request.toolInvocationToken, token, tools),
        onText: (t) => stream.markdown(t),
        onRetry: (r) => stream.progress(r.message),
        onStep: (st) => { if (st.state === 'running') stream.progress(invocationMessage(st.tool, st.input)); },
      });
      if (result.notice && !token.isCancellationRequested) stream.markdown(`\n\n_${result.notice}_`);
      const u = result.usage;
      return { metadata: { model: result.model || s.model, toolCalls: result.steps.map((st) => st.tool), usage: { input: u.input_tokens, output: u.output_tokens, cacheRead: u.cache_read_input_tokens } } };
    } catch (e) {
      if (token.isCancellationRequested) return {};
      if (isLmError(e)) return { errorDetails: { message: `The selected model could not answer: ${String((e as Error).message).split('\n')[0]}` } };
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

/** No key: the model picked in Copilot Chat answers, where the editor has the Language Model API. */
function canUsePickedModel(request: any): boolean {
  return !!request?.model && typeof request.model.sendRequest === 'function' && !!(vscode as any).lm;
}

function isLmError(e: unknown): boolean {
  const E = (vscode as any).LanguageModelError;
  return typeof E === 'function' && e instanceof E;
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
