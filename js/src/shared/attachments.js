// @ts-check
// A message's attachments, shown by the ChatView and the TreeView's details pane: images as thumbnails (click to
// enlarge, click again or Escape to close), other files as a named download. The bytes come from the kernel on
// request (`get-attachment`, answered with `{kind: "attachment", request_id, sha256, data}` in base64) and are
// kept as blob URLs, one per sha256, for the widget's life. Nothing from an attachment is ever inserted as HTML
// or run: an image (SVG included) is only ever the `src` of an <img>, where scripts do not run, and a file is only
// ever a download link's target.

/** @typedef {import("../types.js").Attachment} Attachment */

/** Media types shown as images (an <img> shows them; anything else is a download). */
export const IMAGE_TYPES = Object.freeze(["image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml",
  "image/avif", "image/bmp"]);

/**
 * Whether an attachment is shown as an image (pure).
 * @param {unknown} mediaType
 */
export function isImage(mediaType) {
  return typeof mediaType === "string" && IMAGE_TYPES.includes(mediaType.toLowerCase());
}

/**
 * A size for people ("812 B", "1.4 KB", "3.2 MB"; pure).
 * @param {unknown} size
 */
export function sizeText(size) {
  const n = typeof size === "number" && Number.isFinite(size) && size >= 0 ? size : 0;
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(n < 1e4 ? 1 : 0)} KB`;
  return `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} MB`;
}

/**
 * The descriptors of a node that look like descriptors (pure: a malformed entry is skipped, never shown).
 * @param {unknown} list
 * @returns {Attachment[]}
 */
export function attachmentsOf(list) {
  if (!Array.isArray(list)) return [];
  return list.filter((a) => a && typeof a === "object" && typeof a.sha256 === "string" && /^[0-9a-f]{64}$/.test(a.sha256)
    && typeof a.media_type === "string");
}

/**
 * What a descriptor is called: its name, else its kind and the start of its hash (pure).
 * @param {Attachment} a
 */
export function attachmentLabel(a) {
  if (typeof a.name === "string" && a.name) return a.name;
  return `${isImage(a.media_type) ? "image" : "file"} ${a.sha256.slice(0, 8)}`;
}

/**
 * Bytes from base64 (pure).
 * @param {string} data
 */
export function decodeBase64(data) {
  const raw = atob(data);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

let requestCounter = 0;

/**
 * The widget's attachment bytes: `url(a)` resolves to a blob URL of the attachment's bytes (asked from the kernel
 * once per sha256); `handle(msg)` takes the kernel's answers (returns true for one it consumed); `destroy()`
 * revokes the URLs.
 * @param {{send: (content: any) => void}} model
 */
export function createAttachmentStore(model) {
  /** @type {Map<string, Promise<string>>} */
  const urls = new Map();
  /** @type {Map<string, {resolve: (url: string) => void, reject: (e: Error) => void, type: string}>} */
  const waiting = new Map();
  /** @type {string[]} */
  const made = [];
  return {
    /** @param {Attachment} a */
    url(a) {
      let p = urls.get(a.sha256);
      if (!p) {
        p = new Promise((resolve, reject) => {
          const request_id = `att-${++requestCounter}`;
          waiting.set(request_id, { resolve, reject, type: a.media_type });
          model.send({ kind: "get-attachment", sha256: a.sha256, request_id });
        });
        urls.set(a.sha256, p);
      }
      return p;
    },
    /** @param {any} msg */
    handle(msg) {
      if (!msg || msg.kind !== "attachment" || typeof msg.request_id !== "string") return false;
      const w = waiting.get(msg.request_id);
      if (!w) return false;
      waiting.delete(msg.request_id);
      try {
        const blob = new Blob([decodeBase64(String(msg.data || ""))], { type: w.type });
        const url = URL.createObjectURL(blob);
        made.push(url);
        w.resolve(url);
      } catch (e) {
        w.reject(e instanceof Error ? e : new Error(String(e)));
      }
      return true;
    },
    destroy() {
      for (const u of made) URL.revokeObjectURL(u);
      made.length = 0;
      urls.clear();
      for (const w of waiting.values()) w.reject(new Error("the widget was closed"));
      waiting.clear();
    },
  };
}

/**
 * The element listing `list` (thumbnails and downloads), or null for none. `store`: createAttachmentStore's.
 * @param {Document} doc
 * @param {Attachment[]} list
 * @param {ReturnType<typeof createAttachmentStore>} store
 * @returns {HTMLElement | null}
 */
export function attachmentsElement(doc, list, store) {
  const items = attachmentsOf(list);
  if (!items.length) return null;
  const box = doc.createElement("div");
  box.className = "af-attachments";
  for (const a of items) {
    const label = attachmentLabel(a);
    if (isImage(a.media_type)) {
      const button = doc.createElement("button");
      button.type = "button";
      button.className = "af-att-thumb";
      button.title = `${label} (${a.media_type}, ${sizeText(a.size)}): click to enlarge`;
      button.setAttribute("data-sha256", a.sha256);
      const img = doc.createElement("img");
      img.alt = label;
      img.draggable = false;
      button.append(img);
      store.url(a).then((url) => { img.src = url; }, () => { button.classList.add("af-att-missing"); });
      button.addEventListener("click", (e) => {
        e.stopPropagation();
        enlarge(doc, img, label);
      });
      box.append(button);
    } else {
      const link = doc.createElement("a");
      link.className = "af-att-file";
      link.setAttribute("download", label);
      link.setAttribute("data-sha256", a.sha256);
      link.textContent = `⤓ ${label} (${sizeText(a.size)})`;
      link.title = `${a.media_type}: download`;
      store.url(a).then((url) => { link.href = url; }, () => { link.classList.add("af-att-missing"); });
      box.append(link);
    }
  }
  return box;
}

/**
 * How much an enlarged image is scaled (pure): to fill most of the window, a small image up to 8 times its size,
 * a large one down to fit.
 * @param {number} w  natural width
 * @param {number} h  natural height
 * @param {number} vw  the window's width
 * @param {number} vh  the window's height
 */
export function enlargedScale(w, h, vw, vh) {
  if (!(w > 0 && h > 0)) return 1;
  return Math.min(8, (0.92 * vw) / w, (0.88 * vh) / h);
}

/**
 * An enlarged image over the page: click or Escape closes it.
 * @param {Document} doc
 * @param {HTMLImageElement} img
 * @param {string} label
 */
function enlarge(doc, img, label) {
  if (!img.src) return;
  const overlay = doc.createElement("div");
  overlay.className = "af-att-overlay";
  overlay.setAttribute("role", "dialog");
  overlay.setAttribute("aria-label", label);
  Object.assign(overlay.style, { position: "fixed", inset: "0", background: "rgba(15, 23, 42, 0.72)", display: "flex",
    alignItems: "center", justifyContent: "center", zIndex: "10000", cursor: "zoom-out" });
  const big = doc.createElement("img");
  big.alt = label;
  Object.assign(big.style, { maxWidth: "92vw", maxHeight: "88vh", background: "#fff", boxShadow: "0 8px 32px #0006" });
  big.addEventListener("load", () => {
    const view = doc.defaultView;
    const s = enlargedScale(big.naturalWidth, big.naturalHeight, view ? view.innerWidth : 1024,
      view ? view.innerHeight : 768);
    big.style.width = `${Math.round(big.naturalWidth * s)}px`;
    big.style.height = `${Math.round(big.naturalHeight * s)}px`;
  });
  big.src = img.src;
  const caption = doc.createElement("div");
  caption.textContent = label;
  Object.assign(caption.style, { position: "absolute", bottom: "2vh", color: "#fff", font: "13px system-ui, sans-serif" });
  overlay.append(big, caption);
  const close = () => {
    overlay.remove();
    doc.removeEventListener("keydown", onKey, true);
  };
  /** @param {KeyboardEvent} e */
  const onKey = (e) => {
    if (e.key === "Escape") {
      e.stopPropagation();
      close();
    }
  };
  overlay.addEventListener("click", close);
  doc.addEventListener("keydown", onKey, true);
  doc.body.append(overlay);
}

/** The CSS of the attachments (scoped by the classes; each widget adds it to its style). */
export const ATTACHMENT_CSS = `
.af-attachments { display: flex; flex-wrap: wrap; gap: 6px; margin: 4px 0; }
.af-att-thumb { padding: 0; border: 1px solid #cbd5e1; border-radius: 4px; background: #fff; cursor: zoom-in;
  width: 96px; height: 72px; display: flex; align-items: center; justify-content: center; overflow: hidden; }
.af-att-thumb img { max-width: 96px; max-height: 72px; object-fit: contain; }
.af-att-file { font: 12px system-ui, sans-serif; color: #1d4ed8; border: 1px solid #cbd5e1; border-radius: 4px;
  padding: 3px 6px; background: #f8fafc; text-decoration: none; align-self: center; }
.af-att-missing { opacity: 0.4; }
`;
