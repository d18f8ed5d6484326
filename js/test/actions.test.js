import { describe, expect, it } from "vitest";
import { actionMessage, createActions, MAX_SAMPLES, sampleCount } from "../src/tree/actions.js";
import { detailRows } from "../src/tree/details.js";
import { listen } from "../src/widget.js";

function fakeModel(traits = {}) {
  const sent = [];
  const handlers = new Map();
  return {
    sent, traits, saves: 0,
    get: (k) => traits[k],
    set(k, v) { traits[k] = v; },
    save_changes() { this.saves += 1; },
    send(m) { sent.push(m); },
    on(ev, f) { handlers.set(ev, [...(handlers.get(ev) || []), f]); },
    off(ev, f) { handlers.set(ev, (handlers.get(ev) || []).filter((g) => g !== f)); },
    emit(ev, ...args) { for (const f of handlers.get(ev) || []) f(...args); },
  };
}

describe("actions", () => {
  it("builds the protocol's messages for the toolbar's actions", () => {
    expect(actionMessage("stop", null)).toEqual({ message: { kind: "stop" } });
    expect(actionMessage("checkout", "k")).toEqual({ message: { kind: "checkout", id: "k" } });
    expect(actionMessage("regenerate", "k")).toEqual({ message: { kind: "regenerate", id: "k", n: 1 } });
    expect(actionMessage("regenerate", "k", "", null, "3")).toEqual({ message: { kind: "regenerate", id: "k", n: 3 } });
    expect(actionMessage("branch", "k", " hi ", "critic"))
      .toEqual({ message: { kind: "branch", id: "k", text: " hi ", agent: "critic" } });
    expect(actionMessage("branch", "k", "hi", "")).toEqual({ message: { kind: "branch", id: "k", text: "hi", agent: null } });
  });

  it("explains what is missing instead of sending", () => {
    for (const name of ["checkout", "regenerate", "branch"]) {
      expect(actionMessage(name, null)).toEqual({ error: "select a node first" });
      expect(actionMessage(name, "")).toEqual({ error: "select a node first" });
    }
    expect(actionMessage("branch", "k", "  \n")).toEqual({ error: "type a message to branch with" });
    expect(actionMessage("fit", "k")).toBe(null); // not the kernel's
  });

  it("sends through the model, with increasing request ids", () => {
    const model = fakeModel();
    const actions = createActions(model);
    actions.ready();
    actions.select("k1");
    expect(model.traits.selected_id).toBe("k1");
    expect(model.saves).toBe(1);
    expect(actions.requestMessage("k1")).toBe(1);
    expect(actions.requestMessage("k2")).toBe(2);
    actions.loadGraphviz();
    expect(actions.run("regenerate", "k1")).toBe(true);
    expect(actions.run("branch", "k1", "", null)).toBe(false);
    expect(model.traits.error).toBe("type a message to branch with");
    expect(actions.run("collapse", "k1")).toBe(false);
    expect(model.sent).toEqual([{ kind: "ready" }, { kind: "select", id: "k1" },
      { kind: "get-message", id: "k1", request_id: 1 }, { kind: "get-message", id: "k2", request_id: 2 },
      { kind: "load-graphviz" }, { kind: "regenerate", id: "k1", n: 1 }]);
  });
});

describe("regenerate count", () => {
  it("clamps the box's value to 1..8 and falls back to 1", () => {
    expect([sampleCount("1"), sampleCount("3"), sampleCount(8), sampleCount("12"), sampleCount("0"), sampleCount(""),
      sampleCount("abc"), sampleCount("2.6"), sampleCount(-4)]).toEqual([1, 3, 8, MAX_SAMPLES, 1, 1, 1, 3, 1]);
    expect(MAX_SAMPLES).toBe(8);
  });

  it("sends the kernel messages of the details pane, the search box and the comparison", () => {
    const model = fakeModel();
    const actions = createActions(model);
    actions.annotate("k", { label: "best" });
    actions.edit("k", "new text");
    actions.answer("q", "yes");
    actions.search("rain", 4);
    actions.compare("a", "b");
    actions.closeCompare();
    expect(model.sent).toEqual([{ kind: "annotate", id: "k", values: { label: "best" } },
      { kind: "edit", id: "k", text: "new text" }, { kind: "answer", id: "q", text: "yes" },
      { kind: "search", text: "rain", request_id: 4 }, { kind: "compare", a: "a", b: "b" }, { kind: "close-compare" }]);
  });
});

describe("details rows", () => {
  it("lists the present fields and the metadata", () => {
    const rows = detailRows({ id: "i", sender: "bot", kind: "message", status: "complete", parent_id: null,
      reply_to_id: "r", original_id: undefined, content: "text", metadata: { a: 1 } });
    expect(rows).toEqual([["id", "i"], ["sender", "bot"], ["kind", "message"], ["status", "complete"],
      ["reply to", "r"], ["metadata", '{\n "a": 1\n}']]);
    expect(detailRows({ id: "i", metadata: {} })).toEqual([["id", "i"]]);
  });
});

describe("listen", () => {
  it("subscribes handlers and unsubscribes them all", () => {
    const model = fakeModel();
    const calls = [];
    const off = listen(model, { "change:a": () => calls.push("a"), "msg:custom": (m) => calls.push(m) });
    model.emit("change:a");
    model.emit("msg:custom", "m");
    off();
    model.emit("change:a");
    model.emit("msg:custom", "again");
    expect(calls).toEqual(["a", "m"]);
  });
});
