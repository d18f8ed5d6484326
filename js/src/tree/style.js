// The TreeView's stylesheet (the exported SVG has its own, export.js).

export const CSS = `
.af-tree { font: 12px var(--jp-ui-font-family, system-ui, sans-serif); color: #1f2933; border: 1px solid #d5dbe3;
  border-radius: 6px; display: flex; flex-direction: column; background: #fff; outline: none; height: 560px;
  box-sizing: border-box; position: relative; min-height: 240px; }
.af-tree.af-sized { height: 100%; }
.af-tree:focus-visible { box-shadow: 0 0 0 2px #93c5fd; }
.af-tree.af-fullscreen { position: fixed; inset: 0; z-index: 10000; height: auto !important; border-radius: 0;
  border: none; }
.af-toolbar { display: flex; flex-wrap: wrap; gap: 4px; padding: 6px; border-bottom: 1px solid #e4e7eb; align-items: center; }
.af-toolbar input.af-message { flex: 1 1 180px; min-width: 120px; padding: 3px 6px; }
.af-toolbar input.af-jump { width: 110px; padding: 3px 6px; font-family: var(--jp-code-font-family, monospace); }
.af-toolbar button, .af-toolbar select { padding: 2px 8px; cursor: pointer; }
.af-toolbar button.af-on { background: #dbeafe; border-color: #2563eb; }
.af-error { color: #b91c1c; background: #fef2f2; padding: 4px 8px; white-space: pre-wrap; display: flex; gap: 8px;
  align-items: flex-start; }
.af-error-text { flex: 1; }
.af-dismiss { border: none; background: none; color: #b91c1c; font-size: 16px; line-height: 1; cursor: pointer; padding: 0 4px; }
.af-notice { color: #1e3a8a; background: #eff6ff; padding: 4px 8px; transition: opacity 0.4s; }
.af-notice.af-fading { opacity: 0; }
.af-body { display: flex; flex: 1 1 auto; min-height: 120px; }
.af-canvas { flex: 1; overflow: hidden; cursor: grab; background: #fbfcfd; position: relative; user-select: none;
  -webkit-user-select: none; min-width: 0; }
.af-canvas.af-dragging { cursor: grabbing; }
.af-raster { position: absolute; left: 0; top: 0; pointer-events: none; }
.af-svg { position: absolute; left: 0; top: 0; }
.af-minimap { position: absolute; right: 8px; bottom: 8px; background: rgba(255,255,255,0.92); border: 1px solid #cbd2d9;
  border-radius: 4px; cursor: crosshair; }
.af-hint { position: absolute; left: 50%; top: 50%; transform: translate(-50%, -50%); background: rgba(17,24,39,0.8);
  color: #fff; padding: 8px 14px; border-radius: 6px; pointer-events: none; opacity: 0; transition: opacity 0.3s; }
.af-hint.af-show { opacity: 1; }
.af-details { width: 280px; border-left: 1px solid #e4e7eb; padding: 6px 8px; overflow: auto; font-size: 11px; }
.af-details pre { white-space: pre-wrap; word-break: break-word; font: 11px var(--jp-code-font-family, monospace); margin: 4px 0; }
.af-details pre.af-traceback { background: #fef2f2; color: #7f1d1d; padding: 4px; border-left: 3px solid #dc2626; }
.af-details dt { font-weight: 600; margin-top: 4px; }
.af-details dd { margin: 0 0 0 6px; word-break: break-all; }
.af-details .af-live { color: #2563eb; font-weight: 600; }
.af-node rect { stroke: #7b8794; stroke-width: 1; }
.af-node { cursor: pointer; }
.af-node text { pointer-events: none; }
.af-node .af-sender { font-weight: 600; font-size: 11px; fill: #323f4b; }
.af-node .af-snippet { font-size: 10.5px; fill: #3e4c59; }
.af-node.af-streaming rect { stroke: #2563eb; stroke-dasharray: 5 3; animation: af-dash 1s linear infinite; }
.af-node.af-cancelled rect { stroke: #6b7280; stroke-dasharray: 3 3; opacity: 0.75; }
.af-node.af-failed rect { stroke: #ea580c; stroke-width: 2; }
.af-node.af-error rect { stroke: #dc2626; stroke-width: 2; fill: #fee2e2 !important; }
.af-node.af-onhead rect { stroke: #111827; stroke-width: 2; }
.af-node.af-head rect { stroke: #111827; stroke-width: 3; }
.af-node.af-selected rect { stroke: #f59e0b; stroke-width: 3; }
/* the marks keep their width on screen whatever the zoom */
.af-node.af-error rect, .af-node.af-head rect, .af-node.af-selected rect, .af-node.af-onhead rect,
.af-node.af-failed rect { vector-effect: non-scaling-stroke; }
.af-node.af-cached .af-badge { fill: #0f766e; font-weight: 600; }
.af-link { fill: none; stroke: #9aa5b1; stroke-width: 1.2; }
.af-link.af-onhead { stroke: #111827; stroke-width: 2.5; }
.af-link.af-forwarded { stroke: #7c3aed; stroke-width: 1.6; stroke-dasharray: 6 3; }
.af-extra { fill: none; stroke-width: 1; stroke-dasharray: 4 3; opacity: 0.7; }
.af-extra.af-forward { stroke: #7c3aed; }
.af-extra.af-reply { stroke: #0891b2; }
.af-badge { font-size: 10px; fill: #52606d; }
.af-span rect { fill: rgba(99, 102, 241, 0.05); stroke: #818cf8; stroke-width: 1; stroke-dasharray: 3 2; }
.af-span.af-level1 rect { fill: rgba(16, 185, 129, 0.05); stroke: #34d399; }
.af-span.af-level2 rect, .af-span.af-level3 rect { fill: rgba(245, 158, 11, 0.05); stroke: #fbbf24; }
.af-span-label { font-size: 10px; fill: #4338ca; cursor: pointer; font-weight: 600; }
.af-span.af-collapsed rect { stroke-dasharray: none; }
.af-status { padding: 2px 8px; color: #52606d; font-size: 11px; }
.af-resize { height: 7px; cursor: ns-resize; background: linear-gradient(#e4e7eb, #e4e7eb) center / 36px 3px no-repeat;
  border-top: 1px solid #eef1f4; flex: none; }
.af-resize:hover { background-color: #f1f5f9; }
.af-far .af-nodes, .af-far .af-links, .af-far .af-extras { display: none; }
@keyframes af-dash { to { stroke-dashoffset: -16; } }
`;
