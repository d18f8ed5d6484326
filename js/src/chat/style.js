// @ts-check
// The ChatView's stylesheet. Every rule is scoped under .af-chat and every class is af-chat-* or af-md-*, so the
// TreeView's stylesheet (.af-error, .af-body, .af-status…, on the same page) and this one never meet.

import { ATTACHMENT_CSS } from "../shared/attachments.js";
import { REASONING_CSS } from "../shared/reasoning.js";

export const CSS = `
.af-chat { font: 13px/1.45 var(--jp-ui-font-family, system-ui, sans-serif); color: #1f2933; border: 1px solid #d5dbe3;
  border-radius: 6px; background: #fff; display: flex; flex-direction: column; max-height: 520px; min-width: 0; }
.af-chat .af-chat-error { color: #b91c1c; background: #fef2f2; padding: 4px 8px; white-space: pre-wrap;
  border-bottom: 1px solid #fecaca; overflow-wrap: anywhere; }
.af-chat .af-chat-bar { display: flex; align-items: center; justify-content: flex-end; gap: 6px; padding: 3px 8px;
  border-bottom: 1px solid #e4e7eb; font-size: 11px; color: #3e4c59; min-height: 20px; }
.af-chat .af-chat-bar[hidden] { display: none; }
.af-chat .af-chat-following::before { content: ""; display: inline-block; width: 7px; height: 7px; border-radius: 50%;
  background: #2563eb; margin-right: 5px; vertical-align: 1px; }
.af-chat .af-chat-bar button { font: 11px var(--jp-ui-font-family, system-ui, sans-serif); padding: 0 6px;
  border: 1px solid #cbd2d9; border-radius: 4px; background: #fff; color: #323f4b; cursor: pointer; line-height: 18px; }
.af-chat .af-chat-bar button:hover { background: #f0f4f8; }
.af-chat .af-chat-hint { color: #616e7c; font-style: italic; padding: 14px 10px; text-align: center; }
.af-chat .af-chat-list { overflow: auto; padding: 6px; min-height: 0; }
.af-chat .af-chat-msg { margin: 6px 0; padding: 6px 10px; border-radius: 6px; border: 1px solid transparent;
  overflow-wrap: anywhere; word-break: normal; min-width: 0; }
.af-chat .af-chat-top { display: flex; align-items: center; gap: 6px; margin-bottom: 2px; min-height: 20px; }
.af-chat .af-chat-who { font-weight: 600; font-size: 11px; color: #323f4b; }
.af-chat .af-chat-via { font-size: 11px; color: #52606d; }
.af-chat .af-chat-tag { font-size: 10px; padding: 0 6px; border-radius: 8px; background: #e4e7eb; color: #3e4c59; }
.af-chat .af-chat-spacer { flex: 1; }
.af-chat .af-chat-top button { font: 11px var(--jp-ui-font-family, system-ui, sans-serif); padding: 0 6px;
  border: 1px solid #cbd2d9; border-radius: 4px; background: #fff; color: #323f4b; cursor: pointer; line-height: 18px;
  white-space: nowrap; flex-shrink: 0; }
.af-chat .af-chat-top button:hover:not(:disabled) { background: #f0f4f8; }
.af-chat .af-chat-top button:disabled { opacity: 0.35; cursor: default; }
.af-chat .af-chat-branches { display: inline-flex; align-items: center; gap: 2px; font-size: 11px; color: #3e4c59;
  font-variant-numeric: tabular-nums; white-space: nowrap; flex-shrink: 0; }
.af-chat .af-chat-branches button { border: none; background: transparent; font-size: 14px; padding: 0 4px; }
.af-chat .af-chat-text > :first-child { margin-top: 0; }
.af-chat .af-chat-text > :last-child { margin-bottom: 0; }
.af-chat .af-chat-text p { margin: 0 0 6px; }
.af-chat .af-chat-text ul, .af-chat .af-chat-text ol { margin: 0 0 6px; padding-left: 22px; }
.af-chat .af-chat-text blockquote { margin: 0 0 6px; padding-left: 8px; border-left: 3px solid #cbd2d9; color: #3e4c59; }
.af-chat .af-chat-text h1, .af-chat .af-chat-text h2, .af-chat .af-chat-text h3, .af-chat .af-chat-text h4,
.af-chat .af-chat-text h5, .af-chat .af-chat-text h6 { margin: 6px 0 4px; line-height: 1.25; }
.af-chat .af-chat-text h1 { font-size: 1.35em; } .af-chat .af-chat-text h2 { font-size: 1.2em; }
.af-chat .af-chat-text h3, .af-chat .af-chat-text h4, .af-chat .af-chat-text h5, .af-chat .af-chat-text h6 { font-size: 1.05em; }
.af-chat .af-chat-text code { font: 12px var(--jp-code-font-family, ui-monospace, monospace); background: rgba(0,0,0,0.06);
  padding: 0 3px; border-radius: 3px; }
.af-chat .af-chat-text pre.af-md-code { margin: 0 0 6px; padding: 6px 8px; background: #f5f7fa; border: 1px solid #e4e7eb;
  border-radius: 4px; overflow-x: auto; white-space: pre; max-width: 100%; }
.af-chat .af-chat-text pre.af-md-code code { background: none; padding: 0; white-space: pre; overflow-wrap: normal; }
.af-chat .af-chat-text .af-md-table { overflow-x: auto; margin: 0 0 6px; }
.af-chat .af-chat-text table { border-collapse: collapse; }
.af-chat .af-chat-text th, .af-chat .af-chat-text td { border: 1px solid #cbd2d9; padding: 2px 6px; }
.af-chat .af-chat-text hr { border: none; border-top: 1px solid #cbd2d9; }
.af-chat .af-chat-text a { color: #1d4ed8; }
.af-chat .af-chat-msg.af-chat-pending { border: 1px dashed #2563eb; }
.af-chat .af-chat-msg.af-chat-pending .af-chat-tag { background: #dbeafe; color: #1e40af; }
.af-chat .af-chat-msg.af-chat-cancelled { border: 1px dashed #6b7280; }
.af-chat .af-chat-msg.af-chat-cancelled .af-chat-text { opacity: 0.7; }
.af-chat .af-chat-msg.af-chat-cancelled .af-chat-tag { background: #e5e7eb; color: #374151; }
.af-chat .af-chat-msg.af-chat-failed { border: 1px solid #ea580c; }
.af-chat .af-chat-msg.af-chat-failed .af-chat-tag { background: #ffedd5; color: #9a3412; }
.af-chat .af-chat-msg.af-chat-error { background: #fee2e2 !important; border: 1px solid #dc2626; }
.af-chat .af-chat-msg.af-chat-error .af-chat-tag { background: #fecaca; color: #991b1b; }
.af-chat .af-chat-detail { margin-top: 4px; font-size: 12px; }
.af-chat .af-chat-detail summary { cursor: pointer; color: #7f1d1d; font-size: 11px; }
.af-chat .af-chat-detail-text { margin: 4px 0 0; padding: 4px 6px; max-height: 240px; overflow: auto;
  background: rgba(255,255,255,0.7); border: 1px solid #fecaca; border-radius: 4px;
  font: 11px/1.4 var(--jp-code-font-family, ui-monospace, monospace); white-space: pre-wrap; overflow-wrap: anywhere; }
.af-chat .af-chat-tag.af-chat-waiting { background: #fef3c7; color: #92400e; }
.af-chat .af-chat-msg.af-chat-question { border: 1px solid #f59e0b; }
.af-chat .af-chat-editor, .af-chat .af-chat-answer { margin-top: 4px; display: flex; flex-direction: column; gap: 4px; }
.af-chat .af-chat-edit-text { font: 13px/1.45 var(--jp-ui-font-family, system-ui, sans-serif); width: 100%;
  box-sizing: border-box; resize: vertical; padding: 4px 6px; border: 1px solid #9aa5b1; border-radius: 4px;
  background: #fff; color: #1f2933; }
.af-chat .af-chat-edit-text:focus, .af-chat .af-chat-answer-text:focus { outline: 2px solid #93c5fd; border-color: #2563eb; }
.af-chat .af-chat-edit-bar, .af-chat .af-chat-choices, .af-chat .af-chat-answer-line { display: flex; gap: 6px;
  align-items: center; flex-wrap: wrap; }
.af-chat .af-chat-edit-note { font-size: 11px; color: #616e7c; }
.af-chat .af-chat-answer-text { flex: 1; min-width: 12em; font: 13px var(--jp-ui-font-family, system-ui, sans-serif);
  padding: 3px 6px; border: 1px solid #9aa5b1; border-radius: 4px; background: #fff; color: #1f2933; }
.af-chat .af-chat-editor button, .af-chat .af-chat-answer button { font: 12px var(--jp-ui-font-family, system-ui, sans-serif);
  padding: 2px 10px; border: 1px solid #9aa5b1; border-radius: 4px; background: #fff; color: #1f2933; cursor: pointer; }
.af-chat .af-chat-editor button:hover:not(:disabled), .af-chat .af-chat-answer button:hover:not(:disabled) { background: #f0f4f8; }
.af-chat .af-chat-editor button.af-chat-save, .af-chat .af-chat-answer button.af-chat-send { background: #2563eb;
  border-color: #1d4ed8; color: #fff; }
.af-chat .af-chat-editor button.af-chat-save:hover:not(:disabled), .af-chat .af-chat-answer button.af-chat-send:hover:not(:disabled) {
  background: #1d4ed8; }
.af-chat .af-chat-answer button.af-chat-choice { border-color: #f59e0b; background: #fffbeb; color: #78350f; }
.af-chat .af-chat-answer button.af-chat-choice:hover:not(:disabled) { background: #fef3c7; }
.af-chat .af-chat-editor button:disabled, .af-chat .af-chat-answer button:disabled { opacity: 0.5; cursor: default; }
.af-chat .af-chat-busy { opacity: 0.75; }
.af-chat .af-chat-cost { background: #ecfdf5; border-color: #6ee7b7; color: #065f46; }
.af-chat .af-chat-calls { display: flex; flex-direction: column; gap: 2px; margin-top: 2px; }
.af-chat .af-chat-calls code { font: 12px ui-monospace, monospace; color: #334155; overflow-wrap: anywhere; }
.af-chat .af-chat-total { font: 12px system-ui, sans-serif; color: #065f46; padding: 2px 4px; }
${ATTACHMENT_CSS}
${REASONING_CSS}
`;
