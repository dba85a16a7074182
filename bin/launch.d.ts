/** Types of bin/launch.js (plain JavaScript: it runs before any TypeScript loader). */
export declare const PACKAGE_ROOT: string;
export declare const DIST_DIR: string;
export declare const BUILD_STAMP: string;
export declare function sourceFingerprint(root?: string): string;
export declare function sourceStats(root?: string): string;
export declare function readBuildStamp(root?: string): { sources: string; stats?: string } | null;
export declare function distIsFresh(root?: string): boolean;
export declare function chooseCode(env?: Record<string, string | undefined>, root?: string): 'dist' | 'src';
export declare function launch(argv: string[]): Promise<void>;
