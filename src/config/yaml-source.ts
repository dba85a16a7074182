/**
 * A parsed YAML config file that can say where any key path sits in the text, so every error
 * and warning points at a line and column.
 */
import { LineCounter, isMap, isNode, isSeq, parseDocument, type Document, type Node, type Pair } from 'yaml';
import { ConfigError, formatWhere } from './config-error.ts';

export type ConfigPath = ReadonlyArray<PropertyKey>;

/** `model_list[1].litellm_params.model`; keys that are not plain words are quoted: `["a.b"]`. */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_][\w-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

export interface Position {
  line: number;
  column: number;
}

export class YamlSource {
  private constructor(
    readonly file: string,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
    /** Where this view's document sits in the file's (a block of a larger file: see `sub`). */
    private readonly root: ConfigPath = [],
  ) {}

  /**
   * The block at `path` as a document of its own, located in the same file: a config written
   * inside another (an experiment's `proxy:` block) gets errors at its real lines.
   */
  sub(path: ConfigPath): YamlSource {
    return new YamlSource(this.file, this.doc, this.lines, [...this.root, ...path]);
  }

  /** Parses `text`; a syntax error becomes a ConfigError at the error's position. */
  static parse(text: string, file: string): YamlSource {
    const lines = new LineCounter();
    // merge: PyYAML (which LiteLLM uses) honours `<<: *anchor` merge keys; YAML 1.2 does not by default.
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, merge: true });
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0] ?? lines.linePos(err.pos[0]);
      // yaml's pretty message ends in " at line N, column M:" plus a code excerpt; we print our own position.
      const detail = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      throw new ConfigError(`YAML syntax error: ${detail}`, {
        code: 'config_yaml_syntax',
        file,
        line: pos.line,
        column: pos.col,
        cause: err,
      });
    }
    return new YamlSource(file, doc, lines);
  }

  /** The document as plain data (`{}` for an empty file). */
  toJS(): unknown {
    if (this.root.length === 0) return this.doc.toJS() ?? {};
    const node = this.nodeAt([]);
    return (isNode(node) ? node.toJS(this.doc) : node) ?? {};
  }

  /** Warnings of the YAML parser itself (e.g. unknown tags), located. */
  yamlWarnings(): string[] {
    return this.doc.warnings.map((w) => {
      const pos = w.linePos?.[0] ?? this.lines.linePos(w.pos[0]);
      return `${formatWhere({ file: this.file, line: pos.line, column: pos.col })}${w.message.split('\n')[0]}`;
    });
  }

  /**
   * Where `path` is written. `at: 'value'` points at the value (the default), `at: 'key'` at
   * the key. A path that does not exist (a missing key) points at its nearest existing parent key.
   */
  locate(path: ConfigPath, at: 'key' | 'value' = 'value'): Position {
    for (let i = path.length; i > 0; i--) {
      const parent = this.nodeAt(path.slice(0, i - 1));
      const seg = path[i - 1];
      const exact = i === path.length;
      if (isMap(parent)) {
        const pair = parent.items.find((p) => scalarValue(p.key) === seg) as Pair<Node, Node | null> | undefined;
        if (!pair) continue;
        const useValue = exact && at === 'value' && pair.value?.range && !isNullScalar(pair.value);
        const pos = this.position(useValue ? pair.value : pair.key);
        if (pos) return pos;
      } else if (isSeq(parent) && typeof seg === 'number') {
        const pos = this.position(parent.items[seg] as Node | undefined);
        if (pos) return pos;
      }
    }
    return this.position(this.nodeAt([])) ?? { line: 1, column: 1 };
  }

  private nodeAt(path: ConfigPath): unknown {
    const full = [...this.root, ...path];
    return full.length === 0 ? this.doc.contents : this.doc.getIn(full as unknown[], true);
  }

  private position(node: unknown): Position | undefined {
    const range = (node as Node | null | undefined)?.range;
    if (!range) return undefined;
    const p = this.lines.linePos(range[0]);
    return { line: p.line, column: p.col };
  }
}

function scalarValue(node: unknown): unknown {
  return node !== null && typeof node === 'object' && 'value' in node ? (node as { value: unknown }).value : node;
}

function isNullScalar(node: unknown): boolean {
  return scalarValue(node) === null && (node as Node).range?.[0] === (node as Node).range?.[1];
}
