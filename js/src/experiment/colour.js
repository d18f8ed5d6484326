// @ts-check
// The ExperimentView's colour scale (pure): a measure's domain over the whole table, and a value's colour on it,
// from red (worst) through amber to green (best). Scores: larger is better; metrics (duration, tokens, cost):
// smaller is better. A measure whose values are all bools has the domain [0, 1] (false red, true green); one
// whose values are all the same is neutral (amber): there is nothing to tell apart.

import { higherIsBetter, parseKey, valueOf } from "./table.js";

/**
 * @typedef {{min: number, max: number, better: 1 | -1, count: number, bool: boolean}} Domain
 */

/**
 * The domain of `key` over every cell of the table (null when no cell has a value).
 * @param {import("./table.js").Table} t
 * @param {string} key
 * @returns {Domain | null}
 */
export function domainOf(t, key) {
  if (parseKey(key).kind === "none") return null;
  let min = Infinity;
  let max = -Infinity;
  let count = 0;
  let bools = true;
  const { kind, name } = parseKey(key);
  const value = valueOf(key);
  for (const cell of t.cells) {
    const x = value(cell);
    if (x === null) continue;
    count++;
    if (x < min) min = x;
    if (x > max) max = x;
    if (bools && !(kind === "score" && cell && typeof cell.scores[name] === "boolean")) bools = false;
  }
  if (!count) return null;
  if (bools) return { min: 0, max: 1, better: 1, count, bool: true };
  return { min, max, better: higherIsBetter(key) ? 1 : -1, count, bool: false };
}

/**
 * How good `x` is on the domain: 0 (worst) .. 1 (best); 0.5 when the domain is a single value.
 * @param {number} x
 * @param {Domain} d
 */
export function goodness(x, d) {
  if (d.max === d.min) return 0.5;
  const t = Math.min(1, Math.max(0, (x - d.min) / (d.max - d.min)));
  return d.better === 1 ? t : 1 - t;
}

/**
 * The hue of a goodness: 0 (red) .. 120 (green), through amber.
 * @param {number} g
 */
export const hueOf = (g) => Math.round(g * 120);

/**
 * A cell's background for a value (a light tint, so its text stays readable), or "" for no value.
 * @param {number | null} x
 * @param {Domain | null} d
 */
export function tint(x, d) {
  if (x === null || !d) return "";
  return `hsl(${hueOf(goodness(x, d))}, 75%, 90%)`;
}

/**
 * The strong colour of a value (a score chip's edge, the legend), or "" for no value.
 * @param {number | null} x
 * @param {Domain | null} d
 */
export function ink(x, d) {
  if (x === null || !d) return "";
  return `hsl(${hueOf(goodness(x, d))}, 65%, 36%)`;
}
