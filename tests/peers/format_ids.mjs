// The peer of the whole text path of a model directory: for the real tokenizer files of
// @lenml/tokenizer-{llama3_1,qwen3,gemma3}, the model's chat_template rendered by
// @huggingface/jinja for [system?, user: prompt, assistant: response] (add_generation_prompt false,
// bos_token/eos_token from tokenizer_config.json, the fixed date_string), then encoded by
// @lenml/tokenizers without adding special tokens — what apply_chat_template(tokenize=True)
// gives. Writes one JSON object per line: {"package", "system", "prompt", "response", "ids"}.
//
// Qwen3's template takes the response after `.lstrip('\n')`, which in Python (transformers)
// removes newlines only, while the peer's lstrip ignores its argument and removes all whitespace:
// for Qwen3 the generated responses start with no whitespace, so the peer's text is Python's (the
// chat tests check Python's behaviour there against Jinja2 itself).
//
//   node format_ids.mjs PEERS_DIR OUT.jsonl [PAIRS]      (PAIRS per package and system setting; default 60)
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const [peersDir, outFile, pairsArg] = process.argv.slice(2);
if (!peersDir || !outFile) {
  console.error("usage: node format_ids.mjs PEERS_DIR OUT.jsonl [PAIRS]");
  process.exit(2);
}
const pairs = pairsArg ? Number(pairsArg) : 60;
const require = createRequire(path.join(peersDir, "node_modules", "noop.js"));
const { Template } = await import(require.resolve("@huggingface/jinja"));
const { TokenizerLoader } = await import(
  pathToFileURL(path.join(peersDir, "node_modules/@lenml/tokenizers/dist/main.mjs")).href);

// A deterministic generator (mulberry32) and the pieces of texts: scripts, whitespace, markup,
// and the text of special tokens inside content.
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pieces = ["Hello", " world", "!", "\n\n", "  ", "\t", "**bold**", "- item\n", "1. first\n", "12345", " 3.14",
  "naïve café", "日本語のテキスト", "مرحبا بالعالم", "👩‍💻 emoji", "e\u0301", "```py\nprint(1)\n```", "It's", " don't",
  "<|eot_id|>", "<|im_end|>", "<end_of_turn>", "{{ x }}", "{% if %}", "\r\n", " \u00a0", "Ünïcödé", "😀😀", "   lead"];
const token = (v) => (v && typeof v === "object" ? v.content : v) ?? "";

const out = [];
for (const pkg of ["llama3_1", "qwen3", "gemma3"]) {
  const dir = path.join(peersDir, "node_modules", "@lenml", `tokenizer-${pkg}`, "models");
  const read = (name) => JSON.parse(fs.readFileSync(path.join(dir, name), "utf8"));
  const config = read("tokenizer_config.json");
  const tokenizer = TokenizerLoader.fromPreTrained({ tokenizerJSON: read("tokenizer.json"), tokenizerConfig: config });
  const template = new Template(config.chat_template);
  const next = generator(pkg.length * 7919);
  const text = () => {
    let s = "";
    const n = 1 + Math.floor(next() * 8);
    for (let i = 0; i < n; ++i) s += pieces[Math.floor(next() * pieces.length)];
    return s;
  };
  for (const system of [null, "You are a helpful assistant."]) {
    for (let i = 0; i < pairs; ++i) {
      const prompt = text();
      const response = pkg === "qwen3" ? text().replace(/^\s+/u, "") : text();
      const messages = [];
      if (system !== null) messages.push({ role: "system", content: system });
      messages.push({ role: "user", content: prompt }, { role: "assistant", content: response });
      const context = { messages, add_generation_prompt: false, tools: null, documents: null, date_string: "26 Jul 2024" };
      if (token(config.bos_token)) context.bos_token = token(config.bos_token);
      if (token(config.eos_token)) context.eos_token = token(config.eos_token);
      const rendered = template.render(context);
      const ids = tokenizer.encode(rendered, { add_special_tokens: false });
      out.push(JSON.stringify({ package: pkg, system, prompt, response, ids }));
    }
  }
}
fs.writeFileSync(outFile, out.join("\n") + "\n");
console.log(`${out.length} conversations rendered by @huggingface/jinja and encoded by @lenml/tokenizers`);
