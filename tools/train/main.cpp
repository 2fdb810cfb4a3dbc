// cirm-train: trains the bundled reward model in two stages, as real reward models are made.
//
//   cirm-train lm    --data data/train.jsonl --out models/NAME/lm --steps N ...
//       next-token language-model training of the reference architecture on the training
//       texts (prompt + chosen response, in the chat template);
//   cirm-train rm    --init models/NAME/lm --data data/train.jsonl --validation data/validation.jsonl
//                    --out models/NAME --steps N ...
//       Bradley–Terry reward training of the `score` head and the whole body;
//   cirm-train check --model models/NAME --data data/test.jsonl
//       loads the written reward model into this trainer's libtorch model and into the C++
//       engine (backends/reference) and compares their rewards on every response.
//
// Every stage is seeded (torch's generator and the shuffling) and writes a JSONL log of its
// steps next to the checkpoint.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <torch/torch.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "batches.hpp"
#include "checkpoint.hpp"
#include "cirm/attributes/builtin.hpp"
#include "cirm/concepts/intervention.hpp"
#include "cirm/io/jsonl.hpp"
#include "cirm/reference/model.hpp"
#include "cirm/synthetic/style.hpp"
#include "cirm/synthetic/tasks.hpp"
#include "llama_module.hpp"

namespace fs = std::filesystem;
using namespace cirm::train;

