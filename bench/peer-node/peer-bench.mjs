// Peer baseline for `portscan-edge bench`: what a user might build instead in Node.js — sharp (libvips/libpng)
// decodes the 16-bit radiograph and reduces it, plain JavaScript applies the model contract's transform and cuts
// overlapping tiles, onnxruntime-node runs the same model, and the tile maps are stitched and scored.
// Same files, same model, same tiling and batch size as the C# pipeline; intra-op threads as given.
//
//   node peer-bench.mjs --model ../../models/test/portscan-test-localcontrast.onnx --images DIR [--frames 50] [--warmup 5] [--threads 2] [--batch 4]
//
// The last stdout line is one JSON object (scans_per_second, e2e_ms_p50, decode_ms_p50, infer_ms_p50, ...).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import ort from 'onnxruntime-node';

function parseArgs(argv) {
  const args = { frames: 50, warmup: 5, threads: 2, batch: 4 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`missing value for --${key}`);
    args[key] = ['frames', 'warmup', 'threads', 'batch'].includes(key) ? Number(value) : value;
  }
  if (!args.model || !args.images) throw new Error('usage: --model PATH --images DIR [--frames N] [--warmup N] [--threads N] [--batch N]');
  return args;
}

const args = parseArgs(process.argv.slice(2));
sharp.concurrency(args.threads);
sharp.cache(false); // every frame must really decode its file, as a lane would

const session = await ort.InferenceSession.create(args.model, {
  intraOpNumThreads: args.threads,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  executionMode: 'sequential',
});
const meta = readMetadata(args.model);
const tileH = Number(meta['portscan.input_height'] ?? 256);
const tileW = Number(meta['portscan.input_width'] ?? tileH);
const channels = Number(meta['portscan.channels'] ?? 3);
if (channels !== 1 && channels !== 3) {
  console.error(`peer-bench: the model takes ${channels} channels; the peer feeds one grey image (1 channel, or replicated into 3)`);
  process.exit(2);
}
const downsample = Number(meta['portscan.downsample'] ?? 1);
const overlap = Number(meta['portscan.tile_overlap'] ?? 0);
const scale = Number(meta['portscan.pixel_scale'] ?? 65535);
const logTransform = (meta['portscan.transform'] ?? 'linear') === 'log_attenuation';
const files = readdirSync(args.images).filter((f) => /\.(png|tiff?)$/i.test(f)).sort().map((f) => join(args.images, f));
if (files.length === 0) throw new Error(`no images in ${args.images}`);

function readMetadata(path) {
  // onnxruntime-node does not expose metadata_props, so walk the protobuf: ModelProto field 14 holds
  // StringStringEntryProto messages (key = field 1, value = field 2).
  const bytes = readFileSync(path);
  const result = {};
  const varint = (buf, at) => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const b = buf[at++];
      value += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (b < 0x80) return [value, at];
    }
  };
  const fields = (buf, visit) => {
    let at = 0;
    while (at < buf.length) {
      let key;
      [key, at] = varint(buf, at);
      const field = Math.floor(key / 8);
      const wire = key & 7;
      if (wire === 0) { [, at] = varint(buf, at); continue; }
      if (wire === 1) { at += 8; continue; }
      if (wire === 5) { at += 4; continue; }
      if (wire !== 2) throw new Error(`unexpected protobuf wire type ${wire}`);
      let length;
      [length, at] = varint(buf, at);
      visit(field, buf.subarray(at, at + length));
      at += length;
    }
  };
  fields(bytes, (field, payload) => {
    if (field !== 14) return;
    let key = '';
    let value = '';
    fields(payload, (f, p) => { if (f === 1) key = p.toString('utf8'); else if (f === 2) value = p.toString('utf8'); });
    result[key] = value;
  });
  return result;
}

function positions(length, tile) {
  if (length <= tile) return [0];
  const stride = tile - overlap;
  const count = Math.ceil((length - tile) / stride) + 1;
  const list = [];
  for (let i = 0; i < count - 1; i++) list.push(i * stride);
  list.push(length - tile);
  return list;
}

