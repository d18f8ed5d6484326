// @ts-check
// The TreeView's stylesheet (the exported SVG has its own, export.js).

export const CSS = `
.af-tree { font: 12px var(--jp-ui-font-family, system-ui, sans-serif); color: #1f2933; border: 1px solid #d5dbe3;
  border-radius: 6px; display: flex; flex-direction: column; background: #fff; outline: none; height: 560px;
  box-sizing: border-box; position: relative; min-height: 240px; }
/* controls look like controls in any host: some (marimo) reset buttons to bare text; a class selector with
   :where() outranks such element resets and yields to every rule below */
.af-tree :where(button) { font: inherit; color: #1f2933; background: #f5f7fa; border: 1px solid #b8c2cc;
  border-radius: 4px; line-height: 1.4; }
.af-tree :where(button:hover:not(:disabled)) { background: #e4e7eb; }
.af-tree :where(input, select, textarea) { font: inherit; color: #1f2933; background: #fff; border: 1px solid #b8c2cc;
  border-radius: 4px; }
.af-tree.af-sized { height: 100%; }
.af-tree.af-readonly { height: 100%; border-radius: 0; }
.af-readonly .af-kernel, .af-readonly .af-resize { display: none !important; }
.af-tree:focus-visible { box-shadow: 0 0 0 2px #93c5fd; }
.af-tree.af-fullscreen { position: fixed; inset: 0; z-index: 10000; height: auto !important; border-radius: 0;
  border: none; }
.af-toolbar { display: flex; flex-wrap: wrap; gap: 2px; padding: 4px 6px; border-bottom: 1px solid #e4e7eb;
  align-items: center; row-gap: 4px; }
.af-toolbar input.af-message { flex: 1 1 120px; min-width: 90px; padding: 3px 6px; height: 26px; box-sizing: border-box; }
.af-toolbar select { padding: 2px 4px; cursor: pointer; height: 26px; max-width: 110px; }
.af-toolbar .af-tool-button { width: 26px; height: 26px; padding: 0; display: inline-flex; align-items: center;
  justify-content: center; cursor: pointer; border-color: transparent; background: transparent; color: #323f4b; flex: none; }
.af-toolbar .af-tool-button:hover { background: #e4e7eb; border-color: #cbd2d9; }
.af-toolbar .af-tool-button:focus-visible { outline: 2px solid #2563eb; outline-offset: 1px; }
.af-toolbar .af-tool-button[data-action=branch] { background: #2563eb; color: #fff; border-color: #1d4ed8; }
.af-toolbar .af-tool-button[data-action=branch]:hover { background: #1d4ed8; }
.af-toolbar .af-tool-button[data-action=stop] { color: #b91c1c; }
.af-icon { display: block; pointer-events: none; }
.af-toolbar button.af-on { background: #dbeafe; border-color: #93c5fd; color: #1d4ed8; }
.af-sep { width: 1px; height: 18px; background: #d5dbe3; margin: 0 3px; flex: none; }
.af-toolbar input.af-count { width: 34px; height: 26px; box-sizing: border-box; padding: 2px 2px 2px 4px; flex: none; }
.af-toolbar input.af-search { width: 120px; height: 26px; box-sizing: border-box; padding: 3px 6px; flex: none; }
/* a fixed width: the controls never move when the count appears */
.af-search-count { color: #86198f; font-weight: 600; width: 6.4em; flex: none; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; font-size: 11px; }
.af-more { position: relative; display: inline-block; margin-left: auto; }
.af-more-panel { display: none; position: absolute; right: 0; top: calc(100% + 3px); z-index: 40; min-width: 230px;
  background: #fff; border: 1px solid #cbd2d9; border-radius: 6px; padding: 4px; box-shadow: 0 6px 18px rgba(15,23,42,.18); }
.af-more-panel.af-open { display: block; }
.af-more-panel .af-menu-item { display: block; width: 100%; text-align: left; border: none; background: none;
  padding: 5px 8px; border-radius: 4px; cursor: pointer; }
.af-more-panel .af-menu-item:hover { background: #eef2ff; }
.af-more-panel .af-menu-item.af-on::before { content: "✓ "; }
.af-more-row { display: flex; align-items: center; gap: 6px; padding: 4px 8px; }
.af-more-row span { width: 64px; color: #52606d; flex: none; }
.af-more-row input { flex: 1; min-width: 0; padding: 2px 4px; }
.af-more-row input.af-jump { font-family: var(--jp-code-font-family, monospace); }
.af-bm { position: relative; display: inline-block; flex: none; }
.af-bm-button .af-icon { color: #d97706; }
.af-toolbar .af-bm-button { position: relative; }
.af-bm-button[data-count]:not([data-count=""])::after { content: attr(data-count); position: absolute; right: -2px; top: -3px;
  background: #d97706; color: #fff; border-radius: 7px; font-size: 9px; line-height: 13px; min-width: 13px; padding: 0 2px;
  box-sizing: border-box; text-align: center; }
.af-bm-panel { position: absolute; left: 0; top: calc(100% + 3px); z-index: 30; width: 320px; max-height: 300px;
  overflow: auto; background: #fff; border: 1px solid #cbd2d9; border-radius: 6px; padding: 4px;
  box-shadow: 0 6px 18px rgba(15, 23, 42, 0.18); }
.af-bm-item { display: flex; gap: 6px; align-items: baseline; width: 100%; text-align: left; border: none;
  background: none; padding: 4px 6px; border-radius: 4px; cursor: pointer; font: inherit; color: inherit; }
.af-bm-item:hover, .af-bm-item:focus { background: #eef2ff; outline: none; }
.af-bm-star { color: #d97706; }
.af-bm-text { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; flex: 1; min-width: 0; color: #3e4c59; }
.af-bm-empty { color: #7b8794; padding: 6px; }
.af-tag { background: #4f46e5; color: #fff; border-radius: 8px; padding: 0 6px; font-size: 10.5px; white-space: nowrap;
  flex: none; }
.af-error { color: #b91c1c; background: #fef2f2; padding: 4px 8px; white-space: pre-wrap; display: flex; gap: 8px;
  align-items: flex-start; }
.af-error-text { flex: 1; }
.af-dismiss { border: none; background: none; color: #b91c1c; font-size: 16px; line-height: 1; cursor: pointer; padding: 0 4px; }
.af-notice { color: #1e3a8a; background: #eff6ff; padding: 4px 8px; transition: opacity 0.4s; }
.af-notice.af-fading { opacity: 0; }
.af-body { display: flex; flex: 1 1 auto; min-height: 120px; position: relative; }
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
.af-details { width: clamp(190px, 30%, 300px); border-left: 1px solid #e4e7eb; padding: 6px 8px; overflow: auto; font-size: 11px;
  flex: none; box-sizing: border-box; }
.af-details-hidden .af-details { display: none; }
.af-details .af-idbox { display: inline-flex; gap: 3px; align-items: center; }
.af-details .af-id { font: 11px var(--jp-code-font-family, monospace); }
.af-details button.af-link-id { border: none; background: none; padding: 0; color: #1d4ed8; cursor: pointer;
  text-decoration: underline; }
.af-details button.af-copy { border: 1px solid #d5dbe3; background: #fff; padding: 1px 2px; cursor: pointer;
  border-radius: 3px; color: #52606d; display: inline-flex; align-items: center; }
.af-details button.af-copy .af-icon { width: 12px; height: 12px; }
.af-details button.af-copy.af-copied { color: #15803d; border-color: #86efac; }
.af-details ol.af-context { margin: 2px 0; padding-left: 22px; }
.af-details ol.af-context li { margin: 1px 0; color: #7b8794; }
.af-ctx-entry { display: flex; flex-direction: column; gap: 0; width: 100%; text-align: left; border: none; background: none; padding: 1px 3px;
  border-radius: 3px; cursor: pointer; font: inherit; color: #323f4b; border-left: 2px solid #fcd34d; }
.af-ctx-entry:hover, .af-ctx-entry:focus { background: #fffbeb; outline: none; }
.af-ctx-sender { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 100%; }
.af-ctx-text { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 100%; color: #52606d; }
.af-ctx-more { list-style: none; color: #9aa5b1; font-style: italic; }
.af-details pre.af-error-detail { background: #fef2f2; color: #7f1d1d; padding: 4px; border-left: 3px solid #dc2626;
  max-height: 260px; overflow: auto; }
.af-help { position: absolute; inset: 12px; z-index: 45; background: rgba(255,255,255,0.98); border: 1px solid #cbd2d9;
  border-radius: 8px; padding: 12px 16px; overflow: auto; box-shadow: 0 10px 30px rgba(15,23,42,.25); }
.af-help[hidden], .af-menu[hidden], .af-tip[hidden] { display: none; }
.af-help-title { font-weight: 700; font-size: 13px; margin-bottom: 6px; }
.af-help-close { position: absolute; right: 10px; top: 8px; font-size: 16px; line-height: 1; padding: 2px 8px; cursor: pointer; }
.af-help dl.af-keys { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 0; }
.af-help dl.af-keys dt { font: 600 11px var(--jp-code-font-family, monospace); background: #f1f5f9; border: 1px solid #d5dbe3;
  border-radius: 4px; padding: 1px 6px; justify-self: start; white-space: nowrap; margin: 0; }
.af-help dl.af-keys dd { margin: 0; color: #323f4b; }
.af-menu { position: absolute; z-index: 50; min-width: 210px; background: #fff; border: 1px solid #cbd2d9; border-radius: 6px;
  padding: 4px; box-shadow: 0 8px 24px rgba(15,23,42,.22); }
.af-menu-title { color: #7b8794; padding: 3px 8px 5px; border-bottom: 1px solid #eef1f4; margin-bottom: 3px;
  max-width: 260px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.af-menu button { display: block; width: 100%; text-align: left; border: none; background: none; padding: 5px 8px;
  border-radius: 4px; cursor: pointer; }
.af-menu button:hover:not(:disabled), .af-menu button:focus { background: #eef2ff; outline: none; }
.af-menu button:disabled { color: #9aa5b1; cursor: default; }
.af-tip { position: absolute; z-index: 35; max-width: 340px; background: #111827; color: #f9fafb; border-radius: 6px;
  padding: 6px 8px; pointer-events: none; font-size: 11px; }
.af-tip-title { font-weight: 600; margin-bottom: 2px; }
.af-tip-line { color: #d1d5db; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.af-details pre { white-space: pre-wrap; word-break: break-word; font: 11px var(--jp-code-font-family, monospace); margin: 4px 0; }
.af-details pre.af-traceback { background: #fef2f2; color: #7f1d1d; padding: 4px; border-left: 3px solid #dc2626; }
.af-details dt { font-weight: 600; margin-top: 4px; }
.af-details dd { margin: 0 0 0 6px; word-break: break-all; }
.af-details .af-live { color: #2563eb; font-weight: 600; }
.af-details .af-section { font-weight: 700; color: #52606d; text-transform: uppercase; font-size: 9.5px;
  letter-spacing: 0.04em; margin: 10px 0 2px; border-top: 1px solid #eef1f4; padding-top: 6px; }
.af-details .af-muted { color: #7b8794; font-style: italic; }
.af-details:empty::before { content: "click a node to read its message"; color: #9aa5b1; }
.af-details dl.af-annots { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 2px 8px; margin: 2px 0; }
.af-details dl.af-annots dt { margin: 0; font-weight: 600; color: #52606d; }
.af-details dl.af-annots dd { margin: 0; word-break: break-word; white-space: pre-wrap; }
.af-details .af-totals { color: #323f4b; }
.af-annot-row { display: flex; gap: 6px; align-items: center; margin: 3px 0; }
.af-annot-name { width: 38px; color: #52606d; flex: none; }
.af-annot-row input[type=text], .af-annot-row input[type=number], .af-annot-row textarea { flex: 1; min-width: 0;
  font: 11px var(--jp-ui-font-family, system-ui, sans-serif); padding: 2px 4px; box-sizing: border-box; }
.af-annot-note { align-items: flex-start; }
.af-annot-check { padding-left: 44px; }
.af-annot-actions { display: flex; gap: 8px; align-items: center; margin-top: 4px; }
.af-annot-status { color: #0f766e; }
.af-ask { background: #fffbeb; border: 1px solid #f59e0b; border-radius: 6px; padding: 6px; margin-bottom: 6px; }
.af-ask-title { font-weight: 600; color: #92400e; margin-bottom: 4px; }
.af-ask-choices { display: flex; flex-wrap: wrap; gap: 4px; margin-bottom: 4px; }
.af-ask-choice { background: #fef3c7; border: 1px solid #d97706; border-radius: 4px; cursor: pointer; padding: 2px 10px; }
.af-ask-row { display: flex; gap: 4px; }
.af-ask-input { flex: 1; min-width: 0; padding: 2px 4px; }
.af-editor-text { width: 100%; box-sizing: border-box; font: 11px var(--jp-code-font-family, monospace); resize: vertical; }
.af-editor-actions { display: flex; gap: 6px; margin-top: 4px; }
.af-editor-hint { color: #7b8794; margin-top: 4px; }
/* the lower half of the tree: the nodes above stay in reach, a Shift-click adds one more branch */
.af-compare { position: absolute; left: 0; right: 0; bottom: 0; top: 42%; z-index: 20; background: #fff; overflow: auto;
  padding: 8px 10px; box-sizing: border-box; border-top: 2px solid #94a3b8; box-shadow: 0 -6px 16px rgba(15,23,42,.12); }
.af-cmp-top { display: flex; align-items: center; gap: 8px; position: sticky; top: -8px; background: #fff;
  padding: 4px 0; z-index: 1; }
.af-cmp-title { flex: 1; font-weight: 700; color: #323f4b; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.af-cmp-close { border: 1px solid #cbd2d9; background: #fff; border-radius: 4px; font-size: 16px; line-height: 1;
  cursor: pointer; padding: 2px 8px; }
.af-cmp-grid { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 6px 12px; }
.af-cmp-head { border-bottom: 2px solid #e4e7eb; padding-bottom: 4px; }
.af-cmp-head.af-cmp-left { border-color: #fca5a5; }
.af-cmp-head.af-cmp-right { border-color: #86efac; }
.af-cmp-pick, .af-cmp-sender { border: none; background: none; padding: 0; cursor: pointer; font: inherit;
  font-weight: 600; color: #1f2933; text-align: left; }
.af-cmp-pick:hover, .af-cmp-sender:hover { text-decoration: underline; }
.af-cmp-totals { color: #52606d; }
.af-cmp-about { color: #7b8794; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.af-cmp-rows { margin-top: 6px; }
.af-cmp-cell { border: 1px solid #e4e7eb; border-radius: 4px; padding: 4px 6px; min-width: 0; }
.af-cmp-cell.af-cmp-none { background: #f8fafc; color: #9aa5b1; }
.af-cmp-text { white-space: pre-wrap; word-break: break-word; font: 11px var(--jp-code-font-family, monospace);
  margin-top: 2px; }
.af-cmp-text del.af-del { color: #b91c1c; background: #fee2e2; text-decoration: line-through; }
.af-cmp-text ins.af-ins { color: #15803d; background: #dcfce7; text-decoration: none; }
.af-cmp-empty { grid-column: 1 / span 2; color: #7b8794; }
.af-node > rect { stroke: #7b8794; stroke-width: 1; }
.af-node { cursor: pointer; }
.af-node text { pointer-events: none; }
.af-node .af-sender { font-weight: 600; font-size: 11px; fill: #323f4b; }
.af-node .af-snippet { font-size: 10.5px; fill: #3e4c59; }
.af-node.af-streaming > rect { stroke: #2563eb; stroke-dasharray: 5 3; animation: af-dash 1s linear infinite; }
.af-node.af-cancelled > rect { stroke: #6b7280; stroke-dasharray: 3 3; opacity: 0.75; }
.af-node.af-failed > rect { stroke: #ea580c; stroke-width: 2; }
.af-node.af-error > rect { stroke: #dc2626; stroke-width: 2; fill: #fee2e2 !important; }
.af-node.af-tool > rect { stroke-dasharray: 2 2; }
.af-node.af-tool-error > rect { stroke: #dc2626; stroke-width: 2; stroke-dasharray: none; }
.af-node.af-onhead > rect { stroke: #111827; stroke-width: 2; }
.af-node.af-head > rect { stroke: #111827; stroke-width: 3; }
.af-node.af-awaiting > rect { stroke: #d97706; stroke-width: 2.5; stroke-dasharray: 6 3; }
.af-node.af-match > rect { stroke: #c026d3; stroke-width: 3; }
.af-node.af-selected > rect { stroke: #f59e0b; stroke-width: 3; }
.af-node.af-selected.af-match > rect { stroke: #f59e0b; stroke-width: 4; }
/* the marks keep their width on screen whatever the zoom */
.af-node.af-error > rect, .af-node.af-head > rect, .af-node.af-selected > rect, .af-node.af-onhead > rect,
.af-node.af-failed > rect, .af-node.af-match > rect, .af-node.af-awaiting > rect { vector-effect: non-scaling-stroke; }
.af-node.af-cached .af-badge { fill: #0f766e; font-weight: 600; }
.af-node .af-mono { font: 10px var(--jp-code-font-family, ui-monospace, monospace); }
.af-node.af-tool .af-badge { fill: #334155; font-weight: 600; }
.af-node.af-tool-error .af-badge, .af-node.af-tool-error .af-mono { fill: #b91c1c; }
.af-pill { pointer-events: none; }
.af-pill rect { stroke-width: 1; }
.af-pill text { font-size: 9.5px; font-weight: 600; }
.af-node .af-pill-metric rect { fill: #ffffff; stroke: #9aa5b1; }
.af-node .af-pill-metric text { fill: #3e4c59; }
.af-node .af-pill-model rect { fill: #f1f5f9; stroke: #94a3b8; }
.af-node .af-pill-model text { fill: #334155; font-weight: 500; }
.af-node .af-pill-label rect { fill: #4f46e5; stroke: #4338ca; }
.af-node .af-pill-label text { fill: #ffffff; }
.af-node .af-pill-bookmark rect { fill: #fef3c7; stroke: #d97706; }
.af-node .af-pill-bookmark text { fill: #b45309; font-size: 10px; }
.af-node .af-pill-ask rect { fill: #f59e0b; stroke: #b45309; }
.af-node .af-pill-ask text { fill: #ffffff; font-size: 10px; }
/* what the selected node's agent saw (emphasis.js): its branch stands out, the rest is dimmed */
.af-node.af-dim { opacity: 0.4; }
.af-node.af-ctx > rect { stroke: #d97706; stroke-width: 2; vector-effect: non-scaling-stroke; }
.af-node.af-ctx.af-selected > rect { stroke: #f59e0b; stroke-width: 3.5; }
.af-links.af-dimming .af-link:not(.af-ctx) { opacity: 0.3; }
.af-svg .af-links .af-link.af-ctx { stroke: #d97706; stroke-width: 3; }
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