namespace {

struct common_options {
    std::string data, out;
    std::int64_t steps = 1000;
    std::int64_t batch = 32;
    double lr = 1e-3;
    double weight_decay = 0.01;
    double warmup = 0.05;  // share of steps
    std::uint64_t seed = 1;
    std::int64_t eval_every = 250;
    int threads = 1;  // libtorch intra-op threads; OpenBLAS keeps its own. More spins against BLAS on 2 cores.
};

/// The bundled model's shape (models/cirm-tiny-rm): the defaults of `lm`'s shape options.
llama_config bundled_model_shape() {
    llama_config s;
    s.vocab_size = 264;
    s.hidden_size = 128;
    s.intermediate_size = 384;
    s.num_hidden_layers = 4;
    s.num_attention_heads = 4;
    s.num_key_value_heads = 2;
    s.max_position_embeddings = 512;
    s.rms_norm_eps = 1e-5;
    s.rope_theta = 10000.0;
    return s;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Linear warm-up, then cosine decay to a tenth of the peak.
double learning_rate(const common_options& o, std::int64_t step) {
    const double warm = std::max(1.0, o.warmup * static_cast<double>(o.steps));
    if (static_cast<double>(step) < warm) return o.lr * (static_cast<double>(step) + 1.0) / warm;
    const double progress = (static_cast<double>(step) - warm) / std::max(1.0, static_cast<double>(o.steps) - warm);
    return o.lr * (0.1 + 0.9 * 0.5 * (1.0 + std::cos(M_PI * std::min(1.0, progress))));
}

void set_lr(torch::optim::AdamW& opt, double lr) {
    for (auto& group : opt.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
}

const cirm::sample_format& tokenizer() {
    static const cirm::sample_format format(std::make_shared<const cirm::hf_tokenizer>(cirm::parse_tokenizer_json(
                                                tokenizer_json_text(), "the trainer's tokenizer.json")),
                                            cirm::chat_template(chat_template_text(), "the trainer's chat template"),
                                            cirm::chat_render_options{.bos_token = "<bos>", .eos_token = "<eos>"}, {},
                                            "the trainer's chat template");
    return format;
}

std::string options_text(const common_options& o) {
    return "steps=" + std::to_string(o.steps) + " batch=" + std::to_string(o.batch) + " lr=" + std::to_string(o.lr) +
           " seed=" + std::to_string(o.seed);
}

// --- evaluation on a preference set --------------------------------------------------------------

struct pair_set {
    std::vector<cirm::preference_pair> pairs;
    std::vector<token_ids> chosen, rejected;
    std::vector<bool> neutral;               // all five method attributes equal
    std::vector<std::vector<int>> relation;  // per pair, per attribute: sign(f(chosen) − f(rejected))
};

pair_set load_pairs(const std::string& path) {
    pair_set s;
    s.pairs = cirm::read_preference_jsonl(path);
    const std::vector<std::string> names(cirm::method_attribute_names().begin(), cirm::method_attribute_names().end());
    const auto attrs = cirm::make_attributes(names);
    for (const auto& p : s.pairs) {
        s.chosen.push_back(encode(tokenizer(), p.prompt, p.chosen));
        s.rejected.push_back(encode(tokenizer(), p.prompt, p.rejected));
        std::vector<int> rel;
        bool neutral = true;
        for (const auto& a : attrs) {
            const double c = a(p.prompt, p.chosen), r = a(p.prompt, p.rejected);
            rel.push_back(c > r ? 1 : (c < r ? -1 : 0));
            neutral = neutral && c == r;
        }
        s.relation.push_back(rel);
        s.neutral.push_back(neutral);
    }
    return s;
}

std::vector<float> rewards_of(llama_model& model, const std::vector<token_ids>& seqs, std::size_t batch = 64) {
    torch::NoGradGuard no_grad;
    model->eval();
    std::vector<float> out(seqs.size());
    // sort by length so that batches hold little padding
    std::vector<std::size_t> order(seqs.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](auto a, auto b) { return seqs[a].size() < seqs[b].size(); });
    for (std::size_t begin = 0; begin < order.size(); begin += batch) {
        const auto end = std::min(order.size(), begin + batch);
        std::vector<const token_ids*> rows;
        for (auto i = begin; i < end; ++i) rows.push_back(&seqs[order[i]]);
        auto b = pad(rows, pad_token_id);
        auto r = model->rewards(b.ids, b.last).contiguous();
        for (auto i = begin; i < end; ++i) out[order[i]] = r[static_cast<std::int64_t>(i - begin)].item<float>();
    }
    model->train();
    return out;
}

nlohmann::ordered_json evaluate(llama_model& model, const pair_set& s) {
    const auto rc = rewards_of(model, s.chosen), rr = rewards_of(model, s.rejected);
    std::size_t correct = 0, neutral = 0, neutral_correct = 0;
    const auto names = cirm::method_attribute_names();
    std::vector<std::size_t> nb(names.size()), cb(names.size()), nu(names.size()), cu(names.size());
    std::map<std::string, std::pair<std::size_t, std::size_t>> by_subset;  // correct, pairs
    for (std::size_t i = 0; i < rc.size(); ++i) {
        const bool ok = rc[i] > rr[i];
        correct += ok;
        auto& subset = by_subset[s.pairs[i].subset];
        subset.first += ok;
        ++subset.second;
        if (s.neutral[i]) {
            ++neutral;
            neutral_correct += ok;
        }
        for (std::size_t a = 0; a < names.size(); ++a) {
            if (s.relation[i][a] > 0) ++nb[a], cb[a] += ok;
            if (s.relation[i][a] < 0) ++nu[a], cu[a] += ok;
        }
    }
    auto share = [](std::size_t k, std::size_t n) { return n ? static_cast<double>(k) / static_cast<double>(n) : 0.0; };
    nlohmann::ordered_json j;
    j["all"] = share(correct, rc.size());
    j["neutral"] = share(neutral_correct, neutral);
    for (std::size_t a = 0; a < names.size(); ++a)
        j[std::string(names[a])] = {share(cb[a], nb[a]), share(cu[a], nu[a])};
    for (const auto& [name, counts] : by_subset) j["subsets"][name] = share(counts.first, counts.second);
    return j;
}

// --- stage 1: language model ---------------------------------------------------------------------

/// The prompts of the datasets in `files` (the sets generated content must stay away from).
std::set<std::string> prompts_of(const std::vector<std::string>& files) {
    std::set<std::string> prompts;
    for (const auto& file : files)
        for (const auto& p : cirm::read_preference_jsonl(file)) prompts.insert(p.prompt);
    return prompts;
}

torch::optim::AdamW make_optimizer(const std::vector<torch::Tensor>& params, const common_options& o) {
    return torch::optim::AdamW(params,
                               torch::optim::AdamWOptions(o.lr).weight_decay(o.weight_decay).betas({0.9, 0.95}));
}

/// The stage's JSONL log, in its output directory (created here).
std::ofstream open_log(const common_options& o) {
    fs::create_directories(o.out);
    return std::ofstream(fs::path(o.out) / "train_log.jsonl");
}

/// Plain question → correct-answer texts from the dataset generator's task families (no style):
/// the "pre-training corpus" in which the language model meets the facts and skills the reward
/// model is later asked to judge. Prompts of `excluded` (the validation and test sets) are never
/// drawn, so those sets stay unseen.
std::vector<std::pair<std::string, std::string>> content_corpus(std::size_t count, std::uint64_t seed,
                                                                const std::set<std::string>& excluded) {
    namespace syn = cirm::synthetic;
    syn::random_engine engine(seed);
    std::vector<std::pair<std::string, std::string>> texts;
    std::size_t redraws = 0;
    while (texts.size() < count) {
        const auto family = static_cast<syn::task_family>(texts.size() % syn::task_family_count);
        const auto drawn = syn::draw_task(family, engine);
        if (excluded.contains(drawn.prompt)) {
            if (++redraws > 100 * count) throw cirm::error("content corpus: too few prompts outside the excluded sets");
            continue;
        }
        syn::style_choices plain;
        plain.answer_phrasing = syn::task_detail::draw_between(engine, 0, drawn.answer_phrasings.size() - 1);
        texts.emplace_back(drawn.prompt, syn::render_response(drawn, drawn.correct, plain));
    }
    return texts;
}

/// Style-neutral correct-vs-wrong answer pairs from the task families, avoiding the prompts of
/// `excluded`: the reward stage's content curriculum. Both responses share one set of style
/// choices, drawn with the dataset generator's own renderer, but lightly (at most two filler
/// sentences and one list item), so they are cheap to train on yet look like the training
/// responses: a restatement of the prompt before the answer, bold, headers, '!'. (Content learned
/// on bare "The even number is 82." pairs did not carry over to styled responses, where the
/// restatement repeats both numbers: 0.99 on the bare pairs, 0.6 on styled validation pairs.)
std::vector<cirm::preference_pair> content_pairs(std::size_t count, std::uint64_t seed,
                                                 const std::set<std::string>& excluded,
                                                 const std::vector<std::string>& only = {}) {
    namespace syn = cirm::synthetic;
    syn::random_engine engine(seed ^ 0x9e3779b97f4a7c15ULL);
    std::vector<syn::task_family> families;
    for (std::size_t f = 0; f < syn::task_family_count; ++f) {
        const auto family = static_cast<syn::task_family>(f);
        if (only.empty() || std::find(only.begin(), only.end(), std::string(syn::subset_name(family))) != only.end())
            families.push_back(family);
    }
    for (const auto& name : only)
        if (std::find(syn::subset_names.begin(), syn::subset_names.end(), name) == syn::subset_names.end())
            throw cirm::error("content pairs: unknown task family '" + name + "'");
    if (families.empty()) throw cirm::error("content pairs: no task family is selected");
    std::vector<cirm::preference_pair> pairs;
    std::size_t redraws = 0;
    while (pairs.size() < count) {
        const auto family = families[pairs.size() % families.size()];
        const auto drawn = syn::draw_task(family, engine);
        if (excluded.contains(drawn.prompt)) {
            if (++redraws > 100 * count) throw cirm::error("content pairs: too few prompts outside the excluded sets");
            continue;
        }
        syn::style_levels levels{};
        const std::size_t light_maximum[] = {2, 3, 2, 3, 2, 1, 1};  // style_attribute order: length .. headers
        for (std::size_t a = 0; a < levels.size(); ++a)
            levels[a] = syn::task_detail::draw_between(engine, 0, std::min(light_maximum[a], syn::level_counts[a] - 1));
        const auto shared = syn::draw_style_choices(levels, drawn.answer_phrasings.size(), engine);
        pairs.push_back({"content-" + std::to_string(pairs.size()), drawn.prompt,
                         syn::render_response(drawn, drawn.correct, shared),
                         syn::render_response(drawn, drawn.wrong, shared), std::string(syn::subset_name(family))});
    }
    return pairs;
}

int run_lm(const common_options& o, const llama_config& shape, std::size_t content,
           const std::vector<std::string>& exclude) {
    torch::manual_seed(o.seed);
    llama_model model(shape);
    const auto pairs = cirm::read_preference_jsonl(o.data);
    std::vector<token_ids> seqs;
    std::vector<std::size_t> lengths;
    for (const auto& p : pairs) {
        seqs.push_back(encode(tokenizer(), p.prompt, p.chosen));
        lengths.push_back(seqs.back().size());
    }
    const auto excluded = prompts_of(exclude);
    for (const auto& [prompt, response] : content_corpus(content, o.seed, excluded)) {
        seqs.push_back(encode(tokenizer(), prompt, response));
        lengths.push_back(seqs.back().size());
    }
    std::cerr << "lm: " << pairs.size() << " chosen texts and " << content << " plain answers, " << options_text(o)
              << "\n";
    std::vector<torch::Tensor> params;
    for (auto& item : model->named_parameters())
        if (item.key().rfind("score.", 0) != 0) params.push_back(item.value());
    auto opt = make_optimizer(params, o);
    std::mt19937_64 rng(o.seed);
    auto log = open_log(o);
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::vector<std::size_t>> epoch;
    std::size_t next = 0;
    double running = 0;
    for (std::int64_t step = 0; step < o.steps; ++step) {
        if (next == epoch.size())
            epoch = length_bucketed_batches(lengths, static_cast<std::size_t>(o.batch), rng), next = 0;
        std::vector<const token_ids*> rows;
        for (auto i : epoch[next]) rows.push_back(&seqs[i]);
        ++next;
        auto b = pad(rows, pad_token_id);
        auto inputs = b.ids.narrow(1, 0, b.ids.size(1) - 1);
        auto targets = b.ids.narrow(1, 1, b.ids.size(1) - 1).clone();
        targets.masked_fill_(targets == pad_token_id, -100);
        set_lr(opt, learning_rate(o, step));
        auto logits = model->logits(inputs);
        auto loss = torch::nn::functional::cross_entropy(
            logits.reshape({-1, cirm::libtorch::torch_size(shape.vocab_size)}), targets.reshape({-1}),
            torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-100));
        opt.zero_grad();
        loss.backward();
        torch::nn::utils::clip_grad_norm_(params, 1.0);
        opt.step();
        running = step ? 0.98 * running + 0.02 * loss.item<double>() : loss.item<double>();
        if ((step + 1) % o.eval_every == 0 || step + 1 == o.steps) {
            nlohmann::ordered_json j{{"step", step + 1}, {"loss", running}, {"seconds", seconds_since(t0)}};
            log << j.dump() << "\n" << std::flush;
            std::cerr << j.dump() << "\n";
        }
    }
    save_checkpoint(model, o.out, checkpoint_kind::language_model,
                    {{"stage", "language model"}, {"command", "cirm-train lm " + options_text(o)}});
    std::cerr << "lm: wrote " << o.out << " after " << seconds_since(t0) << " s\n";
    return 0;
}

// --- stage 2: reward model -----------------------------------------------------------------------

std::string stages_text(const std::vector<std::string>& stages) {
    std::string text;
    for (const auto& stage : stages) text += (text.empty() ? " content_stages=" : ",") + stage;
    return text;
}

std::string stage_steps_text(const std::vector<std::int64_t>& steps) {
    std::string text;
    for (auto n : steps) text += (text.empty() ? " content_stage_steps=" : ",") + std::to_string(n);
    return text;
}

int run_rm(const common_options& o, const std::string& init, const std::string& validation, double center,
           double lm_weight, std::int64_t content_first, std::size_t content_count,
           const std::vector<std::string>& exclude, std::vector<std::string> content_families,
           const std::vector<std::string>& content_stages, const std::vector<std::int64_t>& stage_steps) {
    const auto shape = shape_from_config(init, checkpoint_kind::language_model);
    torch::manual_seed(o.seed);
    llama_model model(shape);
    const auto missing = load_checkpoint(model, init);
    for (const auto& name : missing)
        if (name.rfind("score.", 0) != 0) throw cirm::error(init + ": checkpoint lacks '" + name + "'");
    {
        torch::NoGradGuard no_grad;
        model->score->weight.normal_(0.0, 0.02);
    }
    const auto train = load_pairs(o.data);
    const auto val = load_pairs(validation);
    const auto excluded = prompts_of(exclude);
    // Staged content curriculum: stage s of the content phase trains on the families of stages
    // 0..s (each stage adds families and keeps the earlier ones, so nothing learned is dropped).
    std::vector<std::vector<std::string>> stages;
    if (!content_stages.empty()) {
        if (!content_families.empty()) throw cirm::error("--content-stages and --content-families exclude each other");
        for (const auto& stage : content_stages) {
            std::vector<std::string> names;
            std::size_t begin = 0;
            while (begin <= stage.size()) {
                const auto end = std::min(stage.find('+', begin), stage.size());
                if (end == begin) throw cirm::error("--content-stages: empty family name in '" + stage + "'");
                names.push_back(stage.substr(begin, end - begin));
                begin = end + 1;
            }
            content_families.insert(content_families.end(), names.begin(), names.end());
            stages.push_back(std::move(names));
        }
    }
    const auto content = content_pairs(content_count, o.seed, excluded, content_families);
    std::vector<token_ids> content_chosen, content_rejected;
    std::vector<std::size_t> content_lengths;
    for (const auto& p : content) {
        content_chosen.push_back(encode(tokenizer(), p.prompt, p.chosen));
        content_rejected.push_back(encode(tokenizer(), p.prompt, p.rejected));
        content_lengths.push_back(std::max(content_chosen.back().size(), content_rejected.back().size()));
    }
    if (content_first > 0 && content.empty()) throw cirm::error("--content-first needs --content-pairs > 0");
    if (!stages.empty() && content_first < static_cast<std::int64_t>(stages.size()))
        throw cirm::error("--content-stages needs at least one --content-first step per stage");
    // Where each stage ends: --content-stage-steps, or the content phase split evenly.
    std::vector<std::int64_t> stage_ends;
    if (!stage_steps.empty()) {
        if (stage_steps.size() != stages.size())
            throw cirm::error("--content-stage-steps has " + std::to_string(stage_steps.size()) + " counts for " +
                              std::to_string(stages.size()) + " --content-stages");
        std::int64_t end = 0;
        for (auto steps : stage_steps) {
            if (steps < 1) throw cirm::error("--content-stage-steps: every stage needs at least one step");
            stage_ends.push_back(end += steps);
        }
        if (end != content_first)
            throw cirm::error("--content-stage-steps add up to " + std::to_string(end) + ", not --content-first " +
                              std::to_string(content_first));
    } else {
        for (std::size_t s = 0; s < stages.size(); ++s)
            stage_ends.push_back((static_cast<std::int64_t>(s) + 1) * content_first /
                                 static_cast<std::int64_t>(stages.size()));
    }
    // Per stage, the content pairs it draws from (indices into `content`) and their lengths.
    std::vector<std::vector<std::size_t>> stage_items;
    std::vector<std::vector<std::size_t>> stage_lengths;
    {
        std::set<std::string> so_far;
        for (const auto& stage : stages) {
            so_far.insert(stage.begin(), stage.end());
            stage_items.emplace_back();
            stage_lengths.emplace_back();
            for (std::size_t i = 0; i < content.size(); ++i)
                if (so_far.contains(content[i].subset)) {
                    stage_items.back().push_back(i);
                    stage_lengths.back().push_back(content_lengths[i]);
                }
        }
    }
    if (content_first == 0 && !content.empty())
        throw cirm::error("--content-pairs are only used with --content-first > 0");
    // Curriculum: the first `content_first` steps see only plain content pairs (no style, so
    // content is the only signal, and short, so they are cheap); afterwards the training pairs.
    std::vector<std::size_t> lengths;
    for (std::size_t i = 0; i < train.pairs.size(); ++i)
        lengths.push_back(std::max(train.chosen[i].size(), train.rejected[i].size()));
    std::cerr << "rm: " << train.pairs.size() << " training pairs, " << val.pairs.size() << " validation pairs, "
              << options_text(o) << "\n";
    std::vector<torch::Tensor> params;
    for (auto& item : model->named_parameters())
        if (lm_weight > 0 || item.key().rfind("lm_head.", 0) != 0) params.push_back(item.value());
    auto opt = make_optimizer(params, o);
    std::mt19937_64 rng(o.seed);
    auto log = open_log(o);
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::vector<std::size_t>> epoch;
    std::size_t next = 0;
    double running = 0, running_acc = 0;
    std::size_t stage = 0;
    for (std::int64_t step = 0; step < o.steps; ++step) {
        if (step == content_first) next = epoch.size();  // switch to all pairs
        const bool content_phase = step < content_first;
        if (content_phase && !stages.empty()) {
            const auto now = static_cast<std::size_t>(std::upper_bound(stage_ends.begin(), stage_ends.end(), step) -
                                                      stage_ends.begin());
            if (now != stage || step == 0) {
                stage = now;
                std::cerr << "rm: content stage " << stage + 1 << " of " << stages.size() << " from step " << step
                          << "\n";
                epoch.clear();
                next = 0;
            }
        }
        if (next == epoch.size()) {
            if (content_phase && !stages.empty()) {
                epoch = length_bucketed_batches(stage_lengths[stage], static_cast<std::size_t>(o.batch), rng);
                for (auto& batch : epoch)
                    for (auto& i : batch) i = stage_items[stage][i];
            } else {
                epoch = length_bucketed_batches(content_phase ? content_lengths : lengths,
                                                static_cast<std::size_t>(o.batch), rng);
            }
            next = 0;
        }
        const auto& chosen_set = content_phase ? content_chosen : train.chosen;
        const auto& rejected_set = content_phase ? content_rejected : train.rejected;
        std::vector<const token_ids*> rows;
        for (auto i : epoch[next]) rows.push_back(&chosen_set[i]);
        for (auto i : epoch[next]) rows.push_back(&rejected_set[i]);
        ++next;
        auto b = pad(rows, pad_token_id);
        set_lr(opt, learning_rate(o, step));
        auto hidden = model->model->forward(b.ids);
        auto r = model->score->forward(hidden.index({torch::arange(b.ids.size(0), torch::kLong), b.last})).squeeze(-1);
        auto rc = r.narrow(0, 0, o.batch), rr = r.narrow(0, o.batch, o.batch);
        auto loss = -torch::log_sigmoid(rc - rr).mean() + center * (rc + rr).pow(2).mean();
        if (lm_weight > 0) {  // keep the language model's knowledge: next-token loss on the chosen texts
            auto chosen_ids = b.ids.narrow(0, 0, o.batch);
            auto logits = model->lm_head->forward(hidden.narrow(0, 0, o.batch).narrow(1, 0, b.ids.size(1) - 1));
            auto targets = chosen_ids.narrow(1, 1, b.ids.size(1) - 1).clone();
            targets.masked_fill_(targets == pad_token_id, -100);
            loss = loss + lm_weight * torch::nn::functional::cross_entropy(
                                          logits.reshape({-1, cirm::libtorch::torch_size(model->shape.vocab_size)}),
                                          targets.reshape({-1}),
                                          torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-100));
        }
        opt.zero_grad();
        loss.backward();
        torch::nn::utils::clip_grad_norm_(params, 1.0);
        opt.step();
        const double acc = (rc > rr).to(torch::kFloat32).mean().item<double>();
        running = step ? 0.98 * running + 0.02 * loss.item<double>() : loss.item<double>();
        running_acc = step ? 0.98 * running_acc + 0.02 * acc : acc;
        if ((step + 1) % o.eval_every == 0 || step + 1 == o.steps) {
            nlohmann::ordered_json j{{"step", step + 1},
                                     {"loss", running},
                                     {"train_acc", running_acc},
                                     {"seconds", seconds_since(t0)},
                                     {"validation", evaluate(model, val)}};
            log << j.dump() << "\n" << std::flush;
            std::cerr << j.dump() << "\n";
        }
    }
    save_checkpoint(model, o.out, checkpoint_kind::reward_model,
                    {{"stage", "reward model"},
                     {"initialized_from", init},
                     {"command", "cirm-train rm " + options_text(o) + " center=" + std::to_string(center) +
                                     " lm_weight=" + std::to_string(lm_weight) + " content_first=" +
                                     std::to_string(content_first) + " content_pairs=" + std::to_string(content_count) +
                                     stages_text(content_stages) + stage_steps_text(stage_steps)}});
    std::cerr << "rm: wrote " << o.out << " after " << seconds_since(t0) << " s\n";
    return 0;
}

