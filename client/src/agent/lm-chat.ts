// @dbe with the model the user picked in Copilot Chat (request.model), when no Anthropic key is set:
// the persona, the context and the question go to that model with DB Engineer's tools (the ones this
// extension registered with vscode.lm, and only those); each tool call goes through
// vscode.lm.invokeTool with the request's toolInvocationToken, so VS Code shows the call and asks for
// write_migration's confirmation; the results go back until the model answers, at most
// MAX_LM_TOOL_CALLS calls a turn.
import * as vscode from 'vscode';
import type { HistoryTurn } from '../../../server/src/chat/client';
import { TOOL_NAMES } from '../../../server/src/agent/tool';
import { DEFAULT_MAX_TOOL_CALLS } from '../../../server/src/agent/loop';
import { agentToolName } from './lm-names';
import { invocationMessage } from './lm-tools';

/** The same bound as the Anthropic loop's. */
export const MAX_LM_TOOL_CALLS = DEFAULT_MAX_TOOL_CALLS;

export interface LmChatOptions {
  /** request.model */
  model: any;
  system: string;
  context: string;
  question: string;
  history: HistoryTurn[];
  /** request.toolInvocationToken */
  toolInvocationToken: unknown;
  stream: { markdown(t: string): unknown; progress(t: string): unknown };
  token: vscode.CancellationToken;
  maxToolCalls?: number;
}

export interface LmChatResult {
  /** Which model answered: "GPT-4.1 (copilot)". */
  model: string;
  toolCalls: { name: string; input: unknown; isError: boolean }[];
  /** 'tool_limit': the model wanted more tool calls than a turn allows. */
  cut?: 'tool_limit';
}

/**
 * The tools offered to the picked model: ours, as VS Code lists them (registered, with their schemas),
 * and only ours: another extension's `dbe_x` is not one of TOOL_NAMES.
 */
export function ourLmTools(): { name: string; description: string; inputSchema?: object }[] {
  const all: any[] = (vscode as any).lm?.tools ?? [];
  const ours = new Set<string>(TOOL_NAMES);
  return all.filter((t) => ours.has(agentToolName(t?.name) ?? '')).map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema }));
}

export function modelLabel(model: any): string {
  const name = String(model?.name || model?.family || model?.id || 'the selected model');
  return model?.vendor ? `${name} (${model.vendor})` : name;
}

export async function answerWithPickedModel(o: LmChatOptions): Promise<LmChatResult> {
  const V = vscode as any;
  const Msg = V.LanguageModelChatMessage;
  const max = o.maxToolCalls ?? MAX_LM_TOOL_CALLS;
  const tools = typeof V.lm?.invokeTool === 'function' ? ourLmTools() : [];
  const offered = new Set(tools.map((t) => t.name));
  const out: LmChatResult = { model: modelLabel(o.model), toolCalls: [] };
  // The Language Model API has no system role: the persona and the context open the conversation.
  const messages: any[] = [
    Msg.User(`${o.system}\n\n<context>\n${o.context}\n</context>${tools.length ? '\n\nUse the dbe_ tools to look at the project\'s schema and to measure in the sandbox instead of guessing.' : ''}`),
  ];
  for (const h of o.history) messages.push(h.role === 'user' ? Msg.User(h.content) : Msg.Assistant(h.content));
  messages.push(Msg.User(o.question));
  o.stream.progress(`Asking ${out.model}${tools.length ? ' with DB Engineer\'s tools' : ''}…`);
  // One round more than the tool calls allow: the last request offers no tools, so the model answers.
  for (let round = 0; round <= max + 1; round++) {
    const allowTools = out.toolCalls.length < max && tools.length > 0;
    const response = await o.model.sendRequest(messages, allowTools ? { tools } : {}, o.token);
    let text = '';
    const calls: any[] = [];
    for await (const part of response.stream) {
      if (o.token.isCancellationRequested) break;
      if (part instanceof V.LanguageModelTextPart) { text += part.value; o.stream.markdown(part.value); } else if (part instanceof V.LanguageModelToolCallPart) calls.push(part);
    }
    if (!calls.length || o.token.isCancellationRequested) return out;
    messages.push(Msg.Assistant([...(text ? [new V.LanguageModelTextPart(text)] : []), ...calls]));
    const results: any[] = [];
    for (const call of calls) {
      let content: any[];
      const ours = agentToolName(call.name);
      if (!offered.has(call.name) || !ours) {
        content = [new V.LanguageModelTextPart(`There is no tool "${call.name}" here; the tools are: ${[...offered].join(', ') || 'none'}.`)];
      } else if (out.toolCalls.length >= max) {
        out.cut = 'tool_limit';
        content = [new V.LanguageModelTextPart(`Not run: a turn allows ${max} tool calls. Answer with what you have, and say what you could not check.`)];
      } else {
        o.stream.progress(invocationMessage(ours, call.input));
        let isError = false;
        try {
          const r = await V.lm.invokeTool(call.name, { input: call.input, toolInvocationToken: o.toolInvocationToken }, o.token);
          content = Array.isArray(r?.content) && r.content.length ? r.content : [new V.LanguageModelTextPart(`${call.name} gave no result.`)];
        } catch (e) {
          // the user declined, cancelled, or the tool failed: the model reads why, in one line
          isError = true;
          content = [new V.LanguageModelTextPart(`${call.name} did not run: ${String((e as Error)?.message ?? e).split('\n')[0].slice(0, 300)}`)];
        }
        out.toolCalls.push({ name: ours, input: call.input, isError });
      }
      results.push(new V.LanguageModelToolResultPart(call.callId, content));
      if (o.token.isCancellationRequested) return out;
    }
    messages.push(Msg.User(results));
  }
  out.cut = 'tool_limit';
  return out;
}
