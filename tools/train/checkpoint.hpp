#pragma once
/// \file
/// Writes the training model as an HF-layout directory (config.json, model.safetensors,
/// tokenizer.json, tokenizer_config.json) and reads one back. The reward model is the layout the engine loads
/// (LlamaForSequenceClassification: the body and `score`); the language-model stage's checkpoint
/// is LlamaForCausalLM (the body and `lm_head`), which only this trainer reads.

#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "cirm/error.hpp"
#include "cirm/io/atomic_file.hpp"
#include "cirm/io/byte_level_tokenizer.hpp"
#include "cirm/io/llama_config.hpp"
#include "cirm/io/safetensors.hpp"
#include "llama_module.hpp"

namespace cirm::train {

/// The byte-level tokenizer and chat template every model of this trainer uses: a sequence is
/// <bos><|user|>PROMPT\n<|assistant|>RESPONSE<eos>, the text in UTF-8 bytes (ids 0-255).
inline constexpr std::int32_t pad_token_id = 260;
inline const std::map<std::string, std::int32_t>& special_tokens() {
    static const std::map<std::string, std::int32_t> specials{
        {"<bos>", 256}, {"<|user|>", 257}, {"<|assistant|>", 258}, {"<eos>", 259}, {"<pad>", pad_token_id}};
    return specials;
}
inline const char* chat_template_text() {
    return "{{ bos_token }}{% for message in messages %}"
           "{% if message['role'] == 'user' %}{{ '<|user|>' + message['content'] + '\\n' }}"
           "{% elif message['role'] == 'assistant' %}{{ '<|assistant|>' + message['content'] + eos_token }}"
           "{% else %}{{ raise_exception('this model knows the roles user and assistant only, not ' + "
           "message['role']) }}{% endif %}{% endfor %}"
           "{% if add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}";
}
inline std::string tokenizer_json_text() { return byte_level_tokenizer_json(special_tokens()); }
inline std::string tokenizer_config_text() {
    return tokenizer_config_json(chat_template_text(), "<bos>", "<eos>", "<pad>");
}

enum class checkpoint_kind { language_model, reward_model };

/// The config.json of a checkpoint of this shape, as cirm/io/llama_config.hpp reads it back:
/// head_dim only where it is not hidden_size / num_attention_heads, mlp_bias only when set. The
/// trainer writes Llama checkpoints (one attention_bias for q, k, v and o).
inline nlohmann::json config_json(const llama_config& s, checkpoint_kind kind) {
    if (s.model_type != "llama" || s.qkv_bias != s.o_bias)
        throw error("the trainer writes Llama checkpoints only (model_type '" + s.model_type +
                    "', with one attention bias flag for q, k, v and o)");
    nlohmann::ordered_json c;
    c["architectures"] = {kind == checkpoint_kind::reward_model ? "LlamaForSequenceClassification"
                                                                : "LlamaForCausalLM"};
    c["model_type"] = "llama";
    c["hidden_size"] = s.hidden_size;
    c["intermediate_size"] = s.intermediate_size;
    c["num_hidden_layers"] = s.num_hidden_layers;
    c["num_attention_heads"] = s.num_attention_heads;
    c["num_key_value_heads"] = s.num_key_value_heads;
    if (s.head_dim * s.num_attention_heads != s.hidden_size) c["head_dim"] = s.head_dim;
    c["rms_norm_eps"] = s.rms_norm_eps;
    c["rope_theta"] = s.rope_theta;
    c["vocab_size"] = s.vocab_size;
    c["max_position_embeddings"] = s.max_position_embeddings;
    c["tie_word_embeddings"] = s.tie_word_embeddings;
    c["attention_bias"] = s.o_bias;
    if (s.mlp_bias) c["mlp_bias"] = true;
    c["hidden_act"] = "silu";
    if (kind == checkpoint_kind::reward_model) c["num_labels"] = 1;
    c["pad_token_id"] = pad_token_id;
    return c;
}

/// The shape dir/config.json records, read by the one config reader (cirm/io/llama_config.hpp),
/// which also checks that the checkpoint is of this kind.
inline llama_config shape_from_config(const std::filesystem::path& dir, checkpoint_kind kind) {
    return load_llama_config(dir / "config.json",
                             kind == checkpoint_kind::reward_model ? llama_head::score : llama_head::language_model);
}

/// Whether parameter `name` belongs in a checkpoint of this kind.
inline bool exported(const std::string& name, checkpoint_kind kind) {
    if (name.rfind("lm_head.", 0) == 0) return kind == checkpoint_kind::language_model;
    if (name.rfind("score.", 0) == 0) return kind == checkpoint_kind::reward_model;
    return true;
}

/// Writes dir/{config.json, model.safetensors, tokenizer.json, tokenizer_config.json}; `metadata` goes into the
/// safetensors header.
inline void save_checkpoint(llama_model& model, const std::filesystem::path& dir, checkpoint_kind kind,
                            const std::map<std::string, std::string>& metadata) {
    std::filesystem::create_directories(dir);
    std::vector<torch::Tensor> keep;  // contiguous F32 copies, alive until written
    std::vector<safetensors::tensor_data> tensors;
    for (const auto& item : model->named_parameters()) {
        if (!exported(item.key(), kind)) continue;
        auto t = item.value().detach().to(torch::kFloat32).contiguous();
        keep.push_back(t);
        std::vector<std::size_t> shape(t.sizes().begin(), t.sizes().end());
        tensors.push_back({item.key(), safetensors::dtype::f32, shape,
                           std::span<const std::byte>(reinterpret_cast<const std::byte*>(t.data_ptr<float>()),
                                                      static_cast<std::size_t>(t.numel()) * sizeof(float))});
    }
    std::sort(tensors.begin(), tensors.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    safetensors::save(dir / "model.safetensors", tensors, metadata);
    write_file_atomically(dir / "config.json", config_json(model->shape, kind).dump(2) + "\n");
    write_file_atomically(dir / "tokenizer.json", tokenizer_json_text());
    write_file_atomically(dir / "tokenizer_config.json", tokenizer_config_text());
}

/// Copies every tensor of dir/model.safetensors into the parameter of the same name (which must
/// exist, with the same shape). Returns the names of parameters the file did not hold.
inline std::vector<std::string> load_checkpoint(llama_model& model, const std::filesystem::path& dir) {
    const safetensors::mapped_file file(dir / "model.safetensors");
    auto params = model->named_parameters();
    std::vector<std::string> missing;
    torch::NoGradGuard no_grad;
    for (const auto& item : params) {
        const auto* view = file.find(item.key());
        if (!view) {
            missing.push_back(item.key());
            continue;
        }
        if (view->type != safetensors::dtype::f32)
            throw error(dir.string() + ": tensor '" + item.key() + "' is not F32");
        std::vector<std::int64_t> shape(view->shape.begin(), view->shape.end());
        if (torch::IntArrayRef(shape) != item.value().sizes())
            throw error(dir.string() + ": tensor '" + item.key() + "' has another shape than the model's");
        auto values = view->to_floats();  // the mapping may be unaligned for floats
        item.value().copy_(torch::from_blob(values.data(), shape, torch::kFloat32));
    }
    for (const auto& t : file.tensors())
        if (!params.contains(t.name))
            throw error(dir.string() + ": tensor '" + t.name + "' is not a parameter of the model");
    return missing;
}

}  // namespace cirm::train
