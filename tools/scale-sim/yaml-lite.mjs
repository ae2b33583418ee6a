// A small YAML reader for the subset deploy/k8s uses, so scripts/scale-sim needs no npm packages: block mappings
// and sequences, flow mappings and sequences on one line, quoted and plain scalars, literal (|) and folded (>)
// block scalars, comments and `---` document separators. Anchors, tags, multi-line plain or flow scalars are not
// supported and throw. tests/deploy checks that it reads every manifest exactly as js-yaml does.

/** Every non-empty document of a multi-document YAML text. */
export function parseAllDocuments(text) {
  const docs = [];
  let current = [];
  for (const line of text.replace(/\r\n?/g, "\n").split("\n")) {
    if (/^---\s*(#.*)?$/.test(line)) {
      docs.push(current);
      current = [];
    } else if (/^\.\.\.\s*$/.test(line)) {
      continue;
    } else {
      current.push(line);
    }
  }
  docs.push(current);
  return docs.map((lines) => new Parser(lines).document()).filter((doc) => doc !== null && doc !== undefined);
}

const indentOf = (line) => line.length - line.trimStart().length;
const isBlank = (line) => /^\s*(#.*)?$/.test(line);

class Parser {
  constructor(lines) {
    this.lines = lines;
    this.i = 0;
  }

  fail(message) {
    throw new Error(`yaml-lite, line ${this.i + 1}: ${message}: ${JSON.stringify(this.lines[this.i] ?? "")}`);
  }

  /** Index of the next line with content, skipping blank and comment lines. */
  next() {
    while (this.i < this.lines.length && isBlank(this.lines[this.i])) this.i++;
    return this.i < this.lines.length ? this.lines[this.i] : null;
  }

  document() {
    if (this.next() === null) return null;
    const value = this.node(0);
    if (this.next() !== null) this.fail("unexpected content");
    return value;
  }

  /** The block node whose lines are indented at least `min`. */
  node(min) {
    const line = this.next();
    if (line === null || indentOf(line) < min) return null;
    const indent = indentOf(line);
    return isSequenceItem(line.trimStart()) ? this.sequence(indent) : this.mapping(indent);
  }

  sequence(indent) {
    const items = [];
    for (let line = this.next(); line !== null && indentOf(line) === indent && isSequenceItem(line.trimStart()); line = this.next()) {
      const content = line.trimStart().slice(1).replace(/^ +/, "");
      if (content === "" || content.startsWith("#")) {
        this.i++;
        items.push(this.node(indent + 1));
      } else if (mappingKey(content) !== null) {
        // "- key: value" opens a mapping whose keys sit where `key` starts.
        const column = line.length - content.length;
        this.lines[this.i] = " ".repeat(column) + content;
        items.push(this.mapping(column));
      } else {
        items.push(this.inlineValue(content));
      }
    }
    return items;
  }

  mapping(indent) {
    const map = {};
    for (let line = this.next(); line !== null; line = this.next()) {
      const lineIndent = indentOf(line);
      if (lineIndent < indent) break;
      if (lineIndent > indent) this.fail("unexpected indentation");
      const text = line.trimStart();
      if (isSequenceItem(text)) break; // a sequence at the parent's indentation ends this mapping
      const key = mappingKey(text);
      if (key === null) this.fail("expected `key: value`");
      const rest = stripComment(text.slice(key.length)).replace(/^\s*:/, "").trim();
      const name = unquoteKey(key.trim());
      if (Object.hasOwn(map, name)) this.fail(`duplicate key ${name}`);
      if (rest === "") {
        this.i++;
        const child = this.next();
        // A sequence may sit at the key's own indentation.
        if (child !== null && indentOf(child) === indent && isSequenceItem(child.trimStart())) map[name] = this.sequence(indent);
        else map[name] = this.node(indent + 1);
      } else if (/^[|>][-+]?$/.test(rest)) {
        this.i++;
        map[name] = this.blockScalar(rest, indent);
      } else {
        map[name] = this.inlineValue(rest);
      }
    }
    return map;
  }

  /** A literal (|) or folded (>) block scalar after the current line, more indented than `parent`. */
  blockScalar(header, parent) {
    const raw = [];
    let blockIndent = null;
    while (this.i < this.lines.length) {
      const line = this.lines[this.i];
      if (line.trim() === "") {
        raw.push("");
        this.i++;
        continue;
      }
      const indent = indentOf(line);
      if (indent <= parent) break;
      if (blockIndent === null) blockIndent = indent;
      if (indent < blockIndent) this.fail("block scalar line less indented than its first line");
      raw.push(line.slice(blockIndent));
      this.i++;
    }
    let end = raw.length;
    while (end > 0 && raw[end - 1] === "") end--;
    const lines = raw.slice(0, end);
    let text;
    if (header[0] === "|") {
      text = lines.join("\n");
    } else {
      text = "";
      for (let k = 0; k < lines.length; k++) {
        const line = lines[k];
        if (k === 0) text = line;
        else if (line === "") text += "\n";
        else if (line.startsWith(" ") || lines[k - 1].startsWith(" ")) text += "\n" + line;
        else text += (lines[k - 1] === "" ? "" : " ") + line;
      }
    }
    const chomp = header[1];
    if (lines.length === 0) return "";
    if (chomp === "-") return text;
    if (chomp === "+") return text + "\n".repeat(raw.length - end + 1);
    return text + "\n";
  }

  inlineValue(text) {
    const value = stripComment(text).trim();
    if (value.startsWith("{") || value.startsWith("[")) {
      const flow = new FlowReader(value, (m) => this.fail(m));
      const result = flow.value();
      flow.skipSpaces();
      if (!flow.done()) this.fail("content after a flow collection");
      this.i++;
      return result;
    }
    this.i++;
    if (value.startsWith('"') || value.startsWith("'")) {
      const flow = new FlowReader(value, (m) => this.fail(m));
      const result = flow.quoted();
      flow.skipSpaces();
      if (!flow.done()) this.fail("content after a quoted scalar");
      return result;
    }
    if (/^[&*!]/.test(value)) this.fail("anchors, aliases and tags are not supported");
    const following = this.lines[this.i];
    if (following !== undefined && !isBlank(following) && indentOf(following) > indentOf(this.lines[this.i - 1])
      && !isSequenceItem(following.trimStart()) && mappingKey(following.trimStart()) === null) {
      this.fail("multi-line plain scalars are not supported");
    }
    return plainScalar(value);
  }
}

const isSequenceItem = (text) => text === "-" || text.startsWith("- ");

/** The key part of "key: value" (quoted or plain), or null when the text is not a mapping entry. */
function mappingKey(text) {
  if (text.startsWith('"') || text.startsWith("'")) {
    const quote = text[0];
    let k = 1;
    while (k < text.length) {
      if (text[k] === "\\" && quote === '"') k += 2;
      else if (text[k] === quote && quote === "'" && text[k + 1] === "'") k += 2;
      else if (text[k] === quote) break;
      else k++;
    }
    const after = text.slice(k + 1);
    return /^\s*:(\s|$)/.test(after) ? text.slice(0, k + 1) : null;
  }
  if (/^[{[#]/.test(text)) return null;
  const match = /^([^#]*?)\s*:(\s|$)/.exec(text);
  if (!match || match[1] === "" || match[1].includes(": ")) return null;
  return match[1];
}

function unquoteKey(key) {
  if (key.startsWith('"') || key.startsWith("'")) return new FlowReader(key, (m) => { throw new Error(m); }).quoted();
  return key;
}

/** Text without a trailing comment (" #"), quotes respected. */
function stripComment(text) {
  let quote = null;
  for (let k = 0; k < text.length; k++) {
    const c = text[k];
    if (quote) {
      if (c === "\\" && quote === '"') k++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      if (k === 0 || /[\s:,[{]/.test(text[k - 1])) quote = c;
    } else if (c === "#" && (k === 0 || /\s/.test(text[k - 1]))) {
      return text.slice(0, k).trimEnd();
    }
  }
  return text;
}

/** YAML 1.2 core schema resolution of a plain scalar (the rules js-yaml's default schema applies). */
export function plainScalar(value) {
  if (/^(null|Null|NULL|~)?$/.test(value)) return null;
  if (/^(true|True|TRUE)$/.test(value)) return true;
  if (/^(false|False|FALSE)$/.test(value)) return false;
  if (/^[-+]?(0|[1-9][0-9_]*)$/.test(value)) return Number(value.replace(/_/g, ""));
  if (/^0x[0-9a-fA-F_]+$/.test(value)) return parseInt(value.slice(2).replace(/_/g, ""), 16);
  if (/^0o[0-7_]+$/.test(value)) return parseInt(value.slice(2).replace(/_/g, ""), 8);
  if (/^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$/.test(value)) return Number(value.replace(/_/g, ""));
  if (/^[-+]?\.(inf|Inf|INF)$/.test(value)) return value.startsWith("-") ? -Infinity : Infinity;
  if (/^\.(nan|NaN|NAN)$/.test(value)) return NaN;
  return value;
}

/** Reads flow collections ({a: b, c: [d]}) and quoted scalars from one line. */
class FlowReader {
  constructor(text, fail) {
    this.text = text;
    this.k = 0;
    this.fail = fail;
  }

  done() {
    return this.k >= this.text.length;
  }

  skipSpaces() {
    while (!this.done() && /\s/.test(this.text[this.k])) this.k++;
  }

  value() {
    this.skipSpaces();
    const c = this.text[this.k];
    if (c === "{") return this.flowMapping();
    if (c === "[") return this.flowSequence();
    if (c === '"' || c === "'") return this.quoted();
    return this.plain();
  }

  flowMapping() {
    const map = {};
    this.k++;
    for (;;) {
      this.skipSpaces();
      if (this.text[this.k] === "}") { this.k++; return map; }
      const key = this.text[this.k] === '"' || this.text[this.k] === "'" ? this.quoted() : this.plain(true);
      this.skipSpaces();
      if (this.text[this.k] !== ":") this.fail("expected ':' in a flow mapping");
      this.k++;
      this.skipSpaces();
      map[key] = this.text[this.k] === "," || this.text[this.k] === "}" ? null : this.value();
      this.skipSpaces();
      if (this.text[this.k] === ",") this.k++;
      else if (this.text[this.k] !== "}") this.fail("expected ',' or '}' in a flow mapping");
    }
  }

  flowSequence() {
    const items = [];
    this.k++;
    for (;;) {
      this.skipSpaces();
      if (this.text[this.k] === "]") { this.k++; return items; }
      items.push(this.value());
      this.skipSpaces();
      if (this.text[this.k] === ",") this.k++;
      else if (this.text[this.k] !== "]") this.fail("expected ',' or ']' in a flow sequence");
    }
  }

  plain(isKey = false) {
    const start = this.k;
    while (!this.done()) {
      const c = this.text[this.k];
      if (c === "," || c === "}" || c === "]") break;
      if (c === ":" && (isKey || /[\s,}\]]/.test(this.text[this.k + 1] ?? " "))) break;
      this.k++;
    }
    const raw = this.text.slice(start, this.k).trim();
    return isKey ? raw : plainScalar(raw);
  }

  quoted() {
    const quote = this.text[this.k];
    let k = this.k + 1;
    let out = "";
    for (;;) {
      if (k >= this.text.length) this.fail("unterminated quoted scalar");
      const c = this.text[k];
      if (quote === "'") {
        if (c === "'" && this.text[k + 1] === "'") { out += "'"; k += 2; continue; }
        if (c === "'") break;
        out += c;
        k++;
      } else {
        if (c === '"') break;
        if (c === "\\") {
          const escape = this.text[k + 1];
          const simple = { n: "\n", t: "\t", r: "\r", "0": "\0", '"': '"', "\\": "\\", "/": "/", " ": " ", e: "\x1b", b: "\b", f: "\f" };
          if (escape in simple) { out += simple[escape]; k += 2; continue; }
          const width = { x: 2, u: 4, U: 8 }[escape];
          if (!width) this.fail(`unsupported escape \\${escape}`);
          out += String.fromCodePoint(parseInt(this.text.slice(k + 2, k + 2 + width), 16));
          k += 2 + width;
          continue;
        }
        out += c;
        k++;
      }
    }
    this.k = k + 1;
    return out;
  }
}
