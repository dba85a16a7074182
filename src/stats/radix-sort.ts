/**
 * Typed-array sorts faster than the native ones for the arrays a report sorts by the thousand
 * (a million runs: 9 million metric values in 3,600 groups, 10 million call latencies in 400
 * cells). Least-significant-digit radix sorts in 11-bit digits, hand-written because no library
 * sorts typed arrays faster than the native sort; equal numbers are indistinguishable, so each
 * result is exactly the native sort's (bench/PROFILE.md, fifth and tenth passes).
 *
 * Their scratch arrays are kept from call to call: a fresh one per call would be new external
 * memory each time, and growth of external memory is what makes V8 collect the whole heap (a
 * million records included) sooner.
 */
import { endianness } from 'node:os';

/** Below this many values the native sort is faster than the radix passes (2,048 counters each). */
const RADIX_MIN_VALUES = 256;
const RADIX_BITS = 11;
const DIGIT = (1 << RADIX_BITS) - 1;
const radixCounts = new Int32Array(1 << RADIX_BITS);
let radixKeys = new Uint32Array(0);
let radixSpare = new Uint32Array(0);
let intScratchBuffer = new Int32Array(0);

/** A reused Int32Array of length n. */
function intScratch(n: number): Int32Array {
  if (intScratchBuffer.length < n) intScratchBuffer = new Int32Array(Math.max(n, 2 * intScratchBuffer.length));
  return intScratchBuffer.subarray(0, n);
}

/**
 * Sorts 32-bit whole numbers (as doubles, no -0) in place. Small arrays: the native Int32Array
 * sort. Larger ones: a radix sort of (value − min), as many passes as the range needs (two for a
 * cell's durations or tokens), ≈ 0.6× the native sort's time for 2,500 values.
 */
export function sortWholeNumbers(out: Float64Array): void {
  const n = out.length;
  if (n < RADIX_MIN_VALUES) {
    const ints = intScratch(n);
    ints.set(out);
    out.set(ints.sort());
    return;
  }
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = out[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (radixKeys.length < n) {
    radixKeys = new Uint32Array(Math.max(n, 2 * radixKeys.length));
    radixSpare = new Uint32Array(radixKeys.length);
  }
  let from = radixKeys;
  let to = radixSpare;
  for (let i = 0; i < n; i++) from[i] = (out[i] as number) - min; // 0 … 2^32 − 1, exact
  const range = max - min;
  for (let shift = 0; shift < 32 && Math.floor(range / 2 ** shift) > 0; shift += RADIX_BITS) {
    radixCounts.fill(0);
    for (let i = 0; i < n; i++) radixCounts[((from[i] as number) >>> shift) & DIGIT]!++;
    let sum = 0;
    for (let d = 0; d < radixCounts.length; d++) {
      const c = radixCounts[d] as number;
      radixCounts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const key = from[i] as number;
      to[radixCounts[(key >>> shift) & DIGIT]!++] = key;
    }
    [from, to] = [to, from];
  }
  for (let i = 0; i < n; i++) out[i] = (from[i] as number) + min;
}

const LITTLE_ENDIAN = endianness() === 'LE';
/** The high word's three digits (11, 11 and 10 bits). */
const HIGH_DIGITS = 3;
const highCounts = new Int32Array(HIGH_DIGITS << RADIX_BITS);
let doubleSpare = new Float64Array(0);
/** Longest run of equal high words sorted by insertion; longer ones take the native sort. */
const INSERTION_MAX = 16;

/** A double's high word as a key that orders as the numbers do: a negative number's bits flipped, a positive one's sign bit set. */
const highKey = (hi: number): number => (hi ^ ((hi >> 31) | 0x80000000)) >>> 0;

/**
 * Sorts doubles in place, in the order Float64Array.prototype.sort gives (-0 before 0), in
 * ≈ 0.5× its time for 25,000 call latencies (bench/PROFILE.md, tenth pass). A radix sort of
 * each double's high 32 bits (sign, exponent and 20 bits of mantissa), read as a key that
 * orders as the numbers do; a digit every key shares (a cell's latencies all between 1,024 and
 * 2,048 ms) costs no pass. Numbers that share their high word are then next to each other and
 * few (they agree to 6 significant digits): each such run is sorted by insertion, or by the
 * native sort when longer than INSERTION_MAX. Arrays holding a NaN, small arrays and
 * big-endian machines take the native sort.
 */
export function sortDoubles(a: Float64Array): Float64Array {
  const n = a.length;
  if (n < RADIX_MIN_VALUES || !LITTLE_ENDIAN) return a.sort();
  const words = new Uint32Array(a.buffer, a.byteOffset, 2 * n);
  const counts = highCounts;
  counts.fill(0);
  for (let i = 0; i < n; i++) {
    const hi = words[2 * i + 1] as number;
    if ((hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0xfffff) | (words[2 * i] as number)) !== 0) return a.sort(); // a NaN
    const key = highKey(hi);
    counts[key & DIGIT]!++;
    counts[(1 << RADIX_BITS) + ((key >>> RADIX_BITS) & DIGIT)]!++;
    counts[(2 << RADIX_BITS) + (key >>> (2 * RADIX_BITS))]!++;
  }
  if (doubleSpare.length < n) doubleSpare = new Float64Array(Math.max(n, 2 * doubleSpare.length));
  let from: Float64Array = a;
  let fromWords: Uint32Array = words;
  let to: Float64Array = doubleSpare.subarray(0, n);
  let toWords: Uint32Array = new Uint32Array(to.buffer, to.byteOffset, 2 * n);
  for (let d = 0; d < HIGH_DIGITS; d++) {
    const base = d << RADIX_BITS;
    // a digit every key shares leaves the order as it is
    let shared = false;
    let sum = 0;
    for (let v = base; v <= base + DIGIT; v++) {
      const c = counts[v] as number;
      if (c === n) shared = true;
      counts[v] = sum;
      sum += c;
    }
    if (shared) continue;
    const shift = d * RADIX_BITS;
    for (let i = 0; i < n; i++) {
      const key = highKey(fromWords[2 * i + 1] as number);
      to[counts[base + ((key >>> shift) & DIGIT)]!++] = from[i] as number;
    }
    [from, to] = [to, from];
    [fromWords, toWords] = [toWords, fromWords];
  }
  if (from !== a) a.set(from);
  // runs of equal high words, in the order of their low words (the same as the numbers' order)
  let start = 0;
  for (let i = 1; i <= n; i++) {
    if (i < n && words[2 * i + 1] === words[2 * start + 1]) continue;
    const length = i - start;
    if (length > INSERTION_MAX) a.subarray(start, i).sort();
    else if (length > 1) {
      for (let j = start + 1; j < i; j++) {
        const v = a[j] as number;
        let at = j - 1;
        while (at >= start && (a[at] as number) > v) {
          a[at + 1] = a[at] as number;
          at--;
        }
        a[at + 1] = v;
      }
    }
    start = i;
  }
  return a;
}
