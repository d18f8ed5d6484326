// @ts-check
// The stylesheet of the drawing's scale (appended to style.js's): the levels of detail (draw.js labelLevel: below
// the full labels a labelled or bookmarked node keeps its tag's coloured shape, its text too small to read), the
// "+k more" items, the minimap's box and fold button, the hover label (hover.js), the conversations' list
// (conversations.js).

import { LABEL_FONTS } from "./draw.js";

export const SCALE_CSS = `
.af-node > text.af-big { display: none; pointer-events: none; fill: #3e4c59; }
.af-node > text.af-big-sender { font-weight: 700; fill: #1f2933; }
.af-lod-short .af-node > text:not(.af-big), .af-lod-brief .af-node > text:not(.af-big),
.af-lod-tag .af-node > text:not(.af-big), .af-lod-tag .af-node > .af-pills, .af-lod-short .af-span-label,
.af-lod-brief .af-span-label, .af-lod-tag .af-span-label { display: none; }
.af-lod-short .af-pill:not(.af-pill-label):not(.af-pill-bookmark), .af-lod-short .af-pill text,
.af-lod-brief .af-pill:not(.af-pill-label):not(.af-pill-bookmark), .af-lod-brief .af-pill text { display: none; }
.af-lod-short .af-node > text.af-big { display: inline; font-size: ${LABEL_FONTS.short}px; }
.af-lod-brief .af-node > text.af-big { display: inline; font-size: ${LABEL_FONTS.brief}px; }
.af-lod-tag .af-node > text.af-big-sender { display: inline; font-size: ${LABEL_FONTS.tag}px; }
.af-node.af-more > rect { stroke: #94a3b8; stroke-dasharray: 6 4; }
.af-node.af-more .af-sender, .af-node.af-more .af-big-sender { fill: #334155; }
.af-node.af-more .af-snippet, .af-node.af-more .af-big { fill: #64748b; }
.af-mm { position: absolute; right: 8px; bottom: 8px; z-index: 5; line-height: 0; }
.af-mm .af-minimap { position: static; display: block; }
.af-mm .af-mm-fold { position: absolute; top: 2px; right: 2px; width: 18px; height: 18px; padding: 0;
  font-size: 12px; line-height: 16px; text-align: center; cursor: pointer; background: rgba(255,255,255,0.9);
  border: 1px solid #cbd2d9; border-radius: 3px; color: #3e4c59; }
.af-mm.af-mm-folded .af-minimap { display: none; }
.af-mm.af-mm-folded .af-mm-fold { position: static; display: block; }
.af-hover { position: absolute; left: 0; top: 0; z-index: 6; max-width: 320px; pointer-events: none;
  background: #fff; border: 1px solid #cbd2d9; border-radius: 6px; box-shadow: 0 4px 14px rgba(15, 23, 42, 0.18);
  padding: 6px 8px; font-size: 12px; line-height: 1.35; color: #1f2933; }
.af-hover-title { font-weight: 700; }
.af-hover-text { white-space: pre-wrap; word-break: break-word; margin-top: 2px; color: #3e4c59; }
.af-hover-facts { margin-top: 3px; color: #7b8794; font-size: 11px; }
.af-conv { position: absolute; left: 8px; top: 8px; z-index: 7; }
.af-conv .af-conv-button { font-size: 11px; padding: 2px 8px; background: rgba(255,255,255,0.94); cursor: pointer; }
.af-conv-panel { position: absolute; left: 0; top: calc(100% + 3px); width: 340px; max-height: 320px;
  display: flex; flex-direction: column; background: #fff; border: 1px solid #cbd2d9; border-radius: 6px;
  box-shadow: 0 6px 18px rgba(15, 23, 42, 0.18); padding: 4px; }
.af-conv-filter { margin: 2px 2px 4px; padding: 3px 6px; font-size: 11.5px; }
.af-conv-rows { overflow: auto; flex: 1; min-height: 0; }
.af-conv-item { display: flex; gap: 8px; align-items: baseline; width: 100%; text-align: left; border: none;
  background: none; padding: 3px 6px; border-radius: 4px; cursor: pointer; font: inherit; color: inherit; }
.af-conv-item:hover, .af-conv-item:focus { background: #eef2ff; outline: none; }
.af-conv-text { flex: 1; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.af-conv-total { color: #7b8794; font-size: 10.5px; }
.af-conv-more { color: #7b8794; font-size: 10.5px; padding: 2px 6px; }
.af-conv-more:empty { display: none; }
`;
