// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import { renderMarkdown, safeHref } from "../src/chat/markdown.js";

function html(text) {
  const box = document.createElement("div");
  box.append(renderMarkdown(text));
  return box;
}

/** Every attribute of every element: [tag, name, value]. */
function attributes(box) {
  return [...box.querySelectorAll("*")].flatMap((e) => [...e.attributes].map((a) => [e.tagName.toLowerCase(), a.name, a.value]));
}

const ALLOWED_TAGS = new Set([
  "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "table", "thead", "tbody", "tr", "th",
  "td", "hr", "pre", "code", "em", "strong", "s", "a", "span", "br", "div",
]);

function assertSafe(box) {
  for (const e of box.querySelectorAll("*")) expect(ALLOWED_TAGS.has(e.tagName.toLowerCase()), e.tagName).toBe(true);
  for (const [tag, name, value] of attributes(box)) {
    expect(name.startsWith("on"), `${tag} ${name}`).toBe(false);
    expect(["href", "target", "rel", "title", "class", "start", "style", "data-lang"]).toContain(name);
    if (name === "href") expect(value).toMatch(/^(https?:|mailto:)/);
    if (name === "style") expect(value).toMatch(/^text-align: (left|right|center);?$/);
  }
}

describe("safe markdown", () => {
  it("renders the usual markdown as elements", () => {
    const box = html("# Title\n\nSome *em*, **strong**, ***both***, `code` and ~~gone~~.\n\n- one\n- two\n\n1. a\n2. b\n\n> quoted\n\n---");
    expect(box.querySelector("h1").textContent).toBe("Title");
    expect(box.querySelector("em").textContent).toBe("em");
    expect(box.querySelector("strong").textContent).toBe("strong");
    expect(box.querySelector("em strong, strong em").textContent).toBe("both"); // nested emphasis
    expect(box.querySelector("p code").textContent).toBe("code");
    expect(box.querySelector("s").textContent).toBe("gone");
    expect([...box.querySelectorAll("ul > li")].map((li) => li.textContent)).toEqual(["one", "two"]);
    expect(box.querySelector("ul li p")).toBe(null); // a tight list: no paragraph inside the items
    expect([...box.querySelectorAll("ol > li")].map((li) => li.textContent)).toEqual(["a", "b"]);
    expect(box.querySelector("blockquote").textContent.trim()).toBe("quoted");
    expect(box.querySelector("hr")).not.toBe(null);
    assertSafe(box);
  });

  it("keeps nested emphasis and odd delimiters as the parser means them", () => {
    const box = html("*a **b *c* d** e* and **unclosed and _under_score_ and 2*3*4");
    expect(box.querySelector("em > strong > em").textContent).toBe("c");
    expect(box.textContent).toContain("**unclosed");
    assertSafe(box);
  });

  it("shows code fences monospaced, verbatim, with the language as data only", () => {
    const code = 'if (a < b && c > d) {\n  document.write("<script>alert(1)</script>");\n}';
    const box = html("text\n\n```js onload=alert(1)\n" + code + "\n```\n\n    indented <b>code</b>\n");
    const [fence, indented] = box.querySelectorAll("pre.af-md-code");
    expect(fence.getAttribute("data-lang")).toBe("js");
    expect(fence.querySelector("code").textContent).toBe(code);
    expect(indented.textContent).toBe("indented <b>code</b>");
    expect(box.querySelectorAll("script, b").length).toBe(0);
    const odd = html('```"><img src=x onerror=alert(1)>\nx\n```');
    expect(odd.querySelector("pre").hasAttribute("data-lang")).toBe(false);
    assertSafe(odd);
    assertSafe(box);
  });

  it("shows raw HTML as text: no script, no img, no handlers", () => {
    const hostile = [
      "<script>window.__xss = 1</script>",
      '<img src=x onerror="window.__xss = 2">',
      '<a href="javascript:alert(1)">click</a>',
      '<div onclick="alert(1)">div</div>',
      "<iframe src=https://example.com></iframe>",
      '<svg onload="alert(1)"><circle/></svg>',
      "<style>body{display:none}</style>",
      "text <b onmouseover=alert(1)>bold</b> more",
    ];
    for (const h of hostile) {
      const box = html(h);
      expect(box.querySelectorAll("script, img, iframe, svg, style, b, div").length, h).toBe(0);
      // a bare https URL inside the markup may become a plain link; assertSafe checks every href
      expect(box.textContent.replace(/\s+/g, " ").trim()).toBe(h);
      assertSafe(box);
    }
    expect(window.__xss).toBe(undefined);
  });

  it("links only http(s) and mailto URLs, in a new tab with rel=noopener", () => {
    const box = html("[site](https://example.com/a?b=1) [mail](mailto:a@b.org) <https://auto.example.org> www.example.net main.py");
    const links = [...box.querySelectorAll("a")];
    expect(links.map((a) => a.getAttribute("href"))).toEqual([
      "https://example.com/a?b=1", "mailto:a@b.org", "https://auto.example.org/",
    ]); // bare names without a scheme (www.…, main.py) stay text
    for (const a of links) {
      expect(a.getAttribute("target")).toBe("_blank");
      expect(a.getAttribute("rel")).toContain("noopener");
    }
    assertSafe(box);
  });

  it("leaves links with other schemes as text", () => {
    for (const bad of [
      "[x](javascript:alert(1))",
      "[x](JaVaScRiPt:alert(1))",
      "[x](java\tscript:alert(1))",
      "[x]( javascript:alert(1))",
      "[x](&#106;avascript:alert(1))",
      "[x](vbscript:msgbox(1))",
      "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
      "[x](file:///etc/passwd)",
      "[x](relative/path)",
      "[x][ref]\n\n[ref]: javascript:alert(1)",
      "<javascript:alert(1)>",
    ]) {
      const box = html(bad);
      expect(box.querySelectorAll("a").length, bad).toBe(0);
      expect(box.textContent.length, bad).toBeGreaterThan(0); // the text is still there
      assertSafe(box);
    }
    expect(html("[x](javascript:alert(1))").textContent).toBe("[x](javascript:alert(1))");
  });

  it("never loads images: an image is a link naming it (or text)", () => {
    const box = html("![a cat](https://example.com/cat.png) ![x](javascript:alert(1)) ![y](x onerror=alert(1))");
    expect(box.querySelectorAll("img").length).toBe(0);
    const [link] = box.querySelectorAll("a");
    expect(link.textContent).toBe("[image: a cat]");
    expect(link.getAttribute("href")).toBe("https://example.com/cat.png");
    assertSafe(box);
  });

  it("renders tables with alignment from a fixed list only", () => {
    const box = html("| a | b |\n|:--|--:|\n| 1 | <i>2</i> |");
    expect(box.querySelector(".af-md-table > table")).not.toBe(null);
    expect([...box.querySelectorAll("th")].map((th) => th.style.textAlign)).toEqual(["left", "right"]);
    expect(box.querySelectorAll("td")[1].textContent).toBe("<i>2</i>");
    assertSafe(box);
  });

  it("wraps lines as written (a single newline is a line break) and keeps entities as characters", () => {
    const box = html("line one\nline two &amp; &lt;b&gt; &#60;script&#62;");
    expect(box.querySelectorAll("p br").length).toBe(1);
    expect(box.textContent).toBe("line oneline two & <b> <script>");
    expect(box.querySelectorAll("b, script").length).toBe(0);
  });

  it("takes any value, and long or pathological input, without throwing", () => {
    for (const v of [undefined, null, 42, "", "*".repeat(5000), "[".repeat(3000) + "x", "> ".repeat(500) + "deep", "`".repeat(999)]) {
      const box = html(v);
      assertSafe(box);
    }
    expect(html(null).textContent).toBe("");
  });

  it("safeHref accepts only absolute http(s) and mailto URLs", () => {
    expect(safeHref("https://example.com")).toBe("https://example.com/");
    expect(safeHref("HTTP://EXAMPLE.com/x")).toBe("http://example.com/x");
    expect(safeHref("mailto:a@b.c")).toBe("mailto:a@b.c");
    for (const bad of ["javascript:alert(1)", " javascript:alert(1)", "java\nscript:alert(1)", "data:,x", "/x", "x", "", null, 5, {}]) {
      expect(safeHref(bad), String(bad)).toBe(null);
    }
  });
});
