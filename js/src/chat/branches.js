// @ts-check
// Branch arrows (pure logic, no DOM): for each message of the transcript the kernel sends its siblings, the
// children of its parent in first-stored order (docs/widget_protocol.md: the snapshot's `siblings` and the
// `siblings` message). A message with several shows `‹ 2/3 ›`; an arrow names the sibling to switch to.

/** @typedef {{index: number, count: number, prev: string | null, next: string | null}} Arrows */

/**
 * A map id -> sibling ids, kept from the kernel's messages; returns true when it changed.
 * @param {Map<string, string[]>} map
 * @param {unknown} raw
 */
export function applySiblings(map, raw) {
  const msg = /** @type {{kind?: unknown, siblings?: unknown} | null} */ (raw);
  if (!msg || typeof msg !== "object") return false;
  if (msg.kind === "snapshot") {
    map.clear();
  } else if (msg.kind !== "siblings") {
    return false;
  }
  const given = msg.siblings;
  if (!given || typeof given !== "object") return msg.kind === "snapshot";
  for (const [id, list] of Object.entries(given)) {
    if (Array.isArray(list) && list.every((s) => typeof s === "string")) map.set(id, list);
  }
  return true;
}

/**
 * The arrows of message `id`: `{index, count, prev, next}` (index from 1; prev/next: the sibling ids, null at
 * either end), or null when it has no siblings (or is not among the list the kernel sent, e.g. a pending answer).
 * @param {Map<string, string[]>} map
 * @param {string | null | undefined} id
 * @returns {Arrows | null}
 */
export function siblingArrows(map, id) {
  const list = id ? map.get(id) : undefined;
  if (!list || list.length < 2) return null;
  const i = list.indexOf(/** @type {string} */ (id));
  if (i < 0) return null;
  return {
    index: i + 1,
    count: list.length,
    prev: i > 0 ? list[i - 1] : null,
    next: i < list.length - 1 ? list[i + 1] : null,
  };
}

/**
 * The label between the arrows: "2/3".
 * @param {Arrows} arrows
 */
export function arrowLabel(arrows) {
  return `${arrows.index}/${arrows.count}`;
}
