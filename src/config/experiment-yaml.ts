/**
 * YAML parsing for experiment and task files, on top of the config loader's YamlSource and
 * zod-issue locating, so spec errors read like proxy-config errors (`file:line:col: key: …`).
 */
import type { z } from 'zod';
import { formatPath, YamlSource, type ConfigPath } from './yaml-source.ts';
import { zodErrorToConfigError } from './zod-issues.ts';

export class LocatedYaml {
  readonly value: unknown;

  constructor(
    readonly file: string,
    private readonly src: YamlSource,
  ) {
    this.value = src.toJS();
  }

  static parse(text: string, file: string): LocatedYaml {
    return new LocatedYaml(file, YamlSource.parse(text, file));
  }

  /** File, line, column and key of the value at `path` (or of its nearest existing parent). */
  at(path: ConfigPath): { file: string; line: number; column: number; key: string } {
    return { file: this.file, ...this.src.locate(path), key: formatPath(path) };
  }

  /** Validates the document with `schema`; the first issue (in file order) becomes a located ConfigError. */
  parseWith<S extends z.ZodType>(schema: S): z.infer<S> {
    const r = schema.safeParse(this.value);
    if (r.success) return r.data;
    throw zodErrorToConfigError(r.error, schema, this.src, this.value);
  }
}
