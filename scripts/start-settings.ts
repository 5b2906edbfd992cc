// The user settings `npm start` runs VS Code with: its own few (the example trusted unless
// RESTRICTED=1, no other welcome page) over whatever the user set in earlier runs, which is kept.
// A settings.json that is not plain JSON (comments) is never rewritten: the caller says so instead.

export const START_DEFAULTS: Record<string, unknown> = {
  'telemetry.telemetryLevel': 'off', 'update.mode': 'none', 'chat.disableAIFeatures': true, 'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

export function startSettings(existing: string | undefined, restricted: boolean): { settings?: Record<string, unknown>; note?: string } {
  const wanted: Record<string, unknown> = {
    // the example is the project's own: trusted, unless RESTRICTED=1 asks for Restricted Mode
    'security.workspace.trust.enabled': restricted,
    'security.workspace.trust.startupPrompt': 'never',
    // DB Engineer opens its walkthrough itself (DBE_OPEN_WALKTHROUGH); no other welcome page
    'workbench.startupEditor': 'none',
  };
  if (existing === undefined) return { settings: { ...START_DEFAULTS, ...wanted } };
  let parsed: unknown;
  try { parsed = JSON.parse(existing); } catch { parsed = undefined; }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { note: `the settings file is not plain JSON, so it is left as it is; set ${Object.entries(wanted).map(([k, v]) => `"${k}": ${JSON.stringify(v)}`).join(', ')} there yourself` };
  }
  return { settings: { ...(parsed as Record<string, unknown>), ...wanted } };
}
