// A model of the kernel side for property tests: a forum that grows (posts, streams starting under stored
// messages or under other streams, tokens, streams completing into messages, ending unstored) and a port of
// agentforum_nb/notebook/_tracker.py's TreeTracker that turns its events into snapshot and delta messages,
// flushed at the points the scenario says (the widget flushes on a timer, so a delta holds any mix of events).

/** The tracker: what the browser was told, and what it will be told at the next flush. */
function createTracker() {
  return { known: new Set(), pending: new Map(), sentLen: new Map(), nodes: [], streams: [], resolved: [], ended: [],
    textOut: {} };
}

const nodeOf = (m) => ({ id: m.id, parent: m.parent, sender: m.sender, kind: "message", status: "complete",
  snippet: m.content.slice(0, 200), n_chars: m.content.length, reply_to: null, original: null });
const streamOf = (h) => ({ key: h.key, parent: h.parent, sender: h.sender, text: h.text });

function flushTextOf(t, key) {
  const h = t.pending.get(key);
  if (!h) return;
  const sent = t.sentLen.get(key) || 0;
  if (h.text.length > sent) {
    t.textOut[key] = (t.textOut[key] || "") + h.text.slice(sent);
    t.sentLen.set(key, h.text.length);
  }
}

/** TreeTracker._on_event */
function onEvent(t, ev) {
  if (ev.kind === "stream-start") {
    const h = ev.stream;
    if (h.parent !== null && !t.known.has(h.parent) && !t.pending.has(h.parent)) return;
    t.pending.set(h.key, h);
    t.sentLen.set(h.key, h.text.length);
    t.streams.push(streamOf(h));
  } else if (ev.kind === "message") {
    const m = ev.message;
    const h = ev.stream;
    if (h && t.pending.has(h.key)) {
      flushTextOf(t, h.key);
      t.pending.delete(h.key);
      t.sentLen.delete(h.key);
      if (!t.known.has(m.id)) {
        t.known.add(m.id);
        t.nodes.push(nodeOf(m));
      }
      t.resolved.push({ key: h.key, id: m.id });
      // _repoint: the streams that follow it (also those not sent yet) now follow its message
      for (const other of t.pending.values()) if (other.parent === h.key) other.parent = m.id;
      for (const s of t.streams) if (s.parent === h.key) s.parent = m.id;
    } else if (!t.known.has(m.id)) {
      t.known.add(m.id);
      t.nodes.push(nodeOf(m));
    }
  } else if (ev.kind === "stream-end") {
    const h = ev.stream;
    if (t.pending.has(h.key)) {
      t.pending.delete(h.key);
      t.sentLen.delete(h.key);
      t.ended.push(h.key);
    }
  }
}

/** TreeTracker.delta */
function delta(t) {
  const text = t.textOut;
  t.textOut = {};
  for (const [key, h] of t.pending) {
    const sent = t.sentLen.get(key) || 0;
    if (h.text.length > sent) {
      text[key] = (text[key] || "") + h.text.slice(sent);
      t.sentLen.set(key, h.text.length);
    }
  }
  if (!(t.nodes.length || t.streams.length || t.resolved.length || t.ended.length || Object.keys(text).length)) {
    return null;
  }
  const out = { kind: "delta", nodes: t.nodes, streams: t.streams, text, resolved: t.resolved, ended: t.ended };
  t.nodes = [];
  t.streams = [];
  t.resolved = [];
  t.ended = [];
  return out;
}

/** TreeTracker.snapshot */
function snapshot(t, stored) {
  t.known = new Set(stored.map((m) => m.id));
  const streams = [];
  for (const [key, h] of t.pending) {
    t.sentLen.set(key, h.text.length);
    streams.push(streamOf(h));
  }
  t.nodes = [];
  t.streams = [];
  t.resolved = [];
  t.ended = [];
  t.textOut = {};
  return { kind: "snapshot", nodes: stored.map(nodeOf), streams };
}

