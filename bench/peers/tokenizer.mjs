// Tokenizer throughput of @lenml/tokenizers (transformers.js's tokenizers), the JavaScript peer
// of bench_tokenizer: the same corpus, passes and figures as bench/tokenizer_timing.hpp (one
// thread, no special tokens added, the first pass a warm-up that gives the ids, the median of the
// timed passes, by CPU time and by wall-clock). The CPU time is the process's (node has no clock
// of one thread before v23.9), so V8's background garbage-collection threads are counted too.
//
//   node bench/peers/tokenizer.mjs PEERS_DIR MODEL_DIR CORPUS.jsonl [--ids=FILE] [--passes=3] [--seconds=2]
//
// PEERS_DIR holds node_modules/@lenml/tokenizers (scripts/peers); MODEL_DIR holds tokenizer.json
// and tokenizer_config.json. Prints one JSON line; --ids writes the ids, one text per line.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [peersDir, modelDir, corpusPath, ...rest] = process.argv.slice(2);
if (!corpusPath) {
  console.error("usage: node tokenizer.mjs PEERS_DIR MODEL_DIR CORPUS.jsonl [--ids=FILE] [--passes=3] [--seconds=2]");
  process.exit(2);
}
const option = (name, fallback) => {
  const found = rest.find((arg) => arg.startsWith(`--${name}=`));
  return found === undefined ? fallback : found.slice(name.length + 3);
};
const { TokenizerLoader } = await import(
  pathToFileURL(join(peersDir, "node_modules/@lenml/tokenizers/dist/main.mjs")).href);

const texts = readFileSync(corpusPath, "utf8").split("\n").filter((line) => line.length > 0).map((line) => JSON.parse(line))
  .map((value) => (typeof value === "string" ? value : value.text));
const bytes = texts.reduce((sum, text) => sum + Buffer.byteLength(text, "utf8"), 0);

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  return n % 2 === 1 ? sorted[(n - 1) / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
};
const now = () => Number(process.hrtime.bigint()) / 1e9;
const cpuNow = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

// Load time: reading and parsing both files and building the tokenizer, as on the C++ side.
const loadSeconds = [];
let tokenizer;
for (let i = 0; i < 5; ++i) {
  const start = now();
  tokenizer = TokenizerLoader.fromPreTrained({
    tokenizerJSON: JSON.parse(readFileSync(join(modelDir, "tokenizer.json"), "utf8")),
    tokenizerConfig: JSON.parse(readFileSync(join(modelDir, "tokenizer_config.json"), "utf8")),
  });
  loadSeconds.push(now() - start);
}
const encode = (text) => tokenizer.encode(text, { add_special_tokens: false });

let tokens = 0;
const idLines = [];
for (const text of texts) {
  const ids = encode(text);
  tokens += ids.length;
  idLines.push(ids.join(" "));
}
const idsPath = option("ids", "");
if (idsPath) writeFileSync(idsPath, idLines.join("\n") + "\n");

const minPasses = Number(option("passes", "3"));
const minSeconds = Number(option("seconds", "2"));
const passSeconds = [];
const wallPassSeconds = [];
let spent = 0;
while (passSeconds.length < minPasses || spent < minSeconds) {
  const start = now();
  const cpuStart = cpuNow();
  let passTokens = 0;
  for (const text of texts) passTokens += encode(text).length;
  passSeconds.push(cpuNow() - cpuStart);
  const wall = now() - start;
  if (passTokens !== tokens) throw new Error("the passes gave different token counts");
  wallPassSeconds.push(wall);
  spent += wall;
}
const seconds = median(passSeconds);
const wallSeconds = median(wallPassSeconds);
console.log(JSON.stringify({
  side: "@lenml/tokenizers",
  vocabulary: modelDir,
  texts: texts.length,
  bytes,
  tokens,
  passes: passSeconds.length,
  pass_seconds: passSeconds,
  seconds,
  tokens_per_second: tokens / seconds,
  mb_per_second: bytes / seconds / 1e6,
  wall_pass_seconds: wallPassSeconds,
  wall_seconds: wallSeconds,
  wall_mb_per_second: bytes / wallSeconds / 1e6,
  load_seconds: loadSeconds,
  load_seconds_median: median(loadSeconds),
}));
