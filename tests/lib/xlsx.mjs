// Just enough of .xlsx reading for tests: every cell text of every sheet (shared and inline
// strings), straight from the zip with node's zlib — no dependency.
import { inflateRawSync } from 'node:zlib';
import assert from 'node:assert/strict';

/** The entries of a zip file: Map name → Buffer (uncompressed). */
export function unzip(buf) {
  assert.equal(buf.subarray(0, 2).toString('latin1'), 'PK', 'a zip file');
  // End of central directory: signature 0x06054b50 within the last 64 KiB.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  assert.ok(eocd >= 0, 'zip end-of-central-directory record');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out = new Map();
  for (let n = 0; n < count; n++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50, 'central directory entry');
    const method = buf.readUInt16LE(p + 10);
    const csize = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    const lNameLen = buf.readUInt16LE(local + 26);
    const lExtraLen = buf.readUInt16LE(local + 28);
    const start = local + 30 + lNameLen + lExtraLen;
    const data = buf.subarray(start, start + csize);
    out.set(name, method === 0 ? Buffer.from(data) : inflateRawSync(data));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

const unescape = (s) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&amp;/g, '&');

/** Every text of the workbook (shared strings, inline strings, numbers as text). */
export function xlsxTexts(buf) {
  const files = unzip(buf);
  const texts = [];
  for (const [name, data] of files) {
    if (!/^xl\/(sharedStrings\.xml|worksheets\/.*\.xml)$/.test(name)) continue;
    const xml = data.toString('utf8');
    for (const m of xml.matchAll(/<t(?:\s[^>]*)?>([\s\S]*?)<\/t>/g)) texts.push(unescape(m[1]));
    for (const m of xml.matchAll(/<v>([^<]*)<\/v>/g)) texts.push(unescape(m[1]));
  }
  return texts;
}

/** Rows of the first worksheet as arrays of strings (shared strings resolved). */
export function xlsxRows(buf) {
  const files = unzip(buf);
  const shared = [];
  const ss = files.get('xl/sharedStrings.xml');
  if (ss) {
    for (const si of ss.toString('utf8').matchAll(/<si>([\s\S]*?)<\/si>/g)) {
      shared.push([...si[1].matchAll(/<t(?:\s[^>]*)?>([\s\S]*?)<\/t>/g)].map((m) => unescape(m[1])).join(''));
    }
  }
  const sheetName = [...files.keys()].filter((n) => /^xl\/worksheets\/sheet\d+\.xml$/.test(n)).sort()[0];
  const xml = files.get(sheetName).toString('utf8');
  const rows = [];
  for (const r of xml.matchAll(/<row[^>]*>([\s\S]*?)<\/row>/g)) {
    const row = [];
    for (const c of r[1].matchAll(/<c([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const attrs = c[1];
      const body = c[2] || '';
      const ref = /r="([A-Z]+)\d+"/.exec(attrs)?.[1];
      const col = ref ? [...ref].reduce((a, ch) => a * 26 + ch.charCodeAt(0) - 64, 0) - 1 : row.length;
      const t = /t="(\w+)"/.exec(attrs)?.[1];
      let v = '';
      if (t === 's') v = shared[Number(/<v>([^<]*)<\/v>/.exec(body)?.[1])] ?? '';
      else if (t === 'inlineStr') v = [...body.matchAll(/<t(?:\s[^>]*)?>([\s\S]*?)<\/t>/g)].map((m) => unescape(m[1])).join('');
      else v = unescape(/<v>([^<]*)<\/v>/.exec(body)?.[1] ?? '');
      row[col] = v;
    }
    rows.push(Array.from(row, (x) => x ?? ''));
  }
  return rows;
}
