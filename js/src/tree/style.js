// The TreeView's stylesheet: added to the widget, and to an exported SVG so that it looks the same.

export const CSS = `
.af-tree { font: 12px var(--jp-ui-font-family, system-ui, sans-serif); color: #1f2933; border: 1px solid #d5dbe3;
  border-radius: 6px; display: flex; flex-direction: column; background: #fff; outline: none; }
.af-toolbar { display: flex; flex-wrap: wrap; gap: 4px; padding: 6px; border-bottom: 1px solid #e4e7eb; align-items: center; }
.af-toolbar input[type=text] { flex: 1 1 180px; min-width: 120px; padding: 3px 6px; }
.af-toolbar button, .af-toolbar select { padding: 2px 8px; cursor: pointer; }
.af-error { color: #b91c1c; background: #fef2f2; padding: 4px 8px; white-space: pre-wrap; }
.af-body { display: flex; min-height: 200px; height: 420px; }
.af-canvas { flex: 1; overflow: hidden; cursor: grab; background: #fbfcfd; }
.af-canvas.af-dragging { cursor: grabbing; }
.af-details { width: 260px; border-left: 1px solid #e4e7eb; padding: 6px 8px; overflow: auto; font-size: 11px; }
.af-details pre { white-space: pre-wrap; word-break: break-word; font: 11px var(--jp-code-font-family, monospace); margin: 4px 0; }
.af-details dt { font-weight: 600; margin-top: 4px; }
.af-details dd { margin: 0 0 0 6px; word-break: break-all; }
.af-node rect { stroke: #7b8794; stroke-width: 1; }
.af-node { cursor: pointer; }
.af-node text { pointer-events: none; }
.af-node .af-sender { font-weight: 600; font-size: 11px; fill: #323f4b; }
.af-node .af-snippet { font-size: 11px; fill: #3e4c59; }
.af-node.af-streaming rect { stroke: #2563eb; stroke-dasharray: 5 3; animation: af-dash 1s linear infinite; }
.af-node.af-cancelled rect { stroke: #6b7280; stroke-dasharray: 3 3; opacity: 0.75; }
.af-node.af-failed rect { stroke: #ea580c; stroke-width: 2; }
.af-node.af-error rect { stroke: #dc2626; stroke-width: 2; fill: #fee2e2 !important; }
.af-node.af-onhead rect { stroke: #111827; stroke-width: 2; }
.af-node.af-head rect { stroke: #111827; stroke-width: 3; }
.af-node.af-selected rect { stroke: #f59e0b; stroke-width: 3; }
.af-link { fill: none; stroke: #9aa5b1; stroke-width: 1.2; }
.af-link.af-onhead { stroke: #111827; stroke-width: 2.5; }
.af-extra { fill: none; stroke-width: 1; stroke-dasharray: 4 3; opacity: 0.7; }
.af-extra.af-forward { stroke: #7c3aed; }
.af-extra.af-reply { stroke: #0891b2; }
.af-badge { font-size: 10px; fill: #52606d; }
.af-status { padding: 2px 8px; color: #52606d; font-size: 11px; }
.af-far .af-node text { display: none; }
.af-far .af-node rect { stroke-width: 0; }
@keyframes af-dash { to { stroke-dashoffset: -16; } }
`;
