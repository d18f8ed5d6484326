// @ts-check
// Markdown of a message as DOM nodes, safely: markdown-it parses (raw HTML off, so `<script>`, `<img onerror>` and
// any other tag stay literal text), and this module builds the elements itself from the tokens with createElement
// and textContent, from a fixed list of tags. Nothing is ever parsed as HTML (no innerHTML anywhere), no attribute
// comes from the text except a link's href (only http:, https: and mailto: URLs, opened with rel=noopener) and
// its title, and images are never loaded: an image becomes a link (or plain text) naming it.

import MarkdownIt from "markdown-it";

/** @typedef {import("markdown-it").Token} Token */

const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);

/**
 * The URL to put in a link's href, or null when it is not an absolute http(s) or mailto URL.
 * @param {unknown} url
 * @returns {string | null}
 */
export function safeHref(url) {
  if (typeof url !== "string" || url.length > 4096) return null;
  let parsed;
  try {
    parsed = new URL(url); // strips tabs, newlines and surrounding spaces as browsers do, lowercases the scheme
  } catch {
    return null; // relative or malformed: there is no page a notebook link could safely mean
  }
  return SAFE_PROTOCOLS.has(parsed.protocol) ? parsed.href : null;
}

const md = new MarkdownIt("default", { html: false, linkify: true, typographer: false, breaks: true });
md.linkify.set({ fuzzyLink: false }); // "main.py" is not a link to Paraguay: only URLs with a scheme are linked
// a link with any other destination is not a link at all: its markdown stays as text
md.validateLink = (url) => safeHref(url) !== null;

const BLOCK_TAGS = new Set([
  "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "table", "thead", "tbody", "tr", "th",
  "td",
]);
const INLINE_TAGS = new Set(["em", "strong", "s"]);
const ALIGN = /^text-align:(left|right|center)$/;

/**
 * The tokens markdown-it makes of `text` (exported for tests).
 * @param {unknown} text
 */
export function parseMarkdown(text) {
  return md.parse(String(text ?? ""), {});
}

/**
 * `text` as markdown: a DocumentFragment of safe elements (see the top of this file).
 * @param {unknown} text
 * @param {Document} [doc]
 */
export function renderMarkdown(text, doc = document) {
  const frag = doc.createDocumentFragment();
  let tokens;
  try {
    tokens = parseMarkdown(text);
  } catch {
    frag.append(doc.createTextNode(String(text ?? ""))); // never lose the text
    return frag;
  }
  /** @type {(Node & ParentNode)[]} */
  const stack = [frag];
  for (const t of tokens) {
    const top = stack[stack.length - 1];
    if (t.nesting === 1) {
      if (t.hidden) {
        stack.push(top); // a tight list's paragraph: its text goes straight into the item
        continue;
      }
      const e = blockElement(doc, t);
      if (t.tag === "table") {
        const wrap = doc.createElement("div"); // wide tables scroll instead of widening the transcript
        wrap.className = "af-md-table";
        wrap.append(e);
        top.append(wrap);
      } else {
        top.append(e);
      }
      stack.push(e);
    } else if (t.nesting === -1) {
      if (stack.length > 1) stack.pop();
    } else if (t.type === "inline") {
      renderInline(doc, top, t.children || []);
    } else if (t.type === "fence" || t.type === "code_block") {
      top.append(codeBlock(doc, t));
    } else if (t.type === "hr") {
      top.append(doc.createElement("hr"));
    } else if (t.content) {
      top.append(doc.createTextNode(t.content)); // anything else (html_block cannot occur: html is off) as text
    }
  }
  return frag;
}

/**
 * @param {Document} doc
 * @param {Token} t
 */
function blockElement(doc, t) {
  const e = doc.createElement(BLOCK_TAGS.has(t.tag) ? t.tag : "div");
  if (t.tag === "ol") {
    const start = t.attrGet("start");
    if (start !== null && /^\d{1,9}$/.test(String(start))) e.setAttribute("start", String(start));
  }
  if (t.tag === "th" || t.tag === "td") {
    const m = ALIGN.exec(String(t.attrGet("style") ?? ""));
    if (m) e.style.textAlign = m[1];
  }
  return e;
}

/**
 * @param {Document} doc
 * @param {Token} t
 */
function codeBlock(doc, t) {
  const pre = doc.createElement("pre");
  pre.className = "af-md-code";
  const code = doc.createElement("code");
  const lang = String(t.info || "").trim().split(/\s+/)[0];
  if (lang && /^[\w+#.-]{1,32}$/.test(lang)) pre.setAttribute("data-lang", lang);
  code.textContent = t.content.endsWith("\n") ? t.content.slice(0, -1) : t.content;
  pre.append(code);
  return pre;
}

/**
 * @param {Document} doc
 * @param {Node & ParentNode} parent
 * @param {Token[]} children
 */
function renderInline(doc, parent, children) {
  /** @type {(Node & ParentNode)[]} */
  const stack = [parent];
  for (const t of children) {
    const top = stack[stack.length - 1];
    if (t.type === "text") {
      top.append(doc.createTextNode(t.content));
    } else if (t.type === "softbreak" || t.type === "hardbreak") {
      top.append(doc.createElement("br"));
    } else if (t.type === "code_inline") {
      const c = doc.createElement("code");
      c.textContent = t.content;
      top.append(c);
    } else if (t.type === "link_open") {
      const e = link(doc, t.attrGet("href"), t.attrGet("title"));
      top.append(e);
      stack.push(e);
    } else if (t.type === "image") {
      const label = `[image: ${t.content || "untitled"}]`;
      const e = link(doc, t.attrGet("src"), t.attrGet("title"));
      e.classList.add("af-md-image");
      e.textContent = label;
      top.append(e);
    } else if (t.nesting === 1) {
      const e = doc.createElement(INLINE_TAGS.has(t.tag) ? t.tag : "span");
      top.append(e);
      stack.push(e);
    } else if (t.nesting === -1) {
      if (stack.length > 1) stack.pop();
    } else if (t.content) {
      top.append(doc.createTextNode(t.content)); // html_inline cannot occur (html is off); any other token as text
    }
  }
}

/**
 * An <a> for a safe URL (new tab, rel=noopener), else a <span>: the text shows either way.
 * @param {Document} doc
 * @param {unknown} href
 * @param {unknown} title
 */
function link(doc, href, title) {
  const url = safeHref(href);
  const e = doc.createElement(url ? "a" : "span");
  if (url) {
    e.setAttribute("href", url);
    e.setAttribute("target", "_blank");
    e.setAttribute("rel", "noopener noreferrer nofollow");
  }
  if (typeof title === "string" && title) e.setAttribute("title", title);
  return e;
}
