// Token ids of (prompt, response) pairs for a model directory that holds real tokenizer files,
// computed without cirm: the directory's chat_template (tokenizer_config.json) rendered by
// @huggingface/jinja for [user: prompt, assistant: response] with add_generation_prompt false,
// bos_token/eos_token from tokenizer_config.json and the fixed date_string, then encoded by
// @lenml/tokenizers without adding special tokens (what apply_chat_template(tokenize=True) gives).
// tools/peers/llama_rm_peer.py runs it for the random checkpoints in real configurations.
//
//   node sample_ids.mjs PEERS_DIR MODEL_DIR SAMPLES.json OUT.json
// SAMPLES.json: [{"prompt": ..., "response": ...}, ...]; OUT.json: [[ids of sample 0], ...].
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const [peersDir, modelDir, samplesFile, outFile] = process.argv.slice(2);
if (!outFile) {
  console.error("usage: node sample_ids.mjs PEERS_DIR MODEL_DIR SAMPLES.json OUT.json");
  process.exit(2);
}
const require = createRequire(path.join(peersDir, "node_modules", "noop.js"));
const { Template } = await import(require.resolve("@huggingface/jinja"));
const { TokenizerLoader } = await import(
  pathToFileURL(path.join(peersDir, "node_modules/@lenml/tokenizers/dist/main.mjs")).href);

const read = (name) => JSON.parse(fs.readFileSync(path.join(modelDir, name), "utf8"));
const config = read("tokenizer_config.json");
const tokenizer = TokenizerLoader.fromPreTrained({ tokenizerJSON: read("tokenizer.json"), tokenizerConfig: config });
const template = new Template(config.chat_template);
const tokenText = (v) => (v && typeof v === "object" ? v.content : v) ?? "";

const ids = JSON.parse(fs.readFileSync(samplesFile, "utf8")).map(({ prompt, response }) => {
  const context = {
    messages: [{ role: "user", content: prompt }, { role: "assistant", content: response }],
    add_generation_prompt: false, tools: null, documents: null, date_string: "26 Jul 2024",
  };
  if (tokenText(config.bos_token)) context.bos_token = tokenText(config.bos_token);
  if (tokenText(config.eos_token)) context.eos_token = tokenText(config.eos_token);
  return tokenizer.encode(template.render(context), { add_special_tokens: false });
});
fs.writeFileSync(outFile, JSON.stringify(ids) + "\n");