/**
 * Run `ops` (see state.property.test.js) on a fresh forum; the browser connects (asks for a snapshot) before
 * op number `snapshotAt`. Returns the messages it gets, in order, and a snapshot of the final forum.
 */
export function runScenario(ops, snapshotAt = 0) {
  const t = createTracker();
  const stored = []; // store order
  const byId = new Map();
  const live = new Map(); // key -> stream handle {key, parent, sender, text}
  const messages = [];
  let nextStream = 1;
  let nextId = 1;
  let connected = false;
  const pick = (list, i) => (list.length ? list[i % list.length] : undefined);
  const connect = () => {
    connected = true;
    messages.push(snapshot(t, stored));
  };

  const store = (parent, sender, content, stream, dupOf) => {
    let m = dupOf;
    if (!m) {
      m = { id: `m${nextId++}`, parent, sender, content };
      stored.push(m);
      byId.set(m.id, m);
    }
    onEvent(t, { kind: "message", message: m, stream });
    return m;
  };

  const endStream = (h) => {
    live.delete(h.key);
    onEvent(t, { kind: "stream-end", stream: h });
    // the streams that follow it cannot be stored any more: they vanish too
    for (const other of [...live.values()]) if (other.parent === h.key) endStream(other);
  };

  ops.forEach((o, i) => {
    if (i === snapshotAt) connect();
    if (o.op === "post") {
      const parent = o.pick % (stored.length + 1) === 0 ? null : pick(stored, o.pick).id;
      store(parent, "user", `post ${nextId}`, null, null);
    } else if (o.op === "start") {
      const parents = [null, ...stored.map((m) => m.id), ...live.keys()];
      const h = { key: `~${nextStream++}`, parent: pick(parents, o.pick), sender: "bot", text: o.text };
      live.set(h.key, h);
      onEvent(t, { kind: "stream-start", stream: h });
    } else if (o.op === "token") {
      const h = pick([...live.values()], o.pick);
      if (h) h.text += o.text;
    } else if (o.op === "complete") {
      // a response is stored once its parent is (the previous response, or the request)
      const ready = [...live.values()].filter((h) => h.parent === null || byId.has(h.parent));
      const h = pick(ready, o.pick);
      if (!h) return;
      live.delete(h.key);
      // the same content under the same parent is the same message (content-addressed ids)
      const twin = o.dup ? stored.find((m) => m.parent === h.parent && m.sender === h.sender) : undefined;
      const m = store(h.parent, h.sender, h.text, h, twin);
      for (const other of live.values()) if (other.parent === h.key) other.parent = m.id; // the runtime's handles
    } else if (o.op === "end") {
      const h = pick([...live.values()], o.pick);
      if (h) endStream(h);
    } else if (o.op === "flush" && connected) {
      const d = delta(t);
      if (d) messages.push(d);
    }
  });
  if (!connected) connect();
  const last = delta(t);
  if (last) messages.push(last);
  // what a fresh view of the same forum gets
  const fresh = createTracker();
  for (const h of live.values()) {
    fresh.pending.set(h.key, h);
  }
  return { messages, final: snapshot(fresh, stored) };
}

/** Invariants of any state: every node is in exactly one child list, the one of its parentKey, and reachable. */
export function checkStructure(state, pathTo) {
  const seen = new Map();
  for (const [p, list] of state.children) {
    for (const k of list) {
      if (seen.has(k)) throw new Error(`${k} is a child of both ${seen.get(k)} and ${p}`);
      seen.set(k, p);
      if (!state.nodes.has(k)) throw new Error(`${k} is listed under ${p} but is not a node`);
      if ((state.nodes.get(k).parentKey ?? null) !== p) throw new Error(`${k}: parentKey is not ${p}`);
    }
  }
  for (const k of state.nodes.keys()) {
    if (!seen.has(k)) throw new Error(`${k} is in no child list`);
    const path = pathTo(state, k);
    if (path[path.length - 1] !== k || !state.children.get(null).includes(path[0])) {
      throw new Error(`${k} is not reachable from a root`);
    }
  }
}