// --- check: trainer's model vs the engine --------------------------------------------------------

int run_check(const std::string& model_dir, const std::string& data, double tolerance, int threads) {
    const auto shape = shape_from_config(model_dir, checkpoint_kind::reward_model);
    llama_model model(shape);
    const auto missing = load_checkpoint(model, model_dir);
    for (const auto& name : missing)
        if (name.rfind("lm_head.", 0) != 0) throw cirm::error(model_dir + ": checkpoint lacks '" + name + "'");
    const auto set = load_pairs(data);
    std::vector<token_ids> seqs = set.chosen;
    seqs.insert(seqs.end(), set.rejected.begin(), set.rejected.end());
    const auto t0 = std::chrono::steady_clock::now();
    const auto trainer_rewards = rewards_of(model, seqs);
    const double trainer_seconds = seconds_since(t0);

    cirm::reference::llama_reward_model engine(model_dir);
    engine.set_threads(static_cast<std::size_t>(threads));
    std::vector<cirm::sample> samples;
    for (const auto& p : set.pairs) samples.push_back({p.prompt, p.chosen});
    for (const auto& p : set.pairs) samples.push_back({p.prompt, p.rejected});
    const auto t1 = std::chrono::steady_clock::now();
    std::vector<float> engine_rewards(samples.size());
    engine.score(samples, cirm::no_intervention{}, engine_rewards);
    const double engine_seconds = seconds_since(t1);

    double worst = 0;
    std::size_t worst_at = 0;
    for (std::size_t i = 0; i < samples.size(); ++i) {
        const double d = std::abs(static_cast<double>(trainer_rewards[i]) - static_cast<double>(engine_rewards[i]));
        if (!(d <= worst)) worst = d, worst_at = i;
    }
    nlohmann::ordered_json j{{"model", model_dir},
                             {"data", data},
                             {"responses", samples.size()},
                             {"max_abs_difference", worst},
                             {"at_response", worst_at},
                             {"tolerance", tolerance},
                             {"trainer_seconds", trainer_seconds},
                             {"engine_seconds", engine_seconds}};
    std::cout << j.dump() << "\n";
    if (!(worst <= tolerance)) {
        std::cerr << "check: rewards differ by " << worst << " > " << tolerance << "\n";
        return 1;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"cirm-train: the two-stage trainer of the bundled reward model (libtorch)"};
    app.require_subcommand(1);
    common_options lm_o, rm_o;
    llama_config shape = bundled_model_shape();
    std::string init, validation;
    double center = 1e-3, lm_weight = 0.0;
    std::int64_t content_first = 0;
    rm_o.lr = 3e-4;
    rm_o.batch = 16;

    auto add_common = [](CLI::App* c, common_options& o) {
        c->add_option("--data", o.data, "training pairs (JSONL)")->required()->check(CLI::ExistingFile);
        c->add_option("--out", o.out, "output directory")->required();
        c->add_option("--steps", o.steps, "optimizer steps")->capture_default_str();
        c->add_option("--batch", o.batch, "sequences (lm) or pairs (rm) per step")->capture_default_str();
        c->add_option("--lr", o.lr, "peak learning rate (AdamW)")->capture_default_str();
        c->add_option("--weight-decay", o.weight_decay)->capture_default_str();
        c->add_option("--seed", o.seed)->capture_default_str();
        c->add_option("--eval-every", o.eval_every, "steps between log lines")->capture_default_str();
        c->add_option("--threads", o.threads)->capture_default_str();
    };
    auto* lm = app.add_subcommand("lm", "stage 1: next-token training on prompt + chosen texts");
    add_common(lm, lm_o);
    std::size_t content = 0;
    std::vector<std::string> exclude;
    lm->add_option("--content", content, "plain question/answer texts from the task families added to the corpus")
        ->capture_default_str();
    lm->add_option("--exclude", exclude, "datasets whose prompts the content texts must avoid (validation, test)")
        ->check(CLI::ExistingFile);
    lm->add_option("--layers", shape.num_hidden_layers)->capture_default_str();
    lm->add_option("--hidden", shape.hidden_size)->capture_default_str();
    lm->add_option("--intermediate", shape.intermediate_size)->capture_default_str();
    lm->add_option("--heads", shape.num_attention_heads)->capture_default_str();
    lm->add_option("--kv-heads", shape.num_key_value_heads)->capture_default_str();

    auto* rm = app.add_subcommand("rm", "stage 2: Bradley-Terry reward training from a stage-1 checkpoint");
    add_common(rm, rm_o);
    rm->add_option("--init", init, "stage-1 checkpoint directory")->required()->check(CLI::ExistingDirectory);
    rm->add_option("--validation", validation, "validation pairs (JSONL), evaluated every --eval-every steps")
        ->required()
        ->check(CLI::ExistingFile);
    rm->add_option("--center", center, "weight of the (r_chosen + r_rejected)^2 term keeping rewards centred")
        ->capture_default_str();
    std::size_t content_count = 0;
    std::vector<std::string> rm_exclude;
    rm->add_option("--content-first", content_first,
                   "steps on plain content pairs (--content-pairs) before the training pairs")
        ->capture_default_str();
    std::vector<std::string> content_families;
    rm->add_option("--content-families", content_families, "task families of the content pairs (default: all)");
    std::vector<std::string> content_stages;
    rm->add_option("--content-stages", content_stages,
                   "staged content curriculum: family groups like even+animal odd+food; the content phase is split "
                   "evenly unless --content-stage-steps, stage s trains on the groups 1..s");
    std::vector<std::int64_t> stage_steps;
    rm->add_option("--content-stage-steps", stage_steps, "steps of each content stage (adding up to --content-first)");
    rm->add_option("--content-pairs", content_count, "plain correct-vs-wrong pairs from the task families, no style")
        ->capture_default_str();
    rm->add_option("--exclude", rm_exclude, "datasets whose prompts the content pairs must avoid (validation, test)")
        ->check(CLI::ExistingFile);
    rm->add_option("--lm-weight", lm_weight, "weight of a next-token loss on the chosen texts during reward training")
        ->capture_default_str();

    std::string check_model, check_data;
    double tolerance = 1e-4;
    int check_threads = 2;
    auto* check = app.add_subcommand("check", "compare this trainer's rewards with the engine's on a dataset");
    check->add_option("--model", check_model)->required()->check(CLI::ExistingDirectory);
    check->add_option("--data", check_data)->required()->check(CLI::ExistingFile);
    check->add_option("--tolerance", tolerance)->capture_default_str();
    check->add_option("--threads", check_threads)->capture_default_str();

    CLI11_PARSE(app, argc, argv);
    try {
        if (lm->parsed()) {
            torch::set_num_threads(lm_o.threads);
            derive_head_dim(shape, "cirm-train lm");
            check_llama_config(shape, "cirm-train lm");
            return run_lm(lm_o, shape, content, exclude);
        }
        if (rm->parsed()) {
            torch::set_num_threads(rm_o.threads);
            return run_rm(rm_o, init, validation, center, lm_weight, content_first, content_count, rm_exclude,
                          content_families, content_stages, stage_steps);
        }
        torch::set_num_threads(check_threads);
        return run_check(check_model, check_data, tolerance, check_threads);
    } catch (const std::exception& e) {
        std::cerr << "cirm-train: error: " << e.what() << "\n";
        return 1;
    }
}
