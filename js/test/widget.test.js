// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { listen, NO_KERNEL, READY_TIMEOUT_MS, sendReady } from "../src/widget.js";

function fakeModel({ send } = {}) {
  const sent = [];
  const handlers = new Map();
  return {
    sent,
    send: send || ((m) => sent.push(m)),
    on(ev, f) { handlers.set(ev, [...(handlers.get(ev) || []), f]); },
    off(ev, f) { handlers.set(ev, (handlers.get(ev) || []).filter((g) => g !== f)); },
    emit(ev, ...args) { for (const f of [...(handlers.get(ev) || [])]) f(...args); },
    count: (ev) => (handlers.get(ev) || []).length,
  };
}

function widgetHost() {
  const host = document.createElement("div");
  host.append(document.createElement("section")); // the view's own elements
  document.body.append(host);
  return host;
}

const notice = (host) => host.querySelector(".af-host-notice");

describe("listen", () => {
  it("subscribes every handler and the cleanup unsubscribes them", () => {
    const model = fakeModel();
    const seen = [];
    const off = listen(model, { "change:a": () => seen.push("a"), "msg:custom": (m) => seen.push(m.kind) });
    model.emit("change:a");
    model.emit("msg:custom", { kind: "snapshot" });
    off();
    model.emit("change:a");
    expect(seen).toEqual(["a", "snapshot"]);
    expect(model.count("change:a") + model.count("msg:custom")).toBe(0);
  });
});

describe("sendReady", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("sends ready and shows nothing when the kernel answers in time", () => {
    const model = fakeModel();
    const host = widgetHost();
    const stop = sendReady(model, host);
    expect(model.sent).toEqual([{ kind: "ready" }]);
    vi.advanceTimersByTime(READY_TIMEOUT_MS - 1);
    model.emit("msg:custom", { kind: "snapshot", nodes: [], streams: [] });
    vi.advanceTimersByTime(60_000);
    expect(notice(host)).toBe(null);
    expect(model.count("msg:custom")).toBe(0); // it stopped watching
    stop();
  });

  it("says so, as text and first in the host, when no answer comes", () => {
    const model = fakeModel();
    const host = widgetHost();
    sendReady(model, host);
    vi.advanceTimersByTime(READY_TIMEOUT_MS - 1);
    expect(notice(host)).toBe(null);
    vi.advanceTimersByTime(1);
    const n = notice(host);
    expect(n).not.toBe(null);
    expect(host.firstChild).toBe(n);
    expect(n.textContent).toBe(NO_KERNEL);
    expect(n.textContent).toContain("does not pass widget messages to the kernel");
    expect(n.children.length).toBe(0);
    expect(n.getAttribute("role")).toBe("status");
  });

  it("removes the notice when a late answer arrives (a busy kernel)", () => {
    const model = fakeModel();
    const host = widgetHost();
    sendReady(model, host, { timeout: 100 });
    vi.advanceTimersByTime(100);
    expect(notice(host)).not.toBe(null);
    model.emit("msg:custom", { kind: "snapshot", nodes: [], streams: [] });
    expect(notice(host)).toBe(null);
    expect(host.children.length).toBe(1); // the view's own elements stay
  });

  it("shows the notice at once when sending throws, with the reason as text", () => {
    const model = fakeModel({ send: () => { throw new Error("<b>no comm</b>"); } });
    const host = widgetHost();
    sendReady(model, host);
    const n = notice(host);
    expect(n.textContent).toBe(`${NO_KERNEL} (sending failed: <b>no comm</b>)`);
    expect(n.querySelector("b")).toBe(null);
    vi.advanceTimersByTime(READY_TIMEOUT_MS);
    expect(host.querySelectorAll(".af-host-notice").length).toBe(1);
  });

  it("shows the notice when a promise-returning send rejects", async () => {
    const model = fakeModel({ send: () => Promise.reject(new Error("closed")) });
    const host = widgetHost();
    sendReady(model, host);
    await Promise.resolve();
    await Promise.resolve();
    expect(notice(host).textContent).toContain("sending failed: closed");
  });

  it("the cleanup stops the timer and the listener, and removes the notice", () => {
    const model = fakeModel();
    const host = widgetHost();
    const stop = sendReady(model, host, { timeout: 10 });
    vi.advanceTimersByTime(10);
    expect(notice(host)).not.toBe(null);
    stop();
    expect(notice(host)).toBe(null);
    expect(model.count("msg:custom")).toBe(0);
    sendReady(fakeModel(), host)(); // cleaned up before the timeout: nothing shows later
    vi.advanceTimersByTime(READY_TIMEOUT_MS * 2);
    expect(notice(host)).toBe(null);
  });

  it("a send failure reported after the cleanup shows nothing", async () => {
    let reject;
    const model = fakeModel({ send: () => new Promise((_, r) => { reject = r; }) });
    const host = widgetHost();
    sendReady(model, host)();
    reject(new Error("after cleanup"));
    await Promise.resolve();
    await Promise.resolve();
    expect(notice(host)).toBe(null);
  });
});
