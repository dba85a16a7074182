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
/** Six digits of a 64-bit key: three of the low word (11, 11, 10 bits), three of the high one. */
const DOUBLE_DIGITS = 6;
const doubleCounts = new Int32Array(DOUBLE_DIGITS << RADIX_BITS);
let keyWords = new Uint32Array(0);
let spareWords = new Uint32Array(0);

/**
 * Sorts doubles in place, in the order Float64Array.prototype.sort gives (-0 before 0), in
 * ≈ 0.4× its time for 25,000 call latencies (bench/PROFILE.md, tenth pass): a radix sort of
 * 64-bit keys that order as the numbers do (a negative number's bits all flipped, a positive
 * one's sign bit set), as pairs of 32-bit words; a digit that every key shares (whole numbers'
 * low words) costs no pass. Arrays holding a NaN, small arrays and big-endian machines take the
 * native sort.
 */
export function sortDoubles(a: Float64Array): Float64Array {
  const n = a.length;
  if (n < RADIX_MIN_VALUES || !LITTLE_ENDIAN) return a.sort();
  const words = new Uint32Array(a.buffer, a.byteOffset, 2 * n);
  if (keyWords.length < 2 * n) {
    keyWords = new Uint32Array(Math.max(2 * n, 2 * keyWords.length));
    spareWords = new Uint32Array(keyWords.length);
  }
  let from = keyWords;
  let to = spareWords;
  const counts = doubleCounts;
  counts.fill(0);
  for (let i = 0; i < n; i++) {
    const lo = words[2 * i] as number;
    const hi = words[2 * i + 1] as number;
    if ((hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0xfffff) | lo) !== 0) return a.sort(); // a NaN
    const mask = hi >> 31;
    const keyLo = (lo ^ mask) >>> 0;
    const keyHi = (hi ^ (mask | 0x80000000)) >>> 0;
    from[2 * i] = keyLo;
    from[2 * i + 1] = keyHi;
    counts[keyLo & DIGIT]!++;
    counts[(1 << RADIX_BITS) + ((keyLo >>> RADIX_BITS) & DIGIT)]!++;
    counts[(2 << RADIX_BITS) + (keyLo >>> (2 * RADIX_BITS))]!++;
    counts[(3 << RADIX_BITS) + (keyHi & DIGIT)]!++;
    counts[(4 << RADIX_BITS) + ((keyHi >>> RADIX_BITS) & DIGIT)]!++;
    counts[(5 << RADIX_BITS) + (keyHi >>> (2 * RADIX_BITS))]!++;
  }
  for (let d = 0; d < DOUBLE_DIGITS; d++) {
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
    const shift = (d % 3) * RADIX_BITS;
    if (d < 3) {
      for (let i = 0; i < n; i++) {
        const keyLo = from[2 * i] as number;
        const at = 2 * counts[base + ((keyLo >>> shift) & DIGIT)]!++;
        to[at] = keyLo;
        to[at + 1] = from[2 * i + 1] as number;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const keyHi = from[2 * i + 1] as number;
        const at = 2 * counts[base + ((keyHi >>> shift) & DIGIT)]!++;
        to[at] = from[2 * i] as number;
        to[at + 1] = keyHi;
      }
    }
    [from, to] = [to, from];
  }
  for (let i = 0; i < n; i++) {
    const keyLo = from[2 * i] as number;
    const keyHi = from[2 * i + 1] as number;
    const mask = ~(keyHi >> 31); // all ones for a negative number's key (its top bit clear)
    words[2 * i] = keyLo ^ mask;
    words[2 * i + 1] = keyHi ^ (mask | 0x80000000);
  }
  return a;
}
