// The encoding peer: @lenml/tokenizers (transformers.js's tokenizers) encodes a corpus with the
// real tokenizer.json and tokenizer_config.json of a model, writing one JSON array of ids per line.
//   node tokenize_corpus.mjs PEERS_DIR MODEL_DIR CORPUS.jsonl OUT.jsonl
// PEERS_DIR holds node_modules/@lenml/tokenizers; each corpus line is {"text": ..., "special": bool}
// (special: encode with add_special_tokens). Used by the ctest "text: peer ..." entries.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [peersDir, modelDir, corpusFile, outFile] = process.argv.slice(2);
if (!outFile) {
  console.error("usage: node tokenize_corpus.mjs PEERS_DIR MODEL_DIR CORPUS.jsonl OUT.jsonl");
  process.exit(2);
}
const entry = path.join(peersDir, "node_modules/@lenml/tokenizers/dist/main.mjs");
const { TokenizerLoader } = await import(pathToFileURL(entry).href);
const readJson = (name) => JSON.parse(fs.readFileSync(path.join(modelDir, name), "utf8"));
const tokenizer = TokenizerLoader.fromPreTrained({
  tokenizerJSON: readJson("tokenizer.json"),
  tokenizerConfig: readJson("tokenizer_config.json"),
});
const lines = fs.readFileSync(corpusFile, "utf8").split("\n").filter((line) => line.length > 0);
const out = [];
for (const line of lines) {
  const { text, special } = JSON.parse(line);
  out.push(JSON.stringify(tokenizer.encode(text, { add_special_tokens: special })));
}
fs.writeFileSync(outFile, out.join("\n") + "\n");
console.log(`${path.basename(path.dirname(modelDir))}: ${lines.length} texts encoded by @lenml/tokenizers`);