async function analyse(file) {
  const t0 = performance.now();
  const image = sharp(readFileSync(file), { limitInputPixels: 64e6 }).toColourspace('grey16');
  const info = await image.metadata();
  const width = Math.ceil(info.width / downsample);
  const height = Math.ceil(info.height / downsample);
  const { data } = await image.resize(width, height, { kernel: 'linear' }).raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
  const t1 = performance.now();
  const raw = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
  const plane = new Float32Array(width * height);
  const lnScale = Math.log(scale);
  for (let i = 0; i < plane.length; i++) {
    const v = raw[i];
    plane[i] = logTransform ? Math.min(1, Math.max(0, -Math.log(Math.max(v, 1) / scale) / lnScale)) : v / scale;
  }
  const xs = positions(width, tileW);
  const ys = positions(height, tileH);
  const origins = [];
  for (const y of ys) for (const x of xs) origins.push([x, y]);
  const sum = new Float32Array(width * height);
  const weight = new Float32Array(width * height);
  let score = -Infinity;
  let preprocessMs = performance.now() - t1;
  let inferMs = 0;
  const tileLength = tileH * tileW;
  for (let first = 0; first < origins.length; first += args.batch) {
    const tp = performance.now();
    const input = new Float32Array(args.batch * channels * tileLength);
    const count = Math.min(args.batch, origins.length - first);
    for (let s = 0; s < count; s++) {
      const [ox, oy] = origins[first + s];
      for (let c = 0; c < channels; c++) {
        const base = (s * channels + c) * tileLength;
        for (let y = 0; y < tileH; y++) {
          for (let x = 0; x < tileW; x++) {
            const sx = ox + x;
            const sy = oy + y;
            input[base + y * tileW + x] = sx < width && sy < height ? plane[sy * width + sx] : 0;
          }
        }
      }
    }
    const ti = performance.now();
    const out = await session.run({ input: new ort.Tensor('float32', input, [args.batch, channels, tileH, tileW]) });
    const tr = performance.now();
    preprocessMs += ti - tp;
    inferMs += tr - ti;
    const scores = out.pred_score.data;
    const maps = out.anomaly_map.data;
    for (let s = 0; s < count; s++) {
      score = Math.max(score, scores[s]);
      const [ox, oy] = origins[first + s];
      for (let y = 0; y < tileH && oy + y < height; y++) {
        for (let x = 0; x < tileW && ox + x < width; x++) {
          const at = (oy + y) * width + ox + x;
          sum[at] += maps[s * tileLength + y * tileW + x];
          weight[at] += 1;
        }
      }
    }
  }
  let peak = 0;
  for (let i = 0; i < sum.length; i++) {
    const v = weight[i] > 0 ? sum[i] / weight[i] : 0;
    if (v > peak) peak = v;
  }
  const t2 = performance.now();
  return { decode: t1 - t0, preprocess: preprocessMs, infer: inferMs, total: t2 - t0, score, peak };
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.min(sorted.length - 1, low + 1);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

const results = [];
let measuredMs = 0;
for (let frame = 0; frame < args.warmup + args.frames; frame++) {
  const started = performance.now();
  const r = await analyse(files[frame % files.length]);
  if (frame >= args.warmup) {
    results.push(r);
    measuredMs += performance.now() - started;
  }
  process.stderr.write(`\rpeer-node: frame ${frame + 1}/${args.warmup + args.frames}, last scan ${r.total.toFixed(1)} ms   `);
}
process.stderr.write('\n');
const summary = {
  mode: 'peer-node',
  frames: args.frames,
  images: files.length,
  scans_per_second: Number((args.frames / (measuredMs / 1000)).toFixed(3)),
  e2e_ms_p50: Number(percentile(results.map((r) => r.total), 50).toFixed(3)),
  e2e_ms_p95: Number(percentile(results.map((r) => r.total), 95).toFixed(3)),
  decode_ms_p50: Number(percentile(results.map((r) => r.decode), 50).toFixed(3)),
  preprocess_ms_p50: Number(percentile(results.map((r) => r.preprocess), 50).toFixed(3)),
  infer_ms_p50: Number(percentile(results.map((r) => r.infer), 50).toFixed(3)),
  peak_rss_mb: Number((process.resourceUsage().maxRSS / 1024).toFixed(1)),
  scores: [...new Set(results.map((r) => r.score.toFixed(4)))],
};
console.log(`peer-node: ${summary.scans_per_second} scans/s, e2e p50 ${summary.e2e_ms_p50} ms (decode ${summary.decode_ms_p50}, preprocess ${summary.preprocess_ms_p50}, infer ${summary.infer_ms_p50})`);
console.log(JSON.stringify(summary));
