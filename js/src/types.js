// @ts-check
// The shapes the front end passes around, as JSDoc types for `tsc --noEmit` (js/tsconfig.json): the widget
// protocol's nodes (docs/widget_protocol.md; agentforum_nb/nodes.py makes them) and the anywidget model. Types
// only: this module exports nothing at run time.

/**
 * A tool call as a node lists it (nodes.py `_call_of`).
 * @typedef {{id: string, name: string, arguments: string}} ToolCall
 */

/**
 * A node as the kernel sends it: a stored message (nodes.py `node_of`, with the tracker's `run`, `cached` and
 * `notes`).
 * @typedef {object} WireNode
 * @property {string} id
 * @property {string | null} parent
 * @property {string} sender
 * @property {string} [colour]
 * @property {string} kind
 * @property {string} status
 * @property {string} snippet
 * @property {number} n_chars
 * @property {string | null} reply_to
 * @property {string | null} original
 * @property {string} [author]
 * @property {string[]} [choices]
 * @property {ToolCall[]} [tool_calls]
 * @property {{call_id: string, error?: string}} [tool_result]
 * @property {string} [text]
 * @property {string} [run]
 * @property {boolean} [cached]
 * @property {Record<string, any>} [notes]
 * @property {number} [duration_s]
 * @property {Attachment[]} [attachments]
 * @property {string} [reasoning]  a transcript's node: the model's stored reasoning
 */

/**
 * An attachment's descriptor (messages.py; its bytes come on request: `get-attachment`).
 * @typedef {{sha256: string, media_type: string, size: number, name?: string | null}} Attachment
 */

/**
 * A pending stream as the kernel sends it.
 * @typedef {{key: string, parent: string | null, sender: string, colour?: string, author?: string | null,
 *            run?: string | null, text: string, reasoning?: string}} WireStream
 */

/**
 * A node in the browser's state (state.js): a stored message (`pending` false, `key` its id) or a response
 * still streaming (`pending` true, `key` "~<n>", `id` null, `text` growing).
 * @typedef {object} TreeNode
 * @property {string} key
 * @property {string | null} id
 * @property {string | null} parent
 * @property {string} sender
 * @property {string} [colour]
 * @property {string} kind
 * @property {string} status
 * @property {string} snippet
 * @property {number} n_chars
 * @property {string | null} reply_to
 * @property {string | null} original
 * @property {boolean} pending
 * @property {string | null} [parentKey]  the key it is drawn under (null: a root)
 * @property {string} [reasoning]  a model's reasoning (a stream's so far, or a transcript's stored one)
 * @property {Attachment[]} [attachments]
 * @property {boolean} [linked]
 * @property {string} [author]
 * @property {string[]} [choices]
 * @property {ToolCall[]} [tool_calls]
 * @property {{call_id: string, error?: string}} [tool_result]
 * @property {string} [text]
 * @property {string} [run]
 * @property {boolean} [cached]
 * @property {Record<string, any>} [notes]
 * @property {number} [duration_s]
 */

/**
 * The browser's tree (state.js): nodes by key and children in arrival order (`null`: the roots).
 * @typedef {object} State
 * @property {Map<string, TreeNode>} nodes
 * @property {Map<string | null, string[]>} children
 * @property {Map<string, string>} aliases   a stream's key -> the stored id it resolved to
 * @property {number} version                bumped when the structure changes
 * @property {number} textVersion            bumped when only streaming text changed
 */

/**
 * The drawn tree (view.js): the state with forwards folded into their originals and collapsed runs into their
 * first response; the shape layout.js and keyboard.js walk.
 * @typedef {object} View
 * @property {Map<string, TreeNode>} nodes
 * @property {Map<string | null, string[]>} children
 * @property {Map<string, string | null>} [parentOf]   drawn key -> its drawn parent (absent: the state's own)
 * @property {Map<string, string>} folded       key of a node not drawn -> the drawn key standing for it
 * @property {Map<string, string[]>} members    drawn key -> the keys folded into it
 * @property {Map<string, string[]>} vias       drawn key -> the senders that forwarded it
 * @property {Map<string, string>} edge         drawn key -> the kind of its parent link ("forwarded")
 * @property {State} source
 */

/**
 * A tree: a state or a view of one (what layout.js, keyboard.js and state.js's walks take).
 * @typedef {{nodes: Map<string, TreeNode>, children: Map<string | null, string[]>,
 *            parentOf?: Map<string, string | null>, folded?: Map<string, string>, edge?: Map<string, string>}} Tree
 */

/**
 * A laid-out node (layout.js): `x` its centre, `y` its top, `hidden` its hidden descendants, `i` its index in the
 * layout's nodes, `link` the index of its parent link (-1: a root); a "+k more" item (folded siblings) has `more`.
 * @typedef {{key: string, x: number, y: number, depth: number, hidden: number, i?: number, link?: number,
 *            more?: {siblings: number, messages: number}}} LayoutItem
 */

/**
 * A parent link; `route`: its points when it does not go straight down (to a wrapped row, to the next column of a
 * chain; layout.js).
 * @typedef {{source: string, target: string, type?: string, route?: {x: number, y: number}[]}} Link
 * @typedef {{x: number, y: number, width: number, height: number}} Box
 */

/**
 * A conversation of a forest (layout.js): its root's key, its block, how many nodes it draws and how many messages
 * it holds (with those cut by the budget or folded into "+k more").
 * @typedef {{key: string, x: number, y: number, width: number, height: number, count: number, total: number}}
 *   Conversation
 */

/**
 * A layout (layout.js): positioned nodes, parent links, the extra (forward / reply) links, the bounding box.
 * @typedef {object} Layout
 * @property {LayoutItem[]} nodes
 * @property {Link[]} links
 * @property {Link[]} extra
 * @property {Map<string, LayoutItem>} pos
 * @property {boolean} focused    above the node budget: only the head's neighbourhood
 * @property {Box} bounds
 * @property {Conversation[]} [groups]   a forest's conversations, when there are several
 * @property {number} [gap]       between rows of conversations (their titles are drawn in it)
 * @property {number} [wrap]      the row width wrapped rows have (0: not wrapped)
 * @property {number} [columns]   the height of a long chain's columns, in nodes (0: none)
 * @property {string} [engine]    "tidy" or "graphviz"
 */

/**
 * The marked nodes (drawn keys).
 * @typedef {{head: string | null, selected: string | null, focus?: string | null, extra?: string[],
 *            senders?: string[]}} Marks
 */

/**
 * A question an agent waits on, as its answer box offers it (shared/answer.js).
 * @typedef {{choices: string[]}} Question
 */

/**
 * A message of the kernel's: a snapshot, a delta, a `message` reply ... (docs/widget_protocol.md).
 * @typedef {{kind: string, [field: string]: any}} KernelMessage
 */

/**
 * The part of anywidget's model the views use (standalone.js makes one without a kernel).
 * @typedef {object} Model
 * @property {(name: string) => any} get
 * @property {(name: string, value: any) => void} set
 * @property {() => void} save_changes
 * @property {(event: string, fn: (...args: any[]) => void) => void} on
 * @property {(event?: string | null, fn?: ((...args: any[]) => void) | null) => void} off
 * @property {(content: Record<string, any>) => unknown} send
 */

export {};
