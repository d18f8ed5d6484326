// @ts-check
// The ExperimentView's stylesheet and the sizes the grid lays its rows out with. Every rule is scoped under
// .af-exp and every class is af-exp-*, so the TreeView's and the ChatView's stylesheets (on the same page) never
// meet this one.

/** The height of one sample's block in a cell (px): a line of scores and two lines of output. */
export const SAMPLE_H = 60;
/** The narrowest the case column and a variant's column may be (px); wider views share the rest. */
export const CASE_W = 150;
export const VARIANT_W = 180;
/** Rows drawn above and below the view, so that scrolling a little shows drawn rows at once. */
export const OVERSCAN = 6;
/** The most the grid is tall (px); a table of fewer rows is as tall as they are. The grid's height is always set
 * (CSS containment: what changes inside it never lays out the page around it). */
export const GRID_H = 460;

export const CSS = `
.af-exp { font: 12px/1.4 var(--jp-ui-font-family, system-ui, sans-serif); color: #1f2933; border: 1px solid #d5dbe3;
  border-radius: 6px; background: #fff; display: flex; flex-direction: column; min-width: 0; }
.af-exp button { font: inherit; cursor: pointer; }
.af-exp .af-exp-bar { display: flex; align-items: center; gap: 10px; flex-wrap: wrap; padding: 6px 8px;
  border-bottom: 1px solid #e4e7eb; background: #f8fafc; border-radius: 6px 6px 0 0; }
.af-exp .af-exp-title { font-weight: 600; font-size: 13px; }
.af-exp .af-exp-status { color: #52606d; font-variant-numeric: tabular-nums; }
.af-exp .af-exp-status.af-exp-live::before { content: ""; display: inline-block; width: 8px; height: 8px;
  border-radius: 50%; background: #2563eb; margin-right: 5px; animation: af-exp-pulse 1s ease-in-out infinite alternate; }
@keyframes af-exp-pulse { from { opacity: 1; } to { opacity: 0.3; } }
.af-exp .af-exp-spacer { flex: 1; }
.af-exp .af-exp-bar label { color: #3e4c59; display: inline-flex; align-items: center; gap: 4px; }
.af-exp .af-exp-bar select { font: inherit; padding: 1px 4px; border: 1px solid #9aa5b1; border-radius: 4px;
  background: #fff; color: #1f2933; }
.af-exp .af-exp-legend { display: inline-flex; align-items: center; gap: 4px; color: #52606d;
  font-variant-numeric: tabular-nums; }
.af-exp .af-exp-ramp { width: 70px; height: 10px; border-radius: 3px; border: 1px solid #cbd2d9;
  background: linear-gradient(90deg, hsl(0,75%,80%), hsl(60,75%,80%), hsl(120,75%,80%)); }
.af-exp .af-exp-hint { color: #7b8794; font-size: 11px; }
.af-exp .af-exp-error { color: #b91c1c; background: #fef2f2; padding: 4px 8px; white-space: pre-wrap;
  border-bottom: 1px solid #fecaca; overflow-wrap: anywhere; display: flex; gap: 8px; align-items: flex-start; }
.af-exp .af-exp-error[hidden] { display: none; }
.af-exp .af-exp-error span { flex: 1; }
.af-exp .af-exp-error button { border: none; background: none; color: #991b1b; font-size: 14px; line-height: 1; }
.af-exp .af-exp-scroll { overflow: auto; height: 460px; contain: strict; position: relative; outline: none;
  min-height: 0; }
.af-exp .af-exp-scroll:focus-visible { box-shadow: inset 0 0 0 2px #93c5fd; }
.af-exp .af-exp-head, .af-exp .af-exp-row { display: grid; }
.af-exp .af-exp-head { position: sticky; top: 0; z-index: 3; background: #f1f5f9; border-bottom: 1px solid #cbd2d9;
  box-shadow: 0 1px 2px rgba(15,23,42,0.06); }
.af-exp .af-exp-hcell { padding: 5px 8px; border-right: 1px solid #e4e7eb; min-width: 0; display: flex;
  flex-direction: column; gap: 3px; }
.af-exp .af-exp-hcase { position: sticky; left: 0; z-index: 4; background: #f1f5f9; }
.af-exp .af-exp-sortable { text-align: left; border: none; background: none; padding: 0; color: #1f2933;
  font-weight: 600; font-size: 12.5px; display: flex; align-items: center; gap: 4px; min-width: 0; }
.af-exp .af-exp-sortable:hover .af-exp-vname { text-decoration: underline; }
.af-exp .af-exp-vname { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.af-exp .af-exp-arrow { color: #2563eb; font-size: 10.5px; font-weight: normal; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
.af-exp .af-exp-means { display: flex; flex-wrap: wrap; gap: 3px; }
.af-exp .af-exp-mean { border: 1px solid #cbd2d9; border-left-width: 4px; border-radius: 3px; background: #fff;
  padding: 0 5px; font-size: 11px; color: #1f2933; font-variant-numeric: tabular-nums; white-space: nowrap;
  max-width: 100%; overflow: hidden; text-overflow: ellipsis; }
.af-exp .af-exp-mean:hover { background: #f0f4f8; }
.af-exp .af-exp-mean.af-exp-on { box-shadow: 0 0 0 1px #2563eb; }
.af-exp .af-exp-totals { color: #52606d; font-size: 11px; font-variant-numeric: tabular-nums; white-space: nowrap;
  overflow: hidden; text-overflow: ellipsis; }
.af-exp .af-exp-bad { color: #b91c1c; font-weight: 600; }
.af-exp .af-exp-sizer { position: relative; }
.af-exp .af-exp-row { position: absolute; left: 0; right: 0; border-bottom: 1px solid #e4e7eb; box-sizing: border-box;
  contain: strict; }
.af-exp .af-exp-case { position: sticky; left: 0; z-index: 1; background: #fff; padding: 5px 8px;
  border-right: 1px solid #e4e7eb; min-width: 0; overflow: hidden; }
.af-exp .af-exp-cname { font-weight: 600; display: flex; gap: 6px; align-items: baseline; min-width: 0; }
.af-exp .af-exp-cname span:first-child { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.af-exp .af-exp-turns { font-weight: normal; font-size: 10px; color: #52606d; background: #e4e7eb; border-radius: 8px;
  padding: 0 5px; white-space: nowrap; }
.af-exp .af-exp-first { color: #3e4c59; display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical;
  overflow: hidden; overflow-wrap: anywhere; }
.af-exp .af-exp-cell { border-right: 1px solid #e4e7eb; min-width: 0; display: flex; flex-direction: column; }
.af-exp .af-exp-sample { flex: 1 0 0; min-height: 0; padding: 4px 7px; box-sizing: border-box; cursor: pointer;
  overflow: hidden; position: relative; }
.af-exp .af-exp-sample + .af-exp-sample { border-top: 1px dashed #cbd2d9; }
.af-exp .af-exp-sample:hover { box-shadow: inset 0 0 0 1px #64748b; }
.af-exp .af-exp-sample.af-exp-cursor { box-shadow: inset 0 0 0 2px #94a3b8; }
.af-exp .af-exp-sample.af-exp-selected { box-shadow: inset 0 0 0 2px #2563eb; }
.af-exp .af-exp-sample.af-exp-opened { box-shadow: inset 0 0 0 3px #1d4ed8; }
.af-exp .af-exp-scores { display: flex; gap: 3px; height: 17px; overflow: hidden; flex-wrap: wrap; }
.af-exp .af-exp-chip { font-size: 10.5px; padding: 0 4px; border-radius: 3px; background: rgba(255,255,255,0.75);
  border: 1px solid rgba(15,23,42,0.15); white-space: nowrap; font-variant-numeric: tabular-nums; line-height: 15px; }
.af-exp .af-exp-chip.af-exp-on { font-weight: 700; border-color: rgba(15,23,42,0.45); }
.af-exp .af-exp-chip.af-exp-failed { color: #b91c1c; border-color: #fca5a5; }
.af-exp .af-exp-snippet { display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden;
  overflow-wrap: anywhere; color: #1f2933; margin-top: 2px; }
.af-exp .af-exp-sample.af-exp-err { background: #fef2f2; }
.af-exp .af-exp-sample.af-exp-err .af-exp-snippet { color: #b91c1c; }
.af-exp .af-exp-sample.af-exp-wait .af-exp-snippet { color: #9aa5b1; font-style: italic; }
.af-exp .af-exp-sno { position: absolute; right: 4px; bottom: 2px; font-size: 9.5px; color: #7b8794; }
.af-exp .af-exp-empty { padding: 14px; color: #616e7c; font-style: italic; text-align: center; }
.af-exp .af-exp-pane { border-top: 1px solid #cbd2d9; max-height: 420px; overflow: auto; padding: 8px 10px;
  background: #fcfcfd; }
.af-exp .af-exp-pane[hidden] { display: none; }
.af-exp .af-exp-ptop { display: flex; gap: 8px; align-items: center; margin-bottom: 6px; }
.af-exp .af-exp-ptitle { font-weight: 600; font-size: 13px; flex: 1; min-width: 0; overflow-wrap: anywhere; }
.af-exp .af-exp-close { border: 1px solid #cbd2d9; background: #fff; border-radius: 4px; padding: 0 7px;
  font-size: 14px; line-height: 20px; color: #323f4b; }
.af-exp .af-exp-close:hover { background: #f0f4f8; }
.af-exp .af-exp-facts { display: flex; gap: 5px; flex-wrap: wrap; align-items: center; margin-bottom: 6px; }
.af-exp .af-exp-fact { color: #52606d; font-variant-numeric: tabular-nums; }
.af-exp .af-exp-note { color: #1e40af; font-size: 11px; }
.af-exp .af-exp-msg { margin: 5px 0; padding: 5px 8px; border-radius: 5px; border: 1px solid #e4e7eb; background: #fff; }
.af-exp .af-exp-msg.af-exp-user { background: #f5f7fa; }
.af-exp .af-exp-msg.af-exp-kind-error { background: #fef2f2; border-color: #fca5a5; }
.af-exp .af-exp-who { font-weight: 600; font-size: 11px; color: #323f4b; display: flex; gap: 6px; }
.af-exp .af-exp-tag { font-weight: normal; font-size: 10px; padding: 0 6px; border-radius: 8px; background: #e4e7eb;
  color: #3e4c59; }
.af-exp .af-exp-body { white-space: pre-wrap; overflow-wrap: anywhere; margin-top: 2px; }
.af-exp .af-exp-verdict { margin: 4px 0; padding: 4px 8px; border-left: 3px solid #a5b4fc; background: #eef2ff;
  white-space: pre-wrap; overflow-wrap: anywhere; }
.af-exp .af-exp-cgrid { display: grid; grid-template-columns: 1fr 1fr; gap: 6px 10px; }
.af-exp .af-exp-cside { border: 1px solid #e4e7eb; border-radius: 5px; padding: 5px 8px; background: #fff; min-width: 0; }
.af-exp .af-exp-cside.af-exp-a { border-top: 3px solid #dc2626; }
.af-exp .af-exp-cside.af-exp-b { border-top: 3px solid #16a34a; }
.af-exp .af-exp-clabel { font-weight: 600; overflow-wrap: anywhere; }
.af-exp .af-exp-ccell { border: 1px solid #e4e7eb; border-radius: 5px; padding: 4px 8px; background: #fff; min-width: 0;
  white-space: pre-wrap; overflow-wrap: anywhere; }
.af-exp .af-exp-ccell.af-exp-none { color: #9aa5b1; font-style: italic; }
.af-exp del.af-exp-del { background: #fee2e2; color: #991b1b; text-decoration: line-through; }
.af-exp ins.af-exp-ins { background: #dcfce7; color: #166534; text-decoration: none; }
.af-exp .af-exp-from { color: #52606d; margin: 4px 0 6px; }
`;
