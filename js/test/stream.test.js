// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import stream, { drawStream, itemLabel } from "../src/stream.js";

function fakeModel(traits) {
  const handlers = new Map();
  return {
    get: (k) => traits[k],
    set(k, v) {
      traits[k] = v;
      for (const f of handlers.get(`change:${k}`) || []) f();
    },
    on(ev, f) { handlers.set(ev, [...(handlers.get(ev) || []), f]); },
    off(ev, f) { handlers.set(ev, (handlers.get(ev) || []).filter((g) => g !== f)); },
    count: () => [...handlers.values()].reduce((n, l) => n + l.length, 0),
  };
}

const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';

describe("StreamView", () => {
  it("renders a row of sender and text per item", () => {
    const host = document.createElement("div");
    drawStream(host, [{ sender: "bot", text: "hello\n  world", status: "complete" },
      { sender: "critic", text: "par", status: "streaming" }], "");
    const rows = [...host.children];
    expect(rows.length).toBe(2);
    expect(rows[0].querySelector("b").textContent).toBe("bot: ");
    expect(rows[0].querySelector("span").textContent).toBe("hello\n  world");
    expect(rows[0].textContent).toBe("bot: hello\n  world");
    expect(rows[0].style.whiteSpace).toBe("pre-wrap");
    expect(rows[0].querySelector("span").style.opacity).toBe("");
    expect(rows[1].querySelector("span").style.opacity).toBe("0.85");
    expect(rows[1].querySelector("i")).toBe(null); // streaming: no badge
  });

  it("labels a forward by its author via the forwarder, as the TreeView does", () => {
    const host = document.createElement("div");
    drawStream(host, [{ sender: "moderator", text: "Let us begin.", status: "complete" },
      { sender: "moderator", author: "writer", text: "a draft", status: "streaming" }], "");
    const labels = [...host.children].map((row) => row.querySelector("b").textContent);
    expect(labels).toEqual(["moderator: ", "writer via moderator: "]);
    expect(itemLabel({ sender: "bot", author: "bot" })).toBe("bot");
  });

  it("badges messages that did not complete, and shows the error line", () => {
    const host = document.createElement("div");
    drawStream(host, [{ sender: "bot", text: "ab", status: "cancelled" }], "TimeoutError: too slow");
    const [row, err] = host.children;
    expect(row.querySelector("i").textContent).toBe(" [cancelled]");
    expect(row.querySelector("span").style.opacity).toBe("0.6");
    expect(err.textContent).toBe("TimeoutError: too slow");
    expect(err.style.color).toBeTruthy();
    drawStream(host, [], "");
    expect(host.children.length).toBe(0);
  });

  it("sets message text as text, never as HTML", () => {
    const host = document.createElement("div");
    drawStream(host, [{ sender: XSS, text: XSS, status: XSS }], XSS);
    expect(host.querySelectorAll("img, script").length).toBe(0);
    expect(host.querySelector("span").textContent).toBe(XSS);
    expect(host.lastChild.textContent).toBe(XSS);
  });

  it("redraws when items or the error change, until cleaned up", () => {
    const host = document.createElement("div");
    const model = fakeModel({ items: [{ sender: "bot", text: "a", status: "streaming" }], error: "" });
    const cleanup = stream.render({ model, el: host });
    expect(host.textContent).toBe("bot: a");
    model.set("items", [{ sender: "bot", text: "ab", status: "complete" }]);
    expect(host.textContent).toBe("bot: ab");
    model.set("error", "boom");
    expect(host.lastChild.textContent).toBe("boom");
    expect(model.count()).toBe(2);
    cleanup();
    expect(model.count()).toBe(0);
    model.set("items", []);
    expect(host.textContent).toBe("bot: abboom");
  });
});

describe("StreamView questions", () => {
  const question = { sender: "planner", text: "Go ahead?", status: "complete", id: "q1", notes: { awaiting: "user" },
    choices: ["yes", "<b>no</b>"] };

  it("shows a waiting question's choices and input box, and sends the answer", () => {
    const host = document.createElement("div");
    const model = fakeModel({ items: [question], error: "" });
    model.sent = [];
    model.send = (m) => model.sent.push(m);
    stream.render({ model, el: host });
    const buttons = [...host.querySelectorAll("button.af-stream-choice")];
    expect(buttons.map((b) => b.textContent)).toEqual(["yes", "<b>no</b>"]); // text, never HTML
    expect(host.querySelector("b b")).toBeNull();
    buttons[0].click();
    expect(buttons.every((b) => b.disabled)).toBe(true); // sent: waits for the kernel
    const input = host.querySelector("input.af-stream-input");
    input.value = "only on Fridays";
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
    expect(model.sent.length).toBe(1);
    model.set("error", "that question was answered already"); // refused: the box can be used again
    expect(buttons.some((b) => b.disabled)).toBe(false);
    expect(input.value).toBe("only on Fridays"); // what was typed stays
    input.value = "   ";
    host.querySelector("button.af-stream-send").click(); // blank: nothing sent
    expect(model.sent.length).toBe(1);
    input.value = "only on Fridays";
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
    expect(model.sent).toEqual([{ kind: "answer", id: "q1", text: "yes" }, { kind: "answer", id: "q1", text: "only on Fridays" }]);
    expect(host.textContent).toContain("between cells");
  });

  it("keeps the typed answer across redraws and drops the box once answered", () => {
    const host = document.createElement("div");
    drawStream(host, [question], "");
    host.querySelector("input").value = "half typed";
    drawStream(host, [question, { sender: "bot", text: "streaming...", status: "streaming" }], "");
    expect(host.querySelector("input").value).toBe("half typed");
    drawStream(host, [{ ...question, notes: {} }], "");
    expect(host.querySelector("input")).toBeNull();
  });
});
