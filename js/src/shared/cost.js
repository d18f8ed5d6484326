// @ts-check
// What answers cost (the `cost_usd` annotation, priced in the kernel by genai-prices): sums and how they read.
// Pure.

/**
 * A cost for people: "$0" , "$0.000412", "$0.0123", "$1.25".
 * @param {number} x
 */
export function costText(x) {
  if (!Number.isFinite(x) || x <= 0) return "$0";
  if (x >= 1) return `$${x.toFixed(2)}`;
  return `$${Number(x.toPrecision(3))}`;
}

/**
 * The sum of the nodes' `notes.cost_usd` and how many had one: `{total, priced, count}` (count: all nodes).
 * @param {Iterable<{notes?: Record<string, any>} | undefined>} nodes
 */
export function costOf(nodes) {
  let total = 0, priced = 0, count = 0;
  for (const n of nodes) {
    if (!n) continue;
    count++;
    const c = n.notes ? n.notes.cost_usd : undefined;
    if (typeof c === "number" && Number.isFinite(c) && c >= 0) {
      total += c;
      priced++;
    }
  }
  return { total, priced, count };
}

/**
 * The total's line ("cost $0.0123 (3 priced answers)"), or "" when nothing was priced.
 * @param {{total: number, priced: number}} c
 */
export function costLine(c) {
  if (!c.priced) return "";
  return `cost ${costText(c.total)} (${c.priced} priced answer${c.priced === 1 ? "" : "s"})`;
}
