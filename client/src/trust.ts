// Restricted Mode: the one offer DB Engineer makes, worded the same in each of its places (the
// status bar item, the Schema view, the chat, the notice shown once per workspace), each running VS
// Code's own trust editor. Nothing asks again by itself.
export const TRUST_OFFER = 'Trust this folder to enable the sandbox, Explain and cross-file schema';
export const MANAGE_TRUST_COMMAND = 'workbench.trust.manage';
