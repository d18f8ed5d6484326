// @ts-check
// Branch arrows (pure logic, no DOM). The kernel decides what the alternatives of a message are (samples, edits,
// branches a person made; never a forward next to its original: agentforum_nb/notebook/_alternatives.py) and
// sends, for each message of the transcript, their list: one message per alternative, in first-stored order, the
// message itself at its own place (docs/widget_protocol.md: the snapshot's `alternatives` and the `alternatives`
// message). This file draws that list as it is: a message with several shows `‹ 2/3 ›`; an arrow names the
// message to switch to.

/** @typedef {{index: number, count: number, prev: string | null, next: string | null}} Arrows */

/**
 * A map id -> its alternatives' ids, kept from the kernel's messages; returns true when it changed.
 * @param {Map<string, string[]>} map
 * @param {unknown} raw
 */
export function applyAlternatives(map, raw) {
  const msg = /** @type {{kind?: unknown, alternatives?: unknown} | null} */ (raw);
  if (!msg || typeof msg !== "object") return false;
  if (msg.kind === "snapshot") {
    map.clear();
  } else if (msg.kind !== "alternatives") {
    return false;
  }
  const given = msg.alternatives;
  if (!given || typeof given !== "object") return msg.kind === "snapshot";
  for (const [id, list] of Object.entries(given)) {
    if (Array.isArray(list) && list.every((s) => typeof s === "string")) map.set(id, list);
  }
  return true;
}

/**
 * The arrows of message `id`: `{index, count, prev, next}` (index from 1; prev/next: the ids to switch to, null at
 * either end), or null when it has no alternatives (or is not in the list the kernel sent, e.g. a pending answer).
 * @param {Map<string, string[]>} map
 * @param {string | null | undefined} id
 * @returns {Arrows | null}
 */
export function alternativeArrows(map, id) {
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
